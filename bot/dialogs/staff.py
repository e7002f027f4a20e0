"""A class teacher's class (absence register, report, families) and a deputy's control."""

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
    send_file,
    toast,
)
from bot.kit import DialogManager, Kit, Press
from bot.states import ClassSG, ControlSG
from bot.texts import BACK, MENU, esc, label
from domain.clock import day_range
from domain.family import AbsenceCode
from domain.ids import parse_choice, parse_id, parse_member, parse_number
from domain.usecases import class_teacher as uc
from domain.usecases import control
from domain.usecases.report_figures import attendance_totals, least_on_time
from domain.usecases.schools import actor_school
from locales import N_, Translator

# --------------------------------------------------------------------------- the class


async def on_class_start(start_data: Any, manager: DialogManager) -> None:
    await remember_day(start_data, manager)
    ctx = ctx_of(manager)
    classes = await uc.classes_visible(ctx.uow(), ctx.actor)
    if len(classes) == 1:
        manager.dialog_data["class"] = classes[0].id
        await manager.switch_to(ClassSG.menu)


async def classes_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    ctx = ctx_of(dialog_manager)
    classes = await uc.classes_visible(ctx.uow(), ctx.actor)
    return {"classes": [(c.id, c.name) for c in classes]}


@guarded()
async def choose_class(callback: Press, _w: Any, manager: DialogManager, item_id: str) -> None:
    ctx = ctx_of(manager)
    class_id = parse_id(item_id)
    await uc.open_class(ctx.uow(), ctx.actor, class_id)  # refuses other classes
    manager.dialog_data["class"] = class_id
    manager.dialog_data.pop("day", None)
    await remember_day(None, manager)
    await manager.switch_to(ClassSG.menu)


def _class(manager: DialogManager) -> int:
    return parse_id(manager.dialog_data.get("class"))


async def menu_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    ctx = ctx_of(dialog_manager)
    cls = await uc.open_class(ctx.uow(), ctx.actor, _class(dialog_manager))
    return {"class_html": ctx.t("<b>Class {cls}</b>", cls=esc(cls.name))}


async def register_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    ctx = ctx_of(dialog_manager)
    t = ctx.t
    today = await school_today(dialog_manager)
    back = _days_back(dialog_manager)
    day = today - dt.timedelta(days=back)
    register = await uc.absence_register(ctx.uow(), ctx.actor, _class(dialog_manager), day)
    lines = [
        t(
            "<b>Absences, {cls}, {day}</b>",
            cls=esc(register.school_class.name),
            day=day.strftime("%d.%m.%Y"),
        )
    ]
    for x in register.lines:
        parts = []
        if x.missed:
            parts.append(t("missed: {lessons}", lessons=esc(", ".join(x.missed))))
        if x.late:
            parts.append(t("late: {lessons}", lessons=esc(", ".join(x.late))))
        if x.reported:
            parts.append(
                t(
                    "guardian says: {reason} {text}",
                    reason=x.reported.value,
                    text=esc(x.reported_text),
                )
            )
        lines.append(f"{esc(x.name)}: " + "; ".join(parts))
    if not register.lines:
        lines.append(t("No absences on this day."))
    rows = [
        {
            "id": x.pupil_id,
            "name": label(x.name, 24),
            "values": [(c.value, f"•{c.value}•" if x.code is c else c.value) for c in AbsenceCode],
        }
        for x in register.lines
        if x.missed
    ]
    return {"register_html": "\n".join(lines), "rows": rows, "can_forward": back > 0}


MOST_DAYS_BACK = 3660  # ten years: the register opens for any day of the journal


def _days_back(manager: DialogManager) -> int:
    """How many days before today the register shows (never a day ahead of today)."""
    return parse_number(manager.dialog_data.get("back", 0), 0, MOST_DAYS_BACK)


async def shift_day(callback: Press, widget: Any, manager: DialogManager) -> None:
    step = -1 if widget.widget_id == "dnext" else 1
    manager.dialog_data["back"] = min(MOST_DAYS_BACK, max(0, _days_back(manager) + step))


@guarded()
async def set_code(callback: Press, _w: Any, manager: DialogManager, pupil: str, code: str) -> None:
    ctx = ctx_of(manager)
    day = await school_today(manager) - dt.timedelta(days=_days_back(manager))
    reason = parse_member(code, AbsenceCode)
    await uc.set_absence_reason(
        ctx.uow(), ctx.actor, _class(manager), parse_id(pupil), day, reason, ctx.clock
    )
    await toast(manager, ctx.t("Reason {code} saved", code=code))


async def name_tapped(callback: Press, _w: Any, manager: DialogManager, pupil: str) -> None:
    await toast(manager)


async def report_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    ctx = ctx_of(dialog_manager)
    t = ctx.t
    report = await _report(dialog_manager)
    totals = attendance_totals(report.attendance)
    lines = [
        t(
            "<b>{cls}: {days}</b>",
            cls=esc(report.school_class.name),
            days=day_range(report.first, report.last),
        ),
        t(
            "Lessons missed: {missed}, of them ill {ill}, valid {valid}, without a valid reason "
            "{none}, reason not entered yet {unknown}; days missed: {days}; late: {late}",
            missed=totals.lessons_missed,
            ill=totals.ill,
            valid=totals.valid,
            none=totals.no_reason,
            unknown=totals.unknown,
            days=totals.days_missed,
            late=totals.late,
        ),
    ]
    if report.at_risk:
        lines.append(t("At risk: {list}", list=esc(report.at_risk_text())))
    else:
        lines.append(t("Nobody is at risk of 2 or «н/а»."))
    lines.append(t("The full report is in the spreadsheet."))
    return {"report_html": "\n".join(lines), "ranges": await ranges_getter(dialog_manager)}


async def _report(manager: DialogManager) -> uc.ClassReport:
    ctx = ctx_of(manager)
    which = str(manager.dialog_data.get("range", "period"))
    return await uc.class_report_this_period(
        ctx.uow(), ctx.actor, _class(manager), ctx.clock, which
    )


@guarded()
async def choose_range(callback: Press, _w: Any, manager: DialogManager, item_id: str) -> None:
    manager.dialog_data["range"] = parse_choice(item_id, uc.REPORT_RANGES)


async def ranges_getter(manager: DialogManager) -> list[tuple[str, str]]:
    t = ctx_of(manager).t
    current = manager.dialog_data.get("range", "period")
    names = {
        "period": t("this period"),
        "previous": t("previous period"),
        "month": t("30 days"),
        "week": t("7 days"),
    }
    return [(key, ("• " if key == current else "") + names[key]) for key in uc.REPORT_RANGES]


@guarded()
async def send_report_xlsx(callback: Press, _w: Any, manager: DialogManager) -> None:
    from reports.tables import class_report_xlsx

    report = await _report(manager)
    name = f"report-{report.school_class.name}-{report.last:%Y-%m-%d}.xlsx"
    await send_file(manager, class_report_xlsx(report), name)
    await toast(manager)


@guarded()
async def send_printable_digests(callback: Press, _w: Any, manager: DialogManager) -> None:
    from reports.digest_pdf import PrintedDigest, render_digests

    ctx = ctx_of(manager)
    school, names, digests = await uc.printable_digests(
        ctx.uow(), ctx.actor, _class(manager), ctx.clock
    )
    if not digests:
        await toast(
            manager,
            ctx.t("Every family reads the digest in the bot: nothing to print."),
            alert=True,
        )
        return
    pages = [
        PrintedDigest(
            pupil_name=d.pupil.full_name,
            class_name=d.school_class.name,
            school_name=school.name,
            period=d.period,
            first=d.first,
            last=d.last,
            subjects=d.subjects,
            absences=(d.facts.lessons_missed, d.facts.days_missed, d.facts.late),
            remarks=d.facts.remarks,
            upcoming=d.facts.upcoming,
            kind_names=names,
        )
        for d in digests
    ]
    pdf = render_digests(pages, ctx.actor.language)
    await send_file(
        manager, pdf, f"digests-{digests[0].school_class.name}-{digests[0].last:%Y-%m-%d}.pdf"
    )
    await toast(manager)


@guarded()
async def send_report_pdf(callback: Press, _w: Any, manager: DialogManager) -> None:
    from reports.class_report_pdf import render_class_report

    ctx = ctx_of(manager)
    report = await _report(manager)
    school = await actor_school(ctx.uow(), ctx.actor.school_id)
    name = f"report-{report.school_class.name}-{report.last:%Y-%m-%d}.pdf"
    await send_file(manager, render_class_report(report, school.name if school else ""), name)
    await toast(manager)


async def families_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    ctx = ctx_of(dialog_manager)
    t = ctx.t
    states = await uc.families(ctx.uow(), ctx.actor, _class(dialog_manager), ctx.clock)
    lines = [t("<b>Guardians</b>: digest, term marks")]
    for g in states:
        name = g.person.map(esc) if g.person else esc(g.guardian)
        ack = ""
        if g.acknowledged:
            ack = "; " + t("term marks confirmed {day}", day=g.acknowledged.strftime("%d.%m"))
        elif g.notified:
            ack = "; " + t("term marks not confirmed yet")
        if not g.joined or g.blocked:  # the words agree with the guardian's gender
            msgid = (
                N_("{name} ({children}): never joined the bot: print")
                if not g.joined
                else N_("{name} ({children}): blocked the bot: print")
            )
            lines.append(t(msgid, name=name, children=esc(g.children)) + ack)
            continue
        state = {
            "sent": t("digest delivered"),
            "pending": t("digest waiting"),
            "failed": t("digest failed"),
            None: t("no digest yet"),
        }.get(g.last_digest, g.last_digest or "")
        lines.append(f"{esc(g.guardian)} ({esc(g.children)}): {state}{ack}")
    if not states:
        lines.append(t("No guardians in the lists."))
    return {"families_html": "\n".join(lines)}


def class_dialog(ui: Kit) -> Any:
    """A fresh dialog: one dispatcher each (tests run several)."""
    return ui.Dialog(
        Screen(
            ui,
            ui.Tr("Which class?"),
            ui.Group(
                ui.Select(
                    ui.Format("{item[1]}"),
                    id="cl",
                    item_id_getter=lambda x: x[0],
                    items="classes",
                    on_click=choose_class,
                ),
                width=3,
            ),
            ui.Cancel(ui.Tr(MENU, html=False), id="menu"),
            getter=classes_getter,
            state=ClassSG.classes,
        ),
        Screen(
            ui,
            ui.Raw("class_html"),
            ui.SwitchTo(ui.Tr("🗓 Absence register", html=False), id="reg", state=ClassSG.register),
            ui.SwitchTo(
                ui.Tr("📈 Attendance and progress", html=False), id="rep", state=ClassSG.report
            ),
            ui.SwitchTo(
                ui.Tr("👪 Guardians: digests and confirmations", html=False),
                id="fam",
                state=ClassSG.families,
            ),
            ui.SwitchTo(ui.Tr("🏫 Another class", html=False), id="cls", state=ClassSG.classes),
            ui.Cancel(ui.Tr(MENU, html=False), id="menu"),
            getter=menu_getter,
            state=ClassSG.menu,
        ),
        Screen(
            ui,
            ui.Raw("register_html"),
            ui.ChoiceGrid("rg", "rows", on_value=set_code, on_name=name_tapped),
            ui.Row(
                ui.Button(ui.Tr("◀ Earlier", html=False), id="dprev", on_click=shift_day),
                ui.Button(
                    ui.Tr("Later ▶", html=False), id="dnext", on_click=shift_day, when="can_forward"
                ),
            ),
            ui.SwitchTo(ui.Tr(BACK, html=False), id="bk", state=ClassSG.menu),
            getter=register_getter,
            state=ClassSG.register,
        ),
        Screen(
            ui,
            ui.Raw("report_html"),
            ui.Group(
                ui.Select(
                    ui.Format("{item[1]}"),
                    id="rng",
                    item_id_getter=lambda x: x[0],
                    items="ranges",
                    on_click=choose_range,
                ),
                width=2,
            ),
            ui.Row(
                ui.Button(
                    ui.Tr("📊 Spreadsheet (XLSX)", html=False), id="xlsx", on_click=send_report_xlsx
                ),
                ui.Button(ui.Tr("📄 PDF", html=False), id="pdf", on_click=send_report_pdf),
            ),
            ui.SwitchTo(ui.Tr(BACK, html=False), id="bk", state=ClassSG.menu),
            getter=report_getter,
            state=ClassSG.report,
        ),
        Screen(
            ui,
            ui.Raw("families_html"),
            ui.Button(
                ui.Tr("🖨 Digests to print (PDF)", html=False),
                id="print",
                on_click=send_printable_digests,
            ),
            ui.SwitchTo(ui.Tr(BACK, html=False), id="bk", state=ClassSG.menu),
            getter=families_getter,
            state=ClassSG.families,
        ),
        on_start=on_class_start,
    )


# --------------------------------------------------------------------------- deputy control


async def _control(manager: DialogManager) -> control.ControlReport:
    ctx = ctx_of(manager)
    return await control.control_this_period(ctx.uow(), ctx.actor, ctx.clock)


def _pct(t: Translator, value: Decimal | None) -> str:
    return "—" if value is None else f"{t.number(value)}%"


async def control_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    ctx = ctx_of(dialog_manager)
    t = ctx.t
    report = await _control(dialog_manager)
    total = report.total
    lines = [
        t(
            "<b>Control, grades {grades}: {days}</b>",
            grades=str(report.grades),
            days=day_range(report.first, report.last),
        ),
        t(
            "Lessons {lessons}: filled in on time {on_time}, homework {homework}, by the КТП {ktp}",
            lessons=total.lessons,
            on_time=_pct(t, total.on_time_pct),
            homework=_pct(t, total.homework_pct),
            ktp=_pct(t, total.ktp_pct),
        ),
        t(
            "Pupils without marks {none}, with one mark {one}",
            none=_pct(t, total.no_marks_pct),
            one=_pct(t, total.one_mark_pct),
        ),
    ]
    worst = least_on_time(report)
    if worst:
        lines.append(t("Least filled in on time:"))
        lines += [f"{esc(f.name)}: {_pct(t, f.on_time_pct)}" for f in worst]
    return {"control_html": "\n".join(lines)}


@guarded()
async def send_control_xlsx(callback: Press, _w: Any, manager: DialogManager) -> None:
    from reports.tables import control_xlsx

    report = await _control(manager)
    await send_file(manager, control_xlsx(report), f"control-{report.last:%Y-%m-%d}.xlsx")
    await toast(manager)


@guarded()
async def send_control_pdf(callback: Press, _w: Any, manager: DialogManager) -> None:
    from reports.class_report_pdf import render_control_report

    ctx = ctx_of(manager)
    report = await _control(manager)
    school = await actor_school(ctx.uow(), ctx.actor.school_id)
    await send_file(
        manager,
        render_control_report(report, school.name if school else ""),
        f"control-{report.last:%Y-%m-%d}.pdf",
    )
    await toast(manager)


async def overdue_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    from scheduler.render import render_msg

    ctx = ctx_of(dialog_manager)
    t = ctx.t
    by_teacher = await control.deputy_overdue(ctx.uow(), ctx.actor, ctx.clock)
    lines = [t("<b>Overdue now</b>")]
    for item in by_teacher:
        lines.append(f"<b>{esc(item.name)}</b>")
        lines += [render_msg(t, line) for line in control.summary_lines(item.entries)]
    if not by_teacher:
        lines.append(t("Nothing is overdue."))
    return {
        "overdue_html": "\n".join(lines),
        "teachers": [(x.teacher_id, label(t("🔔 {name}", name=x.name))) for x in by_teacher],
    }


@guarded()
async def remind(callback: Press, _w: Any, manager: DialogManager, item_id: str) -> None:
    ctx = ctx_of(manager)
    count = await control.remind_teacher(ctx.uow(), ctx.actor, parse_id(item_id), ctx.clock)
    if not count:  # the list was older than the journal: it is drawn afresh after this
        await toast(manager, ctx.t("Nothing is overdue now: no reminder sent."), alert=True)
        return
    await toast(manager, ctx.t("Reminder sent ({count} overdue).", count=count), alert=True)


def control_dialog(ui: Kit) -> Any:
    """A fresh dialog: one dispatcher each (tests run several)."""
    return ui.Dialog(
        Screen(
            ui,
            ui.Raw("control_html"),
            ui.Row(
                ui.Button(
                    ui.Tr("📊 Spreadsheet (XLSX)", html=False),
                    id="xlsx",
                    on_click=send_control_xlsx,
                ),
                ui.Button(ui.Tr("📄 PDF", html=False), id="pdf", on_click=send_control_pdf),
            ),
            ui.SwitchTo(ui.Tr("⏰ Overdue now", html=False), id="od", state=ControlSG.overdue),
            ui.Cancel(ui.Tr(MENU, html=False), id="menu"),
            getter=control_getter,
            state=ControlSG.figures,
        ),
        Screen(
            ui,
            ui.Raw("overdue_html"),
            ui.Group(
                ui.Select(
                    ui.Format("{item[1]}"),
                    id="rmd",
                    item_id_getter=lambda x: x[0],
                    items="teachers",
                    on_click=remind,
                ),
                width=1,
            ),
            ui.SwitchTo(ui.Tr(BACK, html=False), id="bk", state=ControlSG.figures),
            getter=overdue_getter,
            state=ControlSG.overdue,
        ),
        on_start=remember_day,
    )
