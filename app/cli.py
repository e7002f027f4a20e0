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
from typing import TYPE_CHECKING, Any, NoReturn

from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError

from app.config import Settings, load_settings
from bot.links import BOT_USERNAME, deep_link, username_from_telegram
from domain.clock import SystemClock, local_today, school_time
from domain.errors import InvalidInput, JournalError, NotFound
from domain.importing import ImportProblem, ImportRejected, SchoolSnapshot, class_key
from domain.model import MESSENGER_NAMES, parse_messengers
from domain.people import INVITATION_DAYS
from locales import DEFAULT_LANGUAGE, LANGUAGES, N_, Translator, translator
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
    params = dict(p.params)
    text = t(p.message, **params)
    if p.row is None and p.column is None and params.get("source") == p.source:
        return text  # «bells.csv is a folder, not a file» names its file: not twice
    where = p.source
    if p.row is not None:
        where += ", " + t("row {row}", row=p.row)
    if p.column:
        where += ", " + t("column {column}", column=p.column)
    return f"{where}: {text}"


# --------------------------------------------------------------------------- commands


def known_revisions(revision: str) -> list[str]:
    """The migrations' revisions, newest first; `revision` must be one of them, head, base or
    a step such as -1 (else Alembic's own error, or a silent nothing for an empty one)."""
    from alembic.script import ScriptDirectory

    from storage.migrate import alembic_config

    ids = [s.revision for s in ScriptDirectory.from_config(alembic_config()).walk_revisions()]
    if revision in ("head", "base") or revision in ids or re.fullmatch(r"[+-][0-9]{1,4}", revision):
        return ids
    raise InvalidInput(
        "there is no revision {value}; the revisions are {revisions}, head and base",
        value=revision,
        revisions=", ".join(reversed(ids)),
    )


async def _migrate(ctx: Context, action: str, revision: str) -> None:
    from alembic.util import CommandError

    from storage import migrate

    ids = known_revisions(revision)
    at = await migrate.current(ctx.engine)
    if (
        action == "upgrade"
        and revision in ids
        and at in ids
        and ids.index(revision) > ids.index(at)
    ):
        raise InvalidInput(
            "the database is at revision {current}, past {revision}; "
            "to go back run: journal db downgrade {revision}",
            current=at,
            revision=revision,
        )
    try:
        await getattr(migrate, action)(ctx.engine, revision)
    except CommandError as err:  # e.g. a step past the first or the last migration
        raise JournalError(
            "the database cannot be taken to revision {revision}: {reason}",
            revision=revision,
            reason=str(err),
        ) from None


async def cmd_db_upgrade(ctx: Context, args: argparse.Namespace) -> int:
    from storage.migrate import current

    await _migrate(ctx, "upgrade", args.revision)
    ctx.out(ctx.t("The database is at revision {revision}.", revision=await current(ctx.engine)))
    return 0


async def cmd_db_downgrade(ctx: Context, args: argparse.Namespace) -> int:
    from storage.migrate import current

    await _migrate(ctx, "downgrade", args.revision)
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

    schedule = None
    # The settings to change, each of its own type (times, a weekday, a count, switches).
    changes: dict[str, Any] = {
        key: value
        for key, value in (
            ("evening_reminder", args.evening_reminder),
            ("digest_weekday", args.digest_weekday),
            ("digest_time", args.digest_time),
            ("digest_weeks", args.digest_weeks),
            ("private_notifications", _switch(args.private_notifications)),
            ("six_day_week", _switch(args.six_day_week)),
        )
        if value is not None
    }
    given = (args.name, args.timezone, args.help_contacts, args.messengers)
    if not changes and given == (None, None, None, None):
        raise InvalidInput(
            "nothing to change: give what to change, e.g. --name or --help-contacts "
            "(journal school update --help lists them)"
        )
    await ctx.require_current_schema()
    school = await find_school(ctx.uow(), args.school)
    if changes:
        schedule = dataclasses.replace(school.schedule, **changes)
    school = await update_school(
        ctx.uow(),
        school,
        name=args.name,
        timezone=args.timezone,
        help_contacts=args.help_contacts,
        schedule=schedule,
        messengers=parse_messengers(args.messengers) if args.messengers is not None else None,
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


def _switch(text: str | None) -> bool | None:
    return None if text is None else text == "on"


async def cmd_bot_run(ctx: Context, args: argparse.Namespace) -> int:
    import logging

    from aiogram.exceptions import TelegramNetworkError, TelegramUnauthorizedError
    from maxo.errors import MaxBotNetworkError, MaxBotUnauthorizedError

    from app.runtime import BOTS, PARTS, bots_to_run, run_journal

    # `--only telegram|max`: that messenger's bot alone; `--only bot`: every bot configured.
    messengers = [args.only] if args.only in BOTS else list(BOTS)
    parts = ["bot"] if args.only in BOTS else [args.only] if args.only else list(PARTS)
    if not ctx.settings.bot_token and not ctx.settings.max_token:
        raise JournalError(
            "set JOURNAL_BOT_TOKEN to the token from @BotFather, or JOURNAL_MAX_TOKEN to the "
            "MAX bot's token, or both"
        )
    if "bot" in parts and not bots_to_run(ctx.settings, messengers):
        raise JournalError(
            "no token for the {messenger} bot: set {variable}",
            messenger=args.only,
            variable="JOURNAL_BOT_TOKEN" if args.only == "telegram" else "JOURNAL_MAX_TOKEN",
        )
    await ctx.require_current_schema()
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        await run_journal(ctx.settings, parts, tune_gc=True, only=messengers)
    except TelegramUnauthorizedError:
        raise JournalError("Telegram does not accept the bot token") from None
    except MaxBotUnauthorizedError:
        raise JournalError("MAX does not accept the bot token") from None
    except MaxBotNetworkError as err:
        raise JournalError(
            "cannot reach the MAX Bot API at {url}: {reason}",
            url=ctx.settings.max_api_url,
            reason=str(err)[:200],
        ) from None
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
    if c.get("expired"):
        ctx.out(t("Expired unsent (their day had ended): {count}", count=c["expired"]))
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
        t(
            "Messengers offered: {messengers}",
            messengers=", ".join(MESSENGER_NAMES[n] for n in school.messengers),
        ),
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


async def bot_username(settings: Settings, given: str | None) -> str:
    """The bot's username for deep links: the option, the setting, else Telegram's getMe."""
    if given is not None:  # given: used as it is, even if empty (then refused below)
        name = given.strip().removeprefix("@")
        if not name:
            raise InvalidInput("{value} is not a Telegram bot username", value=given)
    else:
        name = settings.bot_username.strip().removeprefix("@")
    if not name and settings.bot_token:
        name = await username_from_telegram(settings.telegram_api_url, settings.bot_token)
    if not name:
        raise JournalError(
            "the bot's username is unknown; give it with --bot-username or set JOURNAL_BOT_USERNAME"
        )
    if not BOT_USERNAME.fullmatch(name):
        raise InvalidInput("{value} is not a Telegram bot username", value=name)
    return name


async def max_username(settings: Settings, given: str | None) -> str:
    """The MAX bot's username for deep links: the option, the setting, else MAX's GET /me."""
    from bot.max.links import MAX_USERNAME, username_from_max

    name = (given if given is not None else settings.max_username).strip().removeprefix("@")
    if not name and given is None and settings.max_token:
        name = await username_from_max(settings.max_api_url, settings.max_token)
    if not name:
        raise JournalError(
            "the MAX bot's username is unknown; give it with --max-username or set "
            "JOURNAL_MAX_USERNAME"
        )
    if not MAX_USERNAME.fullmatch(name):
        raise InvalidInput("{value} is not a MAX bot username", value=name)
    return name


@dataclasses.dataclass(frozen=True, slots=True)
class InviteLinks:
    """The deep links an invitation code is printed in: Telegram's, MAX's, or both."""

    telegram: str | None
    max: str | None

    def of(self, code: str) -> list[tuple[str, str]]:
        """(messenger, link) pairs, MAX first: the one a state school must offer."""
        from bot.max.links import max_deep_link

        found = []
        if self.max is not None:
            found.append(("MAX", max_deep_link(self.max, code)))
        if self.telegram is not None:
            found.append(("Telegram", deep_link(self.telegram, code)))
        return found

    def line(self, code: str) -> str:
        links = self.of(code)
        if len(links) == 1:
            return links[0][1]
        return "; ".join(f"{name}: {link}" for name, link in links)


def default_messenger(settings: Settings, offered: tuple[str, ...]) -> str:
    """The messengers the school offers whose bots are configured: both when both are; else
    the one that is (or, with none configured, the one the school offers first)."""
    configured = {
        "telegram": bool(settings.bot_token or settings.bot_username),
        "max": bool(settings.max_token or settings.max_username),
    }
    usable = [name for name in offered if configured[name]] or list(offered[:1])
    return "both" if len(usable) == 2 else usable[0]


async def invite_links(settings: Settings, args: argparse.Namespace, school: School) -> InviteLinks:
    messenger = args.messenger or default_messenger(settings, school.messengers)
    wanted = ("telegram", "max") if messenger == "both" else (messenger,)
    refused = [name for name in wanted if name not in school.messengers]
    if refused:
        raise InvalidInput(
            "{school} does not offer {messengers}; it offers {offered} "
            "(journal school update --messengers)",
            school=school.name,
            messengers=", ".join(MESSENGER_NAMES[n] for n in refused),
            offered=", ".join(MESSENGER_NAMES[n] for n in school.messengers),
        )
    telegram = on_max = None
    if messenger in ("telegram", "both"):
        telegram = await bot_username(settings, args.bot_username)
    if messenger in ("max", "both"):
        on_max = await max_username(settings, args.max_username)
    return InviteLinks(telegram=telegram, max=on_max)


def split_ids(text: str) -> list[str]:
    """`T1, T2` → ["T1", "T2"]: the school's own ids in the order given. An empty one or one
    given twice is refused: it is a typo (a missing id?), not something to guess around."""
    ids = [part.strip() for part in text.split(",")]
    if not any(ids):
        raise InvalidInput("give at least one id, e.g. T1 or T1,T2")
    if "" in ids:
        raise InvalidInput("an id is missing between the commas in {value}", value=text.strip())
    for n, wanted in enumerate(ids):
        if wanted in ids[:n]:
            raise InvalidInput("the id {value} is given twice", value=wanted)
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
    return school_time(moment, timezone).date()


def cards_path(out: str | None, class_name: str) -> Path:
    """Where the class's cards go; checked before any code is issued."""
    if out is not None:
        path = Path(out)
    else:
        safe = re.sub(r"[^\w\-]+", "_", class_name.strip()).strip("_") or "class"
        path = Path(f"invitations-{safe}.pdf")
    if path.is_dir():
        raise InvalidInput("{path} is a folder; give a file name with --out", path=path)
    if not path.parent.is_dir():
        raise NotFound("the folder {path} does not exist", path=path.parent)
    return path


def check_writable(path: Path) -> None:
    """Refuse a file that cannot be written before codes are issued (printed links whose cards
    are missing are codes to issue again); a file made to find out is removed again."""
    existed = path.exists()
    try:
        with path.open("ab"):
            pass
        if not existed:
            path.unlink()
    except OSError as err:
        raise JournalError(
            "could not write {path}: {reason}", path=path, reason=err.strerror or err
        ) from None


async def cmd_invite(ctx: Context, args: argparse.Namespace) -> int:
    from domain.people import PersonKind
    from domain.usecases.accounts import issue_invitations
    from domain.usecases.schools import find_school

    if args.out is not None and args.class_name is None:
        raise InvalidInput("--out is for the cards of a class; use it with --class")
    await ctx.require_current_schema()
    school = await find_school(ctx.uow(), args.school)
    assert school.id is not None
    username = await invite_links(ctx.settings, args, school)
    uow = ctx.uow()
    async with uow:
        snapshot = await uow.directory.snapshot(school.id)
    if args.class_name is not None:
        return await invite_class(ctx, args, school, snapshot, username)
    # Whichever was given (argparse has checked it is one, and split_ids what it holds); an
    # empty one is refused there, not taken for one not given.
    people: Sequence[StaffMember] | Sequence[Guardian] | Sequence[Pupil]
    if args.staff is not None:
        kind, people, wanted = PersonKind.STAFF, snapshot.staff, args.staff
    elif args.guardian is not None:
        kind, people, wanted = PersonKind.GUARDIAN, snapshot.guardians, args.guardian
    else:
        kind, people, wanted = PersonKind.PUPIL, snapshot.pupils, args.student
    person_ids = resolve_ids(wanted, people)
    issued = await issue_invitations(
        ctx.uow(), school.id, kind, person_ids, ctx.clock, days=args.days
    )
    for invitation in issued:
        link = username.line(invitation.code)
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
    username: InviteLinks,
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
        raise NotFound(
            "there is no class {value}; the classes are: {classes}",
            value=args.class_name,
            classes=", ".join(sorted((c.name for c in snapshot.classes), key=class_key)) or "—",
        )
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

    guardian_ids = await guardians_to_invite(
        ctx, args, school, klass.name, sorted(guardians, key=order), guardians
    )
    if not guardian_ids:
        return 0
    check_writable(path)
    issued = await issue_invitations(
        ctx.uow(),
        school.id,
        PersonKind.GUARDIAN,
        guardian_ids,
        ctx.clock,
        days=args.days,
        replace=True,
    )
    cards = []
    for invitation in issued:
        [(messenger, link), *others] = username.of(invitation.code)
        ctx.out(invitation_line(ctx.t, invitation, username.line(invitation.code), school.timezone))
        kids = sorted(children[invitation.person_id], key=lambda p: p.full_name.casefold())
        cards.append(
            InvitationCard(
                school=school.name,
                class_name=klass.name,
                guardian=invitation.name,
                children=tuple(p.full_name for p in kids),
                link=link,
                messenger=messenger,
                also=tuple(others),
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


async def guardians_to_invite(
    ctx: Context,
    args: argparse.Namespace,
    school: School,
    class_name: str,
    wanted: list[int],
    guardians: dict[int, Guardian],
) -> list[int]:
    """A class invited again: the guardians connected already get no card, and a second set of
    codes beside cards that may have been handed out is issued only when the user says so
    (asked at a terminal, else `--again`); the earlier links then stop working."""
    from domain.people import PersonKind
    from domain.usecases.accounts import earlier_invitations

    assert school.id is not None
    earlier = await earlier_invitations(
        ctx.uow(), school.id, PersonKind.GUARDIAN, wanted, ctx.clock
    )
    if earlier.connected:
        names = ", ".join(guardians[g].full_name for g in wanted if g in earlier.connected)
        ctx.out(
            ctx.t(
                "Connected already, no new card: {names}",
                names=names,
            )
        )
    wanted = [g for g in wanted if g not in earlier.connected]
    if not wanted:
        ctx.out(
            ctx.t(
                "Every guardian of class {name} is connected; there is nothing to issue.",
                name=class_name,
            )
        )
        return []
    again = [g for g in wanted if g in earlier.open]
    if not again or args.again:
        return wanted
    issued = max(earlier.open[g] for g in again)
    question = ctx.t(
        "{count} guardian(s) of class {name} have links that still work (the latest issued on "
        "{date}). New codes make those links stop working.",
        count=len(again),
        name=class_name,
        date=local_date(issued, school.timezone).strftime("%d.%m.%Y"),
    )
    if sys.stdin.isatty():
        ctx.out(question)
        try:
            answer = await asyncio.to_thread(input, ctx.t("Issue new codes? [y/N] "))
        except EOFError:
            answer = ""
        answer = answer.strip().casefold()
        if answer in {"y", "yes", "д", "да"}:
            return wanted
        ctx.out(ctx.t("Nothing issued; the earlier links still work."))
        return []
    raise InvalidInput("{question} To issue them anyway, add --again.", question=question)


# --------------------------------------------------------------------------- parser


class UsageError(Exception):
    """The command line does not parse; argparse's English message, said again by main()."""

    def __init__(self, prog: str, message: str, commands: Sequence[str]) -> None:
        super().__init__(message)
        self.prog = prog
        self.message = message
        self.commands = commands


class Parser(argparse.ArgumentParser):
    """argparse that hands its refusals to main(), to be said in the user's language and
    answered with EXIT_REFUSED like any other bad input (argparse itself prints and exits 2)."""

    def error(self, message: str) -> NoReturn:
        commands: list[str] = []
        for action in self._actions:
            if isinstance(action, argparse._SubParsersAction):
                commands = list(action.choices)
        raise UsageError(self.prog, message, commands)


# argparse's English refusals (as Python 3.12 and 3.13 word them), each with ours in its place;
# one not here is shown as argparse words it. The first that matches is used.
USAGE_MESSAGES = (
    (
        re.compile(r"the following arguments are required: (command|action)"),
        N_("say what to do: {commands}"),
    ),
    (
        re.compile(r"argument (command|action): invalid choice: (?P<value>.+?) \(choose from .+\)"),
        N_("there is no command {value}; the commands are: {commands}"),
    ),
    (
        re.compile(r"the following arguments are required: (?P<names>.+)"),
        N_("these are required: {names}"),
    ),
    (
        re.compile(r"one of the arguments (?P<names>.+) is required"),
        N_("give one of {names}"),
    ),
    (re.compile(r"unrecognized arguments: (?P<names>.+)"), N_("not understood: {names}")),
    (
        re.compile(
            r"argument (?P<name>\S+): invalid choice: (?P<value>.+?) "
            r"\(choose from (?P<choices>.+)\)"
        ),
        N_("{name}: {value} is not one of {choices}"),
    ),
    (re.compile(r"argument (?P<name>\S+): expected one argument"), N_("{name} needs a value")),
    (
        re.compile(r"argument (?P<name>\S+): not allowed with argument (?P<other>\S+)"),
        N_("{name} cannot be given with {other}"),
    ),
    (re.compile(r"argument (?P<name>[^:]+): (?P<reason>.+)"), N_("{name}: {reason}")),
)


def usage_message(t: Translator, error: UsageError) -> str:
    for pattern, msgid in USAGE_MESSAGES:
        found = pattern.fullmatch(error.message)
        if found:
            return t(msgid, commands=", ".join(error.commands), **found.groupdict())
    return error.message


def _checked(t: Translator, check: Callable[[str], object]) -> Callable[[str], object]:
    """An argparse type from a check that raises JournalError: argparse says its message."""

    def convert(text: str) -> object:
        try:
            return check(text)
        except JournalError as err:
            raise argparse.ArgumentTypeError(t(err.message, **err.params)) from None

    convert.__name__ = check.__name__
    return convert


def given(text: str) -> str:
    """A value that is not empty nor only spaces: argparse takes `--school ""` as given."""
    if not text.strip():
        raise InvalidInput("may not be empty")
    return text.strip()


def given_path(text: str) -> str:
    """A file or folder name as typed (spaces at its ends may belong to it), but not empty."""
    given(text)
    return text


def whole_number(low: int, high: int) -> Callable[[str], int]:
    def check(text: str) -> int:
        given(text)
        if re.fullmatch(r"\s*[+-]?[0-9]{1,12}\s*", text) and low <= int(text) <= high:
            return int(text)
        raise InvalidInput(
            "{value} is not a whole number from {low} to {high}", value=text, low=low, high=high
        )

    check.__name__ = "whole_number"
    return check


def invitation_days(text: str) -> int:
    try:
        return whole_number(1, 90)(text)
    except InvalidInput:
        raise InvalidInput("an invitation lasts from 1 to 90 days") from None


HH_MM = re.compile(r"([01]?[0-9]|2[0-3]):([0-5][0-9])")


def time_of_day(text: str) -> dt.time:
    given(text)
    found = HH_MM.fullmatch(text.strip())
    if found is None:
        raise InvalidInput("{value} is not a time: write HH:MM", value=text)
    return dt.time(int(found[1]), int(found[2]))


def known_language(code: str) -> str | None:
    """`en`, `en-GB`, `ru_RU` → the language we speak; anything else → None."""
    base = code.strip().split("-")[0].split("_")[0].lower()
    return base if base in LANGUAGES else None


def language_code(text: str) -> str:
    given(text)
    language = known_language(text)
    if language is None:
        raise InvalidInput(
            "unknown language {value}; the journal speaks: {languages}",
            value=text,
            languages=", ".join(LANGUAGES),
        )
    return language


def build_parser(t: Translator) -> argparse.ArgumentParser:
    text = _checked(t, given)
    path = _checked(t, given_path)
    ids = _checked(t, split_ids)
    hh_mm = _checked(t, time_of_day)

    def number(low: int, high: int) -> Callable[[str], object]:
        return _checked(t, whole_number(low, high))

    parser = Parser(prog="journal", description=t("An electronic school journal in a messenger."))
    parser.add_argument(
        "--lang", type=_checked(t, language_code), help=t("language of messages: ru or en")
    )
    sub = parser.add_subparsers(dest="command", required=True)
    school_help = t("name or id; may be left out when there is one school")

    db = sub.add_parser("db", help=t("the database")).add_subparsers(dest="action", required=True)
    up = db.add_parser("upgrade", help=t("bring the database to the latest schema"))
    up.add_argument("revision", nargs="?", default="head", type=text)
    up.set_defaults(handler=cmd_db_upgrade)
    down = db.add_parser("downgrade", help=t("take the database back to a revision"))
    down.add_argument("revision", type=text)
    down.set_defaults(handler=cmd_db_downgrade)

    school = sub.add_parser("school", help=t("schools")).add_subparsers(
        dest="action", required=True
    )
    create = school.add_parser("create", help=t("create a school"))
    create.add_argument("--name", required=True, type=text)
    create.add_argument(
        "--timezone", required=True, type=text, help="Europe/Moscow, Asia/Yekaterinburg, …"
    )
    create.set_defaults(handler=cmd_school_create)
    show = school.add_parser("show", help=t("what the school has"))
    show.add_argument("--school", type=text, help=school_help)
    show.set_defaults(handler=cmd_school_show)

    upd = school.add_parser("update", help=t("rename, change the time zone or the help contacts"))
    upd.add_argument("--school", type=text, help=school_help)
    upd.add_argument("--name", type=text)
    upd.add_argument("--timezone", type=text)
    upd.add_argument("--help-contacts", help=t("who helps with the journal, shown by /help"))
    upd.add_argument(
        "--evening-reminder",
        metavar="HH:MM",
        type=hh_mm,
        help=t("when teachers hear of unfinished lessons"),
    )
    upd.add_argument(
        "--digest-weekday", type=number(1, 7), help=t("the digest's weekday, 1 = Monday")
    )
    upd.add_argument("--digest-time", metavar="HH:MM", type=hh_mm)
    upd.add_argument("--digest-weeks", type=number(1, 4), help=t("a digest every N weeks"))
    upd.add_argument(
        "--private-notifications",
        choices=["on", "off"],
        help=t("no names, marks or subjects in notifications"),
    )
    upd.add_argument("--six-day-week", choices=["on", "off"])
    upd.add_argument(
        "--messengers",
        metavar="telegram,max",
        help=t("the messengers the school offers: telegram, max or telegram,max"),
    )
    upd.set_defaults(handler=cmd_school_update)

    bot = sub.add_parser("bot", help=t("the Telegram and MAX bots")).add_subparsers(
        dest="action", required=True
    )
    run = bot.add_parser(
        "run", help=t("run the bots whose tokens are set (long polling) until stopped")
    )
    run.add_argument(
        "--only",
        choices=["bot", "clock", "sender", "telegram", "max"],
        help=t("run one part as a process of its own (telegram, max: that messenger's bot)"),
    )
    run.set_defaults(handler=cmd_bot_run)

    demo = sub.add_parser("demo", help=t("a sandbox to try the journal in a browser"))
    demo.add_argument(
        "--port", type=number(0, 65535), default=8080, help=t("the page's port on 127.0.0.1")
    )
    demo.add_argument(
        "--dir", type=path, help=t("folder for the demo database; a temporary one by default")
    )
    demo.set_defaults(handler=cmd_demo)

    outbox = sub.add_parser("outbox", help=t("messages waiting, sent and failed"))
    outbox.add_argument(
        "--limit", type=number(1, 1000), default=10, help=t("how many latest failures to show")
    )
    outbox.set_defaults(handler=cmd_outbox)

    imp = sub.add_parser("import", help=t("import lists from a folder of CSV files or an XLSX"))
    imp.add_argument("path", type=path)
    imp.add_argument("--school", type=text, help=school_help)
    imp.set_defaults(handler=cmd_import)

    invite = sub.add_parser(
        "invite", help=t("single-use invitation links for staff, guardians or pupils")
    )
    who = invite.add_mutually_exclusive_group(required=True)
    ids_help = t("the school's ids as in the import files, several comma-separated: T1,T2")
    who.add_argument("--staff", metavar="ID", type=ids, help=ids_help)
    who.add_argument("--guardian", metavar="ID", type=ids, help=ids_help)
    who.add_argument("--student", metavar="ID", type=ids, help=ids_help)
    who.add_argument(
        "--class",
        dest="class_name",
        metavar="CLASS",
        type=text,
        help=t("every guardian of the class's pupils, with printable cards (PDF)"),
    )
    invite.add_argument("--school", type=text, help=school_help)
    invite.add_argument(
        "--days",
        type=_checked(t, invitation_days),
        default=INVITATION_DAYS,
        help=t("how many days the links work (1–90)"),
    )
    invite.add_argument(
        "--out",
        metavar="FILE.pdf",
        type=path,
        help=t("where to write the class's cards; invitations-<class>.pdf by default"),
    )
    invite.add_argument(
        "--again",
        action="store_true",
        help=t("with --class: issue new codes even where earlier links still work"),
    )
    invite.add_argument(
        "--bot-username",
        type=text,
        help=t("the bot's Telegram username; else JOURNAL_BOT_USERNAME or asked from Telegram"),
    )
    invite.add_argument(
        "--messenger",
        choices=["telegram", "max", "both"],
        help=t("the links' messenger; by default each one whose bot is configured"),
    )
    invite.add_argument(
        "--max-username",
        type=text,
        help=t("the MAX bot's username; else JOURNAL_MAX_USERNAME or asked from MAX"),
    )
    invite.set_defaults(handler=cmd_invite)
    return parser


def _language(argv: Sequence[str], settings: Settings) -> str:
    """The language to speak while parsing: a known --lang, else the setting's, else Russian
    (so an unknown --lang is refused in a language the user chose or the default)."""
    for i, arg in enumerate(argv):
        value = None
        if arg == "--lang" and i + 1 < len(argv):
            value = argv[i + 1]
        elif arg.startswith("--lang="):
            value = arg.split("=", 1)[1]
        if value is not None and known_language(value):
            return known_language(value) or DEFAULT_LANGUAGE
    return known_language(settings.language) or DEFAULT_LANGUAGE


async def _run(
    ctx: Context, handler: Callable[..., Awaitable[int]], args: argparse.Namespace
) -> int:
    try:
        return await handler(ctx, args)
    finally:
        await ctx.engine.dispose()


def _debug() -> None:
    if os.environ.get("JOURNAL_DEBUG"):
        traceback.print_exc()


def _database_failed(t: Translator, err: BaseException) -> int:
    _debug()
    reason = str(getattr(err, "orig", err)).splitlines()[0] if str(err) else type(err).__name__
    print(t("Error: the database cannot be used: {reason}", reason=reason), file=sys.stderr)
    return EXIT_FAILED


def _quiet_stdout() -> None:
    """Point stdout at /dev/null so that Python's final flush does not fail once more."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # stdout without a file (a test's capture)
        pass


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        settings = load_settings()
    except Exception as err:  # pydantic's message names the bad variable
        print(f"journal: configuration error: {err}", file=sys.stderr)
        return EXIT_REFUSED
    t = translator(_language(argv, settings))
    if known_language(settings.language) is None:
        message = t(
            "JOURNAL_LANGUAGE is {value}; the journal speaks: {languages}",
            value=settings.language,
            languages=", ".join(LANGUAGES),
        )
        print(t("Error: {message}", message=message), file=sys.stderr)
        return EXIT_REFUSED
    try:
        args = build_parser(t).parse_args(argv)
    except UsageError as err:
        print(t("Error: {message}", message=usage_message(t, err)), file=sys.stderr)
        print(t("See: {command} --help", command=err.prog), file=sys.stderr)
        return EXIT_REFUSED
    if args.lang:
        t = translator(args.lang)
    try:
        ctx = Context(settings, t)
    except (ArgumentError, ImportError) as err:  # not a URL, or a database without a driver
        message = t("JOURNAL_DATABASE_URL cannot be used: {reason}", reason=str(err))
        print(t("Error: {message}", message=message), file=sys.stderr)
        return EXIT_REFUSED
    except OSError as err:  # the SQLite file's folder cannot be made
        return _database_failed(t, err)
    try:
        return asyncio.run(_run(ctx, args.handler, args))
    except JournalError as err:
        print(t("Error: {message}", message=t(err.message, **err.params)), file=sys.stderr)
        return EXIT_REFUSED
    except ImportRejected as rejected:
        for problem in rejected.problems:
            print(format_problem(t, problem), file=sys.stderr)
        return EXIT_REFUSED
    except BrokenPipeError:  # the output was closed (`journal … | head`): nothing to tell it
        _quiet_stdout()
        return EXIT_FAILED
    except OSError as err:
        if err.filename is None:  # a connection refused, a name not resolved: the database's
            return _database_failed(t, err)
        _debug()  # a file the command was given or writes: not the database's fault
        reason = err.strerror or type(err).__name__
        print(
            t("Error: {path} cannot be used: {reason}", path=err.filename, reason=reason),
            file=sys.stderr,
        )
        return EXIT_REFUSED
    except (OperationalError, DBAPIError) as err:
        return _database_failed(t, err)
    except Exception as err:
        _debug()
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
