"""The `journal` command: database, schools, imports. Messages in the user's language.

Every refusal is a sentence and a non-zero exit; a traceback is shown only with JOURNAL_DEBUG=1.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import datetime as dt
import os
import re
import sys
import traceback
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.exc import DBAPIError, OperationalError

from app.config import Settings, load_settings
from domain.clock import SystemClock, local_today
from domain.errors import InvalidInput, JournalError, NotFound
from domain.importing import ImportProblem, ImportRejected, SchoolSnapshot, class_key
from domain.people import INVITATION_DAYS
from locales import N_, Translator, translator
from storage.database import create_engine, session_factory
from storage.uow import SqlUnitOfWork

if TYPE_CHECKING:
    from domain.model import Guardian, Pupil, School, StaffMember
    from domain.usecases.accounts import IssuedInvitation

EXIT_REFUSED = 1
EXIT_FAILED = 3


class Context:
    """What a command needs: settings, a translator, the engine and units of work."""

    def __init__(self, settings: Settings, t: Translator) -> None:
        self.settings = settings
        self.t = t
        self.engine = create_engine(settings.database_url)
        self.sessions = session_factory(self.engine)
        self.clock = SystemClock()

    def uow(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.sessions)

    def out(self, text: str = "") -> None:
        print(text)

    async def require_current_schema(self) -> None:
        from storage.migrate import current, head

        if await current(self.engine) != head():
            raise JournalError("the database is not up to date; run: journal db upgrade")


def format_problem(t: Translator, p: ImportProblem) -> str:
    where = p.source
    if p.row is not None:
        where += ", " + t("row {row}", row=p.row)
    if p.column:
        where += ", " + t("column {column}", column=p.column)
    return f"{where}: {t(p.message, **dict(p.params))}"


# --------------------------------------------------------------------------- commands


async def cmd_db_upgrade(ctx: Context, args: argparse.Namespace) -> int:
    from storage.migrate import current, upgrade

    await upgrade(ctx.engine, args.revision)
    ctx.out(ctx.t("The database is at revision {revision}.", revision=await current(ctx.engine)))
    return 0


async def cmd_db_downgrade(ctx: Context, args: argparse.Namespace) -> int:
    from storage.migrate import current, downgrade

    await downgrade(ctx.engine, args.revision)
    revision = await current(ctx.engine) or "base"
    ctx.out(ctx.t("The database is at revision {revision}.", revision=revision))
    return 0


async def cmd_school_create(ctx: Context, args: argparse.Namespace) -> int:
    from domain.usecases.schools import create_school

    await ctx.require_current_schema()
    school = await create_school(ctx.uow(), args.name, args.timezone)
    ctx.out(
        ctx.t(
            "Created school {name} (id {id}, time zone {timezone}).",
            name=school.name,
            id=school.id,
            timezone=school.timezone,
        )
    )
    return 0


async def cmd_school_update(ctx: Context, args: argparse.Namespace) -> int:
    from domain.usecases.schools import find_school, update_school

    await ctx.require_current_schema()
    school = await find_school(ctx.uow(), args.school)
    schedule = None
    changes = {
        key: value
        for key, value in (
            ("evening_reminder", _time_arg(args.evening_reminder)),
            ("digest_weekday", args.digest_weekday),
            ("digest_time", _time_arg(args.digest_time)),
            ("digest_weeks", args.digest_weeks),
            ("private_notifications", _switch(args.private_notifications)),
            ("six_day_week", _switch(args.six_day_week)),
        )
        if value is not None
    }
    if changes:
        schedule = dataclasses.replace(school.schedule, **changes)
    school = await update_school(
        ctx.uow(),
        school,
        name=args.name,
        timezone=args.timezone,
        help_contacts=args.help_contacts,
        schedule=schedule,
    )
    ctx.out(
        ctx.t(
            "Updated school {name} (id {id}, time zone {timezone}).",
            name=school.name,
            id=school.id,
            timezone=school.timezone,
        )
    )
    return 0


def _time_arg(text: str | None) -> dt.time | None:
    if text is None:
        return None
    try:
        hours, _, minutes = text.partition(":")
        return dt.time(int(hours), int(minutes or 0))
    except ValueError:
        raise JournalError("{value} is not a time: write HH:MM", value=text) from None


def _switch(text: str | None) -> bool | None:
    return None if text is None else text == "on"


async def cmd_bot_run(ctx: Context, args: argparse.Namespace) -> int:
    import logging

    from aiogram.exceptions import TelegramNetworkError, TelegramUnauthorizedError

    from app.runtime import PARTS, run_journal

    if not ctx.settings.bot_token:
        raise JournalError("set JOURNAL_BOT_TOKEN to the token from @BotFather")
    await ctx.require_current_schema()
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        await run_journal(ctx.settings, [args.only] if args.only else PARTS, tune_gc=True)
    except TelegramUnauthorizedError:
        raise JournalError("Telegram does not accept the bot token") from None
    except TelegramNetworkError as err:
        raise JournalError(
            "cannot reach the Bot API at {url}: {reason}",
            url=ctx.settings.telegram_api_url,
            reason=str(err)[:200],
        ) from None
    return 0


async def cmd_demo(ctx: Context, args: argparse.Namespace) -> int:
    from app.demo import run_demo

    return await run_demo(ctx, port=args.port, directory=args.dir)


async def cmd_outbox(ctx: Context, args: argparse.Namespace) -> int:
    from domain.usecases.schools import outbox_report

    await ctx.require_current_schema()
    report = await outbox_report(ctx.uow(), args.limit)
    t = ctx.t
    c = report.counts
    ctx.out(
        t(
            "Outbox: {pending} pending, {sending} being sent, {sent} sent, {failed} failed, "
            "{blocked} to people who blocked the bot",
            pending=c.get("pending", 0),
            sending=c.get("sending", 0),
            sent=c.get("sent", 0),
            failed=c.get("failed", 0),
            blocked=c.get("blocked", 0),
        )
    )
    if report.failures:
        ctx.out(t("Latest failures:"))
    for m in report.failures:
        ctx.out(
            f"  #{m.id} {m.kind} → chat {m.chat_id} ({m.status.value}, "
            f"{t('attempts: {count}', count=m.attempts)}): {m.last_error}"
        )
    return 0


async def cmd_school_show(ctx: Context, args: argparse.Namespace) -> int:
    from domain.usecases.schools import find_school, school_summary

    await ctx.require_current_schema()
    school = await find_school(ctx.uow(), args.school)
    today = local_today(ctx.clock, school.timezone)
    s = await school_summary(ctx.uow(), school, today)
    t = ctx.t
    lines = [
        t("School: {name} (id {id})", name=school.name, id=school.id),
        t(
            "Time zone: {timezone}; today is {today}",
            timezone=school.timezone,
            today=today.strftime("%d.%m.%Y"),
        ),
        t("School year: {year}", year=s.school_year or t("not set")),
        t("Classes: {count}", count=s.classes),
        t("Pupils in the journal: {count}", count=s.pupils),
        t("Home-schooled (kept out of the journal): {count}", count=s.home_schooled),
        t("Pupils who have left: {count}", count=s.left),
        t(
            "Guardians: {count} ({unlinked} linked to no pupil)",
            count=s.guardians,
            unlinked=s.guardians_without_pupil,
        ),
        t("Staff: {count}, of them teachers: {teachers}", count=s.staff, teachers=s.teachers),
        t("Subjects: {count}", count=s.subjects),
        t("Lessons a week (this week's timetable): {count}", count=s.lessons_a_week),
        t("Periods this year: {count}; holidays: {holidays}", count=s.periods, holidays=s.holidays),
        t("Bells: {count}; plan topics (KTP): {topics}", count=s.bells, topics=s.plan_topics),
    ]
    for line in lines:
        ctx.out(line)
    return 0


TABLE_TITLES = {
    "staff": N_("staff"),
    "subjects": N_("subjects"),
    "classes": N_("classes"),
    "students": N_("pupils"),
    "guardians": N_("guardians"),
    "guardian_links": N_("guardian–pupil links"),
    "groups": N_("groups"),
    "assignments": N_("assignments"),
    "bells": N_("bells"),
    "periods": N_("periods"),
    "holidays": N_("holidays"),
    "timetable": N_("timetable"),
    "plan": N_("plan (KTP)"),
}


async def cmd_import(ctx: Context, args: argparse.Namespace) -> int:
    from domain.usecases.import_school import import_school
    from domain.usecases.schools import find_school
    from importer.readers import read_import

    await ctx.require_current_schema()
    school = await find_school(ctx.uow(), args.school)
    t = ctx.t
    try:
        source = read_import(Path(args.path))
        report = await import_school(
            ctx.uow(),
            school,
            source.tables,
            local_today(ctx.clock, school.timezone),
            warnings=source.warnings,
        )
    except ImportRejected as rejected:
        problems = sorted(rejected.problems, key=lambda p: (p.source, p.row or 0))
        print(t("Nothing was imported: {count} problem(s).", count=len(problems)), file=sys.stderr)
        for problem in problems:
            print("  " + format_problem(t, problem), file=sys.stderr)
        return EXIT_REFUSED
    if not report.tables:
        print(t("Nothing to import: the files hold no rows."), file=sys.stderr)
        return EXIT_REFUSED
    ctx.out(t("Imported into {name}:", name=school.name))
    for table, counts in report.tables.items():
        ctx.out(
            "  "
            + t(
                "{table}: {added} added, {updated} updated, {unchanged} unchanged",
                table=t(TABLE_TITLES.get(table, table)),
                added=counts.added,
                updated=counts.updated,
                unchanged=counts.unchanged,
            )
        )
    if report.warnings:
        ctx.out(t("Warnings ({count}):", count=len(report.warnings)))
        for warning in sorted(report.warnings, key=lambda p: (p.source, p.row or 0)):
            ctx.out("  " + format_problem(t, warning))
    return 0


# --------------------------------------------------------------------------- invitations

# Telegram usernames: 5–32 characters, Latin letters, digits and «_», starting with a letter.
BOT_USERNAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{4,31}")
TELEGRAM_TIMEOUT = 10.0


async def bot_username(settings: Settings, given: str | None) -> str:
    """The bot's username for deep links: the option, the setting, else Telegram's getMe."""
    name = (given or settings.bot_username).strip().removeprefix("@")
    if not name and settings.bot_token:
        name = await username_from_telegram(settings.telegram_api_url, settings.bot_token)
    if not name:
        raise JournalError(
            "the bot's username is unknown; give it with --bot-username or set JOURNAL_BOT_USERNAME"
        )
    if not BOT_USERNAME.fullmatch(name):
        raise InvalidInput("{value} is not a Telegram bot username", value=name)
    return name


async def username_from_telegram(api_url: str, token: str) -> str:
    """Ask the Bot API who the bot is; any failure is a refusal that names --bot-username."""
    import aiohttp

    url = f"{api_url.rstrip('/')}/bot{token}/getMe"
    try:
        timeout = aiohttp.ClientTimeout(total=TELEGRAM_TIMEOUT)
        async with aiohttp.ClientSession(timeout=timeout) as session, session.get(url) as response:
            payload = await response.json(content_type=None)
    except (aiohttp.ClientError, TimeoutError, OSError, ValueError) as err:
        reason = str(err).replace(token, "…") or type(err).__name__
        raise JournalError(
            "could not ask Telegram for the bot's username ({reason}); give it with --bot-username",
            reason=reason,
        ) from None
    result = payload.get("result") if isinstance(payload, dict) else None
    username = result.get("username") if isinstance(result, dict) else None
    if not (isinstance(payload, dict) and payload.get("ok")) or not isinstance(username, str):
        description = payload.get("description") if isinstance(payload, dict) else None
        raise JournalError(
            "could not ask Telegram for the bot's username ({reason}); give it with --bot-username",
            reason=str(description or "no username in the answer").replace(token, "…"),
        )
    return username


def deep_link(username: str, code: str) -> str:
    return f"https://t.me/{username}?start={code}"


def split_ids(text: str) -> list[str]:
    """`T1, T2,T1` → ["T1", "T2"]: the school's own ids, each once, in the order given."""
    ids: list[str] = []
    for part in text.split(","):
        part = part.strip()
        if part and part not in ids:
            ids.append(part)
    if not ids:
        raise InvalidInput("give at least one id, e.g. T1 or T1,T2")
    return ids


def resolve_ids(
    wanted: list[str], people: Sequence[StaffMember] | Sequence[Guardian] | Sequence[Pupil]
) -> list[int]:
    """The school's ids (as in the import files) to the journal's ids; unknown ones refused."""
    by_external = {p.external_id: p.id for p in people if p.id is not None}
    missing = [w for w in wanted if w not in by_external]
    if missing:
        raise NotFound("nobody with the id {value} in this school", value=", ".join(missing))
    return [by_external[w] for w in wanted]


def invitation_line(t: Translator, issued: IssuedInvitation, link: str, timezone: str) -> str:
    from domain.people import PersonKind

    if issued.kind is PersonKind.STAFF:
        role = t("staff member")
    elif issued.kind is PersonKind.GUARDIAN:
        role = (
            t("guardian of {children}", children=issued.detail) if issued.detail else t("guardian")
        )
    else:
        role = t("pupil")
    return t(
        "{name} ({role}): {link} — valid until {date}",
        name=issued.name,
        role=role,
        link=link,
        date=local_date(issued.expires_at, timezone).strftime("%d.%m.%Y"),
    )


def local_date(moment: dt.datetime, timezone: str) -> dt.date:
    from zoneinfo import ZoneInfo

    return moment.astimezone(ZoneInfo(timezone)).date()


def cards_path(out: str | None, class_name: str) -> Path:
    """Where the class's cards go; checked before any code is issued."""
    if out:
        path = Path(out)
    else:
        safe = re.sub(r"[^\w\-]+", "_", class_name.strip()).strip("_") or "class"
        path = Path(f"invitations-{safe}.pdf")
    if path.is_dir():
        raise InvalidInput("{path} is a folder; give a file name with --out", path=path)
    if not path.parent.is_dir():
        raise NotFound("the folder {path} does not exist", path=path.parent)
    return path


async def cmd_invite(ctx: Context, args: argparse.Namespace) -> int:
    from domain.people import PersonKind
    from domain.usecases.accounts import issue_invitations
    from domain.usecases.schools import find_school

    await ctx.require_current_schema()
    if args.out and not args.class_name:
        raise InvalidInput("--out is for the cards of a class; use it with --class")
    school = await find_school(ctx.uow(), args.school)
    assert school.id is not None
    username = await bot_username(ctx.settings, args.bot_username)
    uow = ctx.uow()
    async with uow:
        snapshot = await uow.directory.snapshot(school.id)
    if args.class_name:
        return await invite_class(ctx, args, school, snapshot, username)
    if args.staff:
        kind, people = PersonKind.STAFF, snapshot.staff
    elif args.guardian:
        kind, people = PersonKind.GUARDIAN, snapshot.guardians
    else:
        kind, people = PersonKind.PUPIL, snapshot.pupils
    person_ids = resolve_ids(split_ids(args.staff or args.guardian or args.student), people)
    issued = await issue_invitations(
        ctx.uow(), school.id, kind, person_ids, ctx.clock, days=args.days
    )
    for invitation in issued:
        link = deep_link(username, invitation.code)
        ctx.out(invitation_line(ctx.t, invitation, link, school.timezone))
    ctx.out(
        ctx.t("Each link works once. The codes are shown only now: the journal keeps them hashed.")
    )
    return 0


async def invite_class(
    ctx: Context,
    args: argparse.Namespace,
    school: School,
    snapshot: SchoolSnapshot,
    username: str,
) -> int:
    """One invitation and one printable card per guardian of the pupils now in the class."""
    from domain.people import PersonKind
    from domain.usecases.accounts import issue_invitations
    from reports.invitations import InvitationCard, render_invitation_cards

    assert school.id is not None
    klass = next(
        (c for c in snapshot.classes if class_key(c.name) == class_key(args.class_name)), None
    )
    if klass is None:
        raise NotFound("there is no class {value}", value=args.class_name)
    path = cards_path(args.out, klass.name)
    today = local_today(ctx.clock, school.timezone)
    in_class = {
        e.pupil_id
        for e in snapshot.enrolments
        if e.class_id == klass.id and e.starts <= today and (e.ends is None or e.ends >= today)
    }
    pupils = {p.id: p for p in snapshot.pupils}
    children: dict[int, list[Pupil]] = {}
    for guardianship in snapshot.guardianships:
        if guardianship.pupil_id in in_class:
            pupil = pupils[guardianship.pupil_id]
            children.setdefault(guardianship.guardian_id, []).append(pupil)
    guardians = {g.id: g for g in snapshot.guardians if g.id in children}
    if not guardians:
        raise NotFound("no pupil of class {name} has a guardian in the lists", name=klass.name)

    def order(guardian_id: int) -> tuple[str, str]:
        first_child = min(p.full_name.casefold() for p in children[guardian_id])
        return first_child, guardians[guardian_id].full_name.casefold()

    guardian_ids = sorted(guardians, key=order)
    issued = await issue_invitations(
        ctx.uow(), school.id, PersonKind.GUARDIAN, guardian_ids, ctx.clock, days=args.days
    )
    cards = []
    for invitation in issued:
        link = deep_link(username, invitation.code)
        ctx.out(invitation_line(ctx.t, invitation, link, school.timezone))
        kids = sorted(children[invitation.person_id], key=lambda p: p.full_name.casefold())
        cards.append(
            InvitationCard(
                school=school.name,
                class_name=klass.name,
                guardian=invitation.name,
                children=tuple(p.full_name for p in kids),
                link=link,
                code=invitation.code,
                expires=local_date(invitation.expires_at, school.timezone),
            )
        )
    pdf = render_invitation_cards(cards)
    try:
        path.write_bytes(pdf)
    except OSError as err:
        raise JournalError(
            "could not write {path}: {reason}", path=path, reason=err.strerror or err
        ) from None
    ctx.out(
        ctx.t("Each link works once. The codes are shown only now: the journal keeps them hashed.")
    )
    ctx.out(ctx.t("Cards for {count} guardian(s) are in {path}", count=len(cards), path=path))
    return 0


# --------------------------------------------------------------------------- parser


def build_parser(t: Translator) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="journal", description=t("An electronic school journal in a messenger.")
    )
    parser.add_argument("--lang", help=t("language of messages: ru or en"))
    sub = parser.add_subparsers(dest="command", required=True)

    db = sub.add_parser("db", help=t("the database")).add_subparsers(dest="action", required=True)
    up = db.add_parser("upgrade", help=t("bring the database to the latest schema"))
    up.add_argument("revision", nargs="?", default="head")
    up.set_defaults(handler=cmd_db_upgrade)
    down = db.add_parser("downgrade", help=t("take the database back to a revision"))
    down.add_argument("revision")
    down.set_defaults(handler=cmd_db_downgrade)

    school = sub.add_parser("school", help=t("schools")).add_subparsers(
        dest="action", required=True
    )
    create = school.add_parser("create", help=t("create a school"))
    create.add_argument("--name", required=True)
    create.add_argument("--timezone", required=True, help="Europe/Moscow, Asia/Yekaterinburg, …")
    create.set_defaults(handler=cmd_school_create)
    show = school.add_parser("show", help=t("what the school has"))
    show.add_argument("--school", help=t("name or id; may be left out when there is one school"))
    show.set_defaults(handler=cmd_school_show)

    upd = school.add_parser("update", help=t("rename, change the time zone or the help contacts"))
    upd.add_argument("--school", help=t("name or id; may be left out when there is one school"))
    upd.add_argument("--name")
    upd.add_argument("--timezone")
    upd.add_argument("--help-contacts", help=t("who helps with the journal, shown by /help"))
    upd.add_argument(
        "--evening-reminder", metavar="HH:MM", help=t("when teachers hear of unfinished lessons")
    )
    upd.add_argument(
        "--digest-weekday",
        type=int,
        choices=range(1, 8),
        help=t("the digest's weekday, 1 = Monday"),
    )
    upd.add_argument("--digest-time", metavar="HH:MM")
    upd.add_argument(
        "--digest-weeks", type=int, choices=range(1, 5), help=t("a digest every N weeks")
    )
    upd.add_argument(
        "--private-notifications",
        choices=["on", "off"],
        help=t("no names, marks or subjects in notifications"),
    )
    upd.add_argument("--six-day-week", choices=["on", "off"])
    upd.set_defaults(handler=cmd_school_update)

    bot = sub.add_parser("bot", help=t("the Telegram bot")).add_subparsers(
        dest="action", required=True
    )
    run = bot.add_parser("run", help=t("run the bot (long polling) until stopped"))
    run.add_argument(
        "--only", choices=["bot", "clock", "sender"], help=t("run one part as a process of its own")
    )
    run.set_defaults(handler=cmd_bot_run)

    demo = sub.add_parser("demo", help=t("a sandbox to try the journal in a browser"))
    demo.add_argument("--port", type=int, default=8080, help=t("the page's port on 127.0.0.1"))
    demo.add_argument("--dir", help=t("folder for the demo database; a temporary one by default"))
    demo.set_defaults(handler=cmd_demo)

    outbox = sub.add_parser("outbox", help=t("messages waiting, sent and failed"))
    outbox.add_argument("--limit", type=int, default=10)
    outbox.set_defaults(handler=cmd_outbox)

    imp = sub.add_parser("import", help=t("import lists from a folder of CSV files or an XLSX"))
    imp.add_argument("path")
    imp.add_argument("--school", help=t("name or id; may be left out when there is one school"))
    imp.set_defaults(handler=cmd_import)

    invite = sub.add_parser(
        "invite", help=t("single-use invitation links for staff, guardians or pupils")
    )
    who = invite.add_mutually_exclusive_group(required=True)
    ids_help = t("the school's ids as in the import files, several comma-separated: T1,T2")
    who.add_argument("--staff", metavar="ID", help=ids_help)
    who.add_argument("--guardian", metavar="ID", help=ids_help)
    who.add_argument("--student", metavar="ID", help=ids_help)
    who.add_argument(
        "--class",
        dest="class_name",
        metavar="CLASS",
        help=t("every guardian of the class's pupils, with printable cards (PDF)"),
    )
    invite.add_argument("--school", help=t("name or id; may be left out when there is one school"))
    invite.add_argument(
        "--days",
        type=int,
        default=INVITATION_DAYS,
        help=t("how many days the links work (1–90)"),
    )
    invite.add_argument(
        "--out",
        metavar="FILE.pdf",
        help=t("where to write the class's cards; invitations-<class>.pdf by default"),
    )
    invite.add_argument(
        "--bot-username",
        help=t("the bot's Telegram username; else JOURNAL_BOT_USERNAME or asked from Telegram"),
    )
    invite.set_defaults(handler=cmd_invite)
    return parser


def _language(argv: Sequence[str], settings: Settings) -> str:
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return settings.language


async def _run(
    ctx: Context, handler: Callable[..., Awaitable[int]], args: argparse.Namespace
) -> int:
    try:
        return await handler(ctx, args)
    finally:
        await ctx.engine.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        settings = load_settings()
    except Exception as err:  # pydantic's message names the bad variable
        print(f"journal: configuration error: {err}", file=sys.stderr)
        return EXIT_REFUSED
    t = translator(_language(argv, settings))
    args = build_parser(t).parse_args(argv)
    try:
        ctx = Context(settings, t)
        return asyncio.run(_run(ctx, args.handler, args))
    except JournalError as err:
        print(t("Error: {message}", message=t(err.message, **err.params)), file=sys.stderr)
        return EXIT_REFUSED
    except ImportRejected as rejected:
        for problem in rejected.problems:
            print(format_problem(t, problem), file=sys.stderr)
        return EXIT_REFUSED
    except (OperationalError, DBAPIError, OSError) as err:
        if os.environ.get("JOURNAL_DEBUG"):
            traceback.print_exc()
        reason = str(getattr(err, "orig", err)).splitlines()[0] if str(err) else type(err).__name__
        print(t("Error: the database cannot be used: {reason}", reason=reason), file=sys.stderr)
        return EXIT_FAILED
    except Exception as err:
        if os.environ.get("JOURNAL_DEBUG"):
            traceback.print_exc()
        print(
            t(
                "Unexpected error ({kind}); run again with JOURNAL_DEBUG=1 for details.",
                kind=type(err).__name__,
            ),
            file=sys.stderr,
        )
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
