"""The `journal` command: database, schools, imports. Messages in the user's language.

Every refusal is a sentence and a non-zero exit; a traceback is shown only with JOURNAL_DEBUG=1.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import traceback
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

from sqlalchemy.exc import DBAPIError, OperationalError

from app.config import Settings, load_settings
from domain.clock import SystemClock, local_today
from domain.errors import JournalError
from domain.importing import ImportProblem, ImportRejected
from locales import N_, Translator, translator
from storage.database import create_engine, session_factory
from storage.uow import SqlUnitOfWork

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
    from importer.readers import read_source

    await ctx.require_current_schema()
    school = await find_school(ctx.uow(), args.school)
    t = ctx.t
    try:
        tables = read_source(Path(args.path))
        report = await import_school(
            ctx.uow(), school, tables, local_today(ctx.clock, school.timezone)
        )
    except ImportRejected as rejected:
        problems = sorted(rejected.problems, key=lambda p: (p.source, p.row or 0))
        print(t("Nothing was imported: {count} problem(s).", count=len(problems)), file=sys.stderr)
        for problem in problems:
            print("  " + format_problem(t, problem), file=sys.stderr)
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

    imp = sub.add_parser("import", help=t("import lists from a folder of CSV files or an XLSX"))
    imp.add_argument("path")
    imp.add_argument("--school", help=t("name or id; may be left out when there is one school"))
    imp.set_defaults(handler=cmd_import)
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
