"""The diary for a guardian (choosing the child when there are several) or a pupil of 14+."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from bot.dialogs.common import (
    Screen,
    ctx_of,
    guarded,
    remember_day,
    school_today,
    text_of,
)
from bot.dialogs.menu import WEEKDAYS
from bot.kit import DialogManager, Incoming, Kit, Press, kit_of
from bot.states import DiarySG
from bot.texts import BACK, MENU, esc, label
from domain.clock import day_range
from domain.family import ReportedReason
from domain.forecast import describe
from domain.ids import StaleInput, parse_day, parse_id, parse_number
from domain.journal import Attendance
from domain.usecases import diary as uc


def _pupil(manager: DialogManager) -> int:
    return parse_id(manager.dialog_data.get("pupil"))


async def on_diary_start(start_data: Any, manager: DialogManager) -> None:
    await remember_day(start_data, manager)
    kids = uc.children(ctx_of(manager).actor)
    if len(kids) == 1:
        manager.dialog_data["pupil"] = kids[0].id
        await manager.switch_to(DiarySG.child)


async def children_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    kids = uc.children(ctx_of(dialog_manager).actor)
    return {"kids": [(p.id, label(p.full_name)) for p in kids]}


@guarded()
async def choose_child(callback: Press, _w: Any, manager: DialogManager, item_id: str) -> None:
    pupil_id = parse_id(item_id)
    uc.own_child(ctx_of(manager).actor, pupil_id)  # refuses a forged id before anything is shown
    manager.dialog_data["pupil"] = pupil_id
    manager.dialog_data.pop("period", None)
    await manager.switch_to(DiarySG.child)


async def child_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    ctx = ctx_of(dialog_manager)
    actor = ctx.actor
    pupil = uc.own_child(actor, _pupil(dialog_manager))
    return {
        "child_html": ctx.t(
            "<b>{name}</b>: what would you like to see?", name=esc(pupil.full_name)
        ),
        "several": len(uc.children(actor)) > 1,
        "guardian": actor.is_guardian,
    }


def _in_text(name: str) -> str:
    """A kind of work's name inside a sentence: «устный ответ», but «ВПР» stays as it is."""
    if len(name) > 1 and name[0].isupper() and name[1].islower():
        return name[0].lower() + name[1:]
    return name


async def marks_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    ctx = ctx_of(dialog_manager)
    t = ctx.t
    period_id = dialog_manager.dialog_data.get("period")
    book = await uc.diary_marks(
        ctx.uow(),
        ctx.actor,
        _pupil(dialog_manager),
        ctx.clock,
        parse_id(period_id) if period_id is not None else None,
    )
    lines = [
        t(
            "<b>{name}</b>, {cls}: {period} ({starts}–{ends})",
            name=esc(book.pupil.full_name),
            cls=esc(book.school_class.name),
            period=esc(book.period.name),
            starts=book.period.starts.strftime("%d.%m"),
            ends=book.period.ends.strftime("%d.%m"),
        )
    ]
    for s in book.subjects:
        if not s.marks and s.forecast is None:
            continue
        marks = (
            ", ".join(
                t(
                    "{value} ({kind}, {day})",
                    value=esc(v),
                    kind=esc(_in_text(k)),
                    day=d.strftime("%d.%m"),
                )
                for d, v, k in s.marks
            )
            or "—"
        )
        line = f"\n<b>{esc(s.subject.name)}</b>: {marks}"
        if s.term_mark:
            line += " " + t("(term mark {value})", value=esc(s.term_mark))
        lines.append(line)
        for comment in s.comments:  # the teacher's own text: escaped like every value
            lines.append(
                "   "
                + t(
                    "💬 Comment to {value} of {day}: {text}",
                    value=esc(comment.value),
                    day=comment.day.strftime("%d.%m"),
                    text=esc(comment.text),
                )
            )
        if s.forecast is not None:
            for msgid, params in describe(s.forecast):
                values = {  # a mean stays a Decimal: the translator writes it (4,45 or 4.45),
                    # and a count an int, which picks the plural form («3 отметки», «8 отметок»)
                    k: v
                    if isinstance(v, Decimal | int)
                    else esc(_in_text(book.kind_names[str(v)]))
                    if k == "kind" and str(v) in book.kind_names
                    else esc(v)
                    for k, v in params.items()
                }
                lines.append("   " + t(msgid, **values))
    if len(lines) == 1:
        lines.append(t("No marks in this period yet."))
    periods = [(p.id, label(p.name)) for p in book.periods if p.id != book.period.id]
    return {"marks_html": "\n".join(lines), "periods": periods, "other_periods": bool(periods)}


@guarded()
async def choose_period(callback: Press, _w: Any, manager: DialogManager, item_id: str) -> None:
    ctx = ctx_of(manager)
    period_id = parse_id(item_id)
    # Refuses a period that is not the child's before the screen is drawn with it.
    await uc.diary_marks(ctx.uow(), ctx.actor, _pupil(manager), ctx.clock, period_id)
    manager.dialog_data["period"] = period_id


async def absences_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    ctx = ctx_of(dialog_manager)
    t = ctx.t
    days = await uc.diary_absences(ctx.uow(), ctx.actor, _pupil(dialog_manager), ctx.clock)
    reasons = {"Б": t("ill"), "У": t("valid reason"), "Н": t("no valid reason")}
    lines = [t("<b>Absences and lateness, last 30 days</b>")]
    for d in days:
        parts = []
        if d.lessons:
            parts.append(t("missed: {lessons}", lessons=esc(", ".join(d.lessons))))
        if d.late:
            parts.append(t("late: {lessons}", lessons=esc(", ".join(d.late))))
        if d.code:
            parts.append(reasons[d.code.value])
        elif d.reported:
            parts.append(t("reported ahead: {reason}", reason=reasons[d.reported.value]))
        lines.append(f"{d.day.strftime('%d.%m')}: " + "; ".join(parts))
    if not days:
        lines.append(t("No absences."))
    return {"absences_html": "\n".join(lines)}


async def homework_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    ctx = ctx_of(dialog_manager)
    t = ctx.t
    week = bool(dialog_manager.dialog_data.get("week"))
    lines_ = await uc.diary_homework(ctx.uow(), ctx.actor, _pupil(dialog_manager), ctx.clock, week)
    head = (
        t("<b>Homework for the week</b>") if week else t("<b>Homework for the next school day</b>")
    )
    lines = [head]
    for h in lines_:
        lines.append(f"{h.day.strftime('%d.%m')} <b>{esc(h.subject)}</b>: {esc(h.text)}")
    if not lines_:
        lines.append(t("Nothing entered yet."))
    return {"homework_html": "\n".join(lines)}


async def homework_next(callback: Press, widget: Any, manager: DialogManager) -> None:
    manager.dialog_data["week"] = widget.widget_id == "hwweek"


# --------------------------------------------------------------------------- the day view


def _shown_day(manager: DialogManager) -> dt.date | None:
    shown = manager.dialog_data.get("shown")
    return parse_day(shown) if shown is not None else None


def _weekday(t: Any, day: dt.date) -> str:
    return f"{t(WEEKDAYS[day.weekday()])} {day.strftime('%d.%m')}"


async def day_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    ctx = ctx_of(dialog_manager)
    t = ctx.t
    view = await uc.diary_day(
        ctx.uow(), ctx.actor, _pupil(dialog_manager), ctx.clock, _shown_day(dialog_manager)
    )
    day = _weekday(t, view.day)
    if view.day == view.today:
        day = t("{day}, today", day=day)
    lines = [
        t(
            "<b>{day}</b>\n{name}, {cls}",
            name=esc(view.pupil.full_name),
            cls=esc(view.school_class.name),
            day=day,
        )
    ]
    reasons = {"Б": t("ill"), "У": t("valid reason"), "Н": t("no valid reason")}
    for x in view.lessons:
        time = (
            f" {x.starts.strftime('%H:%M')}–{x.ends.strftime('%H:%M')}"
            if x.starts and x.ends
            else ""
        )
        lines.append(f"\n<b>{x.number}.</b>{time} <b>{esc(x.subject)}</b>")
        if x.topic:
            lines.append("   " + t("Topic: {topic}", topic=esc(x.topic)))
        if x.homework:
            lines.append("   " + t("Homework: {homework}", homework=esc(x.homework)))
        if x.attendance is Attendance.ABSENT:
            if view.code is not None:
                reason = reasons[view.code.value]
            elif view.reported is not None:
                reason = t("reported ahead: {reason}", reason=reasons[view.reported.value])
            else:
                reason = t("reason not entered yet")
            lines.append("   " + t("Absent ({reason})", reason=reason))
        elif x.attendance is Attendance.LATE:
            lines.append("   " + t("Late for the lesson"))
        for mark in x.marks:
            line = t(
                "Mark <b>{value}</b> ({kind})",
                value=esc(mark.value),
                kind=esc(_in_text(mark.work_kind)),
            )
            if mark.comment:  # the teacher's own text: escaped like every value
                line += f": «{esc(mark.comment)}»"
            lines.append("   " + line)
    moves = []
    if view.previous is not None:
        moves.append((view.previous.isoformat(), f"◀ {_weekday(t, view.previous)}"))
    if view.following is not None:
        moves.append((view.following.isoformat(), f"{_weekday(t, view.following)} ▶"))
    return {
        "day_html": "\n".join(lines),
        "moves": moves,
        "not_today": _shown_day(dialog_manager) is not None and view.day != view.today,
    }


@guarded()
async def choose_day(callback: Press, _w: Any, manager: DialogManager, item_id: str) -> None:
    ctx = ctx_of(manager)
    day = parse_day(item_id)
    # Refuses a day that is not one of the child's school days before the screen shows it.
    await uc.diary_day(ctx.uow(), ctx.actor, _pupil(manager), ctx.clock, day)
    manager.dialog_data["shown"] = day.isoformat()


async def day_today(callback: Press, _w: Any, manager: DialogManager) -> None:
    manager.dialog_data.pop("shown", None)


async def open_days(callback: Press, _w: Any, manager: DialogManager) -> None:
    manager.dialog_data.pop("shown", None)


# --------------------------------------------------------------------------- absence ahead


async def report_days_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    t = ctx_of(dialog_manager).t
    options = [
        ("0_0", t("today")),
        ("1_1", t("tomorrow")),
        ("0_1", t("today and tomorrow")),
        ("0_2", t("three days from today")),
        ("1_3", t("three days from tomorrow")),
    ]
    return {"spans": options}


@guarded()
async def choose_span(callback: Press, _w: Any, manager: DialogManager, item_id: str) -> None:
    first, separator, last = item_id.partition("_")
    start, end = parse_number(first, 0, 6), parse_number(last, 0, 6)
    if not separator or start > end:
        raise StaleInput()
    manager.dialog_data["span"] = [start, end]
    await manager.switch_to(DiarySG.report_reason)


async def choose_reason(callback: Press, widget: Any, manager: DialogManager) -> None:
    manager.dialog_data["reason"] = (
        ReportedReason.ILL.value if widget.widget_id == "ill" else (ReportedReason.VALID.value)
    )
    await manager.switch_to(DiarySG.report_text)


@guarded()
async def report_text(message: Incoming, _w: Any, manager: DialogManager) -> None:
    await _report(message, manager, text_of(manager))


@guarded()
async def report_without_text(callback: Press, _w: Any, manager: DialogManager) -> None:
    await _report(callback, manager, "")


async def _report(event: Press | Incoming, manager: DialogManager, text: str) -> None:
    ctx = ctx_of(manager)
    today = await school_today(manager)
    first, last = manager.dialog_data.get("span", [0, 0])
    starts, ends = today + dt.timedelta(days=first), today + dt.timedelta(days=last)
    report = await uc.report_absence(
        ctx.uow(),
        ctx.actor,
        _pupil(manager),
        starts,
        ends,
        ReportedReason(manager.dialog_data.get("reason", "Б")),
        text,
        ctx.clock,
    )
    note = ctx.t(
        "Thank you: the class teacher will see it ({days}).",
        days=day_range(report.starts, report.ends),
    )
    await kit_of(manager).toast(event, note, alert=True)
    await manager.switch_to(DiarySG.child)


# --------------------------------------------------------------------------- settings


async def settings_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    ctx = ctx_of(dialog_manager)
    t = ctx.t
    account = ctx.actor.account
    on, off = t("on"), t("off")
    quiet = (
        f"{account.quiet_from.strftime('%H:%M')}–{account.quiet_to.strftime('%H:%M')}"
        if account.quiet_from and account.quiet_to
        else "21:00–08:00"
    )
    if account.quiet_from and account.quiet_from == account.quiet_to:
        quiet = off
    return {
        "marks_label": t(
            "Notices of new marks: {state}", state=on if account.notify_marks else off
        ),
        "charts_label": t("Charts in the digest: {state}", state=on if account.charts else off),
        "quiet_label": t("Quiet hours: {hours}", hours=quiet),
    }


@guarded()
async def toggle_setting(callback: Press, widget: Any, manager: DialogManager) -> None:
    ctx = ctx_of(manager)
    account = ctx.actor.account
    if widget.widget_id == "smk":
        await uc.update_settings(ctx.uow(), ctx.actor, notify_marks=not account.notify_marks)
    elif widget.widget_id == "sch":
        await uc.update_settings(ctx.uow(), ctx.actor, charts=not account.charts)
    else:
        presets = [(dt.time(21), dt.time(8)), (dt.time(22), dt.time(7)), (dt.time(0), dt.time(0))]
        current = (account.quiet_from or dt.time(21), account.quiet_to or dt.time(8))
        following = presets[(presets.index(current) + 1) % 3] if current in presets else presets[0]
        await uc.update_settings(ctx.uow(), ctx.actor, quiet=following)


def _children_window(ui: Kit) -> Any:
    return Screen(
        ui,
        ui.Tr("Whose diary?"),
        ui.Group(
            ui.Select(
                ui.Format("{item[1]}"),
                id="kid",
                item_id_getter=lambda x: x[0],
                items="kids",
                on_click=choose_child,
            ),
            width=1,
        ),
        ui.Cancel(ui.Tr(MENU, html=False), id="menu"),
        getter=children_getter,
        state=DiarySG.children,
    )


def _child_window(ui: Kit) -> Any:
    return Screen(
        ui,
        ui.Raw("child_html"),
        ui.Row(
            ui.SwitchTo(
                ui.Tr("📅 By day", html=False), id="dv", state=DiarySG.day, on_click=open_days
            ),
            ui.SwitchTo(ui.Tr("📊 Marks", html=False), id="mk", state=DiarySG.marks),
        ),
        ui.Row(
            ui.SwitchTo(ui.Tr("🚫 Absences", html=False), id="ab", state=DiarySG.absences),
        ),
        ui.Row(
            ui.SwitchTo(
                ui.Tr("📒 Homework for tomorrow", html=False),
                id="hwday",
                state=DiarySG.homework,
                on_click=homework_next,
            ),
            ui.SwitchTo(
                ui.Tr("📒 For the week", html=False),
                id="hwweek",
                state=DiarySG.homework,
                on_click=homework_next,
            ),
        ),
        ui.SwitchTo(
            ui.Tr("✉️ Report an absence ahead", html=False),
            id="rep",
            state=DiarySG.report_days,
            when="guardian",
        ),
        ui.SwitchTo(ui.Tr("⚙️ Settings", html=False), id="set", state=DiarySG.settings),
        ui.SwitchTo(
            ui.Tr("👥 Another child", html=False),
            id="kids",
            state=DiarySG.children,
            when="several",
        ),
        ui.Cancel(ui.Tr(MENU, html=False), id="menu"),
        getter=child_getter,
        state=DiarySG.child,
    )


def _marks_window(ui: Kit) -> Any:
    return Screen(
        ui,
        ui.Raw("marks_html"),
        ui.Group(
            ui.Select(
                ui.Format("{item[1]}"),
                id="per",
                item_id_getter=lambda x: x[0],
                items="periods",
                on_click=choose_period,
            ),
            width=2,
            when="other_periods",
        ),
        ui.SwitchTo(ui.Tr(BACK, html=False), id="bk", state=DiarySG.child),
        getter=marks_getter,
        state=DiarySG.marks,
    )


def _absences_window(ui: Kit) -> Any:
    return Screen(
        ui,
        ui.Raw("absences_html"),
        ui.SwitchTo(ui.Tr(BACK, html=False), id="bk", state=DiarySG.child),
        getter=absences_getter,
        state=DiarySG.absences,
    )


def _day_window(ui: Kit) -> Any:
    return Screen(
        ui,
        ui.Raw("day_html"),
        ui.Group(
            ui.Select(
                ui.Format("{item[1]}"),
                id="dday",
                item_id_getter=lambda x: x[0],
                items="moves",
                on_click=choose_day,
            ),
            width=2,
        ),
        ui.Button(ui.Tr("Today", html=False), id="dnow", on_click=day_today, when="not_today"),
        ui.SwitchTo(ui.Tr(BACK, html=False), id="bk", state=DiarySG.child),
        getter=day_getter,
        state=DiarySG.day,
    )


def _homework_window(ui: Kit) -> Any:
    return Screen(
        ui,
        ui.Raw("homework_html"),
        ui.SwitchTo(ui.Tr(BACK, html=False), id="bk", state=DiarySG.child),
        getter=homework_getter,
        state=DiarySG.homework,
    )


def _report_days_window(ui: Kit) -> Any:
    return Screen(
        ui,
        ui.Tr("When will the child be away?"),
        ui.Group(
            ui.Select(
                ui.Format("{item[1]}"),
                id="span",
                item_id_getter=lambda x: x[0],
                items="spans",
                on_click=choose_span,
            ),
            width=1,
        ),
        ui.SwitchTo(ui.Tr(BACK, html=False), id="bk", state=DiarySG.child),
        getter=report_days_getter,
        state=DiarySG.report_days,
    )


def _report_reason_window(ui: Kit) -> Any:
    return Screen(
        ui,
        ui.Tr("The reason?"),
        ui.Row(
            ui.Button(ui.Tr("🤒 Ill", html=False), id="ill", on_click=choose_reason),
            ui.Button(ui.Tr("📄 A valid reason", html=False), id="valid", on_click=choose_reason),
        ),
        ui.SwitchTo(ui.Tr(BACK, html=False), id="bk", state=DiarySG.child),
        state=DiarySG.report_reason,
    )


def _report_text_window(ui: Kit) -> Any:
    return Screen(
        ui,
        ui.Tr("Anything to add for the class teacher? Send it as a message, or send without."),
        ui.MessageInput(report_text, content_types=ui.TEXT),
        ui.Button(
            ui.Tr("📨 Send without a note", html=False), id="bare", on_click=report_without_text
        ),
        ui.SwitchTo(ui.Tr(BACK, html=False), id="bk", state=DiarySG.child),
        state=DiarySG.report_text,
    )


def _settings_window(ui: Kit) -> Any:
    return Screen(
        ui,
        ui.Tr("Settings: tap to change."),
        ui.Button(ui.Format("{marks_label}"), id="smk", on_click=toggle_setting),
        ui.Button(ui.Format("{charts_label}"), id="sch", on_click=toggle_setting),
        ui.Button(ui.Format("{quiet_label}"), id="sqh", on_click=toggle_setting),
        ui.SwitchTo(ui.Tr(BACK, html=False), id="bk", state=DiarySG.child),
        getter=settings_getter,
        state=DiarySG.settings,
    )


def diary_dialog(ui: Kit) -> Any:
    """A fresh dialog: one dispatcher each (tests run several)."""
    return ui.Dialog(
        _children_window(ui),
        _child_window(ui),
        _marks_window(ui),
        _absences_window(ui),
        _day_window(ui),
        _homework_window(ui),
        _report_days_window(ui),
        _report_reason_window(ui),
        _report_text_window(ui),
        _settings_window(ui),
        on_start=on_diary_start,
    )
