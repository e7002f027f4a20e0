"""Deputy control: a deputy head's remarks to teachers, and a teacher's remarks to fix.

The deputy writes one in three taps and a message (teacher, text, due date), sees their remarks
with their status and accepts or reopens the fixed ones. The teacher sees the remarks to them
and marks one fixed. The button under a remark's notice opens the remark here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot.context import Ctx
from bot.dialogs.common import (
    Screen,
    ctx_of,
    guarded,
    remember_day,
    school_today,
    text_of,
    toast,
)
from bot.kit import DialogManager, Incoming, Kit, Press, kit_of
from bot.states import RemarksSG
from bot.texts import BACK, MENU, esc, label
from domain.errors import Forbidden, JournalError
from domain.ids import StaleInput, parse_id, parse_number
from domain.intents import OpenRemark
from domain.names import PersonName
from domain.remarks import RemarkStatus
from domain.usecases import journal_remarks as uc
from locales import N_

MOST_BUTTONS = 40  # remarks listed as buttons; the oldest accepted ones drop off

STATUS_TEXT = {
    RemarkStatus.OPEN: N_("to fix"),
    RemarkStatus.FIXED: N_("fixed, waiting for acceptance"),
    RemarkStatus.ACCEPTED: N_("accepted"),
}

DUE_TEXT = {
    3: N_("in 3 days ({day})"),
    7: N_("in a week ({day})"),
    14: N_("in two weeks ({day})"),
}


def icon(view: uc.RemarkView) -> str:
    if view.overdue:
        return "⏰"
    return {RemarkStatus.OPEN: "📝", RemarkStatus.FIXED: "✅", RemarkStatus.ACCEPTED: "👍"}[
        view.remark.status
    ]


def _line(t: Any, view: uc.RemarkView, who: str) -> str:
    return t(
        "{icon} {who}, due {due}: {text} — {status}",
        icon=icon(view),
        who=esc(who),
        due=view.remark.due.strftime("%d.%m"),
        text=esc(view.preview),
        status=t(STATUS_TEXT[view.remark.status]),
    )


# --------------------------------------------------------------------------- lists


async def on_remarks_start(start_data: Any, manager: DialogManager) -> None:
    """The menu opens the deputy's list; a teacher who is no deputy gets the remarks to them."""
    await remember_day(start_data, manager)
    state = manager.current_context().state
    if state == RemarksSG.written and not ctx_of(manager).actor.is_deputy:
        await manager.switch_to(RemarksSG.to_me)


async def written_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    ctx = ctx_of(dialog_manager)
    t = ctx.t
    views = await uc.remarks_by_deputy(ctx.uow(), ctx.actor, ctx.clock)
    lines = [t("<b>Your remarks to teachers</b>")]
    lines += [_line(t, v, v.teacher_name) for v in views]
    if not views:
        lines.append(t("No remarks yet."))
    items = [
        (v.remark.id, label(f"{icon(v)} {v.teacher_name} · {v.remark.due.strftime('%d.%m')}"))
        for v in views[:MOST_BUTTONS]
    ]
    summary = await uc.remarks_summary(ctx.uow(), ctx.actor)
    return {
        "written_html": "\n".join(lines),
        "remarks": items,
        "has_to_me": summary.to_me > 0,
        "to_me_label": label(t("📝 Remarks to me ({count} open)", count=summary.to_me_open)),
    }


async def to_me_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    ctx = ctx_of(dialog_manager)
    t = ctx.t
    views = await uc.remarks_for_teacher(ctx.uow(), ctx.actor, ctx.clock)
    lines = [t("<b>Remarks about your journal</b>")]
    lines += [_line(t, v, v.deputy_name) for v in views]
    if not views:
        lines.append(t("No remarks to you."))
    items = [
        (v.remark.id, label(f"{icon(v)} {v.remark.due.strftime('%d.%m')} · {v.preview}"))
        for v in views[:MOST_BUTTONS]
    ]
    return {"to_me_html": "\n".join(lines), "remarks": items, "deputy": ctx.actor.is_deputy}


@guarded()
async def open_remark(callback: Press, _w: Any, manager: DialogManager, item_id: str) -> None:
    """Check access first: a forged remark id gets a refusal and shows nothing."""
    ctx = ctx_of(manager)
    remark_id = parse_id(item_id)
    await uc.remark_detail(ctx.uow(), ctx.actor, remark_id, ctx.clock)
    manager.dialog_data["remark"] = remark_id
    await manager.switch_to(RemarksSG.remark)


# --------------------------------------------------------------------------- one remark


async def remark_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    ctx = ctx_of(dialog_manager)
    t = ctx.t
    remark_id = _remark_id(dialog_manager)
    view = await uc.remark_detail(ctx.uow(), ctx.actor, remark_id, ctx.clock)
    r = view.remark
    lines = [
        t(
            "<b>Remark of {day}</b> from {deputy} to {teacher}",
            day=view.written_on.strftime("%d.%m.%Y"),
            deputy=esc(view.deputy_name),
            teacher=esc(view.teacher_name),
        ),
        t("To fix by: {due}", due=r.due.strftime("%d.%m.%Y"))
        + (" " + t("(overdue)") if view.overdue else ""),
        t("Status: {status}", status=t(STATUS_TEXT[r.status])),
    ]
    if r.reopened:
        lines.append(t("Opened again: {count} times", count=r.reopened))
    lines.append("")
    lines.append(esc(r.text))
    mine_to_fix = r.teacher_id == ctx.actor.staff_id
    mine_written = r.deputy_id == ctx.actor.staff_id
    return {
        "remark_html": "\n".join(lines),
        "can_fix": mine_to_fix and r.status is RemarkStatus.OPEN,
        "can_accept": mine_written and r.status is RemarkStatus.FIXED,
        "can_reopen": mine_written and r.status is not RemarkStatus.OPEN,
    }


def _remark_id(manager: DialogManager) -> int:
    return parse_id(manager.dialog_data.get("remark"))


@guarded()
async def fixed(callback: Press, _w: Any, manager: DialogManager) -> None:
    ctx = ctx_of(manager)
    await uc.mark_fixed(ctx.uow(), ctx.actor, _remark_id(manager), ctx.clock)
    await toast(manager, ctx.t("Marked fixed: the deputy head will be told."), alert=True)


@guarded()
async def accepted(callback: Press, _w: Any, manager: DialogManager) -> None:
    ctx = ctx_of(manager)
    await uc.accept(ctx.uow(), ctx.actor, _remark_id(manager), ctx.clock)
    await toast(manager, ctx.t("The remark is accepted."), alert=True)


@guarded()
async def reopened(callback: Press, _w: Any, manager: DialogManager) -> None:
    ctx = ctx_of(manager)
    remark = await uc.reopen(ctx.uow(), ctx.actor, _remark_id(manager), ctx.clock)
    await toast(
        manager,
        ctx.t(
            "The remark is open again, to fix by {due}; the teacher will be told.",
            due=remark.due.strftime("%d.%m.%Y"),
        ),
        alert=True,
    )


@guarded()
async def back_to_list(callback: Press, _w: Any, manager: DialogManager) -> None:
    """Back to the list the remark belongs to: the deputy's, or the teacher's."""
    ctx = ctx_of(manager)
    view = await uc.remark_detail(ctx.uow(), ctx.actor, _remark_id(manager), ctx.clock)
    written = view.remark.deputy_id == ctx.actor.staff_id
    await manager.switch_to(RemarksSG.written if written else RemarksSG.to_me)


# --------------------------------------------------------------------------- a new remark


async def teachers_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    ctx = ctx_of(dialog_manager)
    choices = await uc.remark_teachers(ctx.uow(), ctx.actor)
    staff = ctx.actor.staff
    grades = str(staff.deputy_grades) if staff and staff.deputy_grades else ""
    return {
        "grades": grades,
        "teachers": [(c.staff_id, label(f"{c.name} ({c.classes})")) for c in choices],
        "none": not choices,
    }


@guarded()
async def choose_teacher(callback: Press, _w: Any, manager: DialogManager, item_id: str) -> None:
    ctx = ctx_of(manager)
    teacher_id = parse_id(item_id)
    choices = {c.staff_id: c for c in await uc.remark_teachers(ctx.uow(), ctx.actor)}
    if teacher_id not in choices:
        raise Forbidden("this teacher does not teach in your grades")
    manager.dialog_data["teacher"] = teacher_id
    manager.dialog_data["teacher_name"] = choices[teacher_id].name
    person = choices[teacher_id].person
    manager.dialog_data["teacher_person"] = list(person.parts()) if person else None
    await manager.switch_to(RemarksSG.text)


def _teacher(manager: DialogManager) -> PersonName | str:
    """The chosen teacher's name, in parts where known (the text puts it in its case)."""
    parts = manager.dialog_data.get("teacher_person")
    if isinstance(parts, list) and len(parts) == 3 and all(isinstance(p, str) for p in parts):
        return PersonName(last=parts[0], first=parts[1], middle=parts[2])
    return str(manager.dialog_data.get("teacher_name", ""))


async def text_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    return {"name": _teacher(dialog_manager), "limit": uc.MAX_REMARK_TEXT}


@guarded()
async def on_text(message: Incoming, _w: Any, manager: DialogManager) -> None:
    manager.dialog_data["text"] = uc.check_text(text_of(manager))
    await manager.switch_to(RemarksSG.due)


async def due_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    t = ctx_of(dialog_manager).t
    today = await school_today(dialog_manager)
    return {
        "name": dialog_manager.dialog_data.get("teacher_name", ""),
        "dues": [
            (days, t(DUE_TEXT[days], day=(today + dt.timedelta(days=days)).strftime("%d.%m")))
            for days in uc.DUE_CHOICES
        ],
    }


@guarded()
async def choose_due(callback: Press, _w: Any, manager: DialogManager, item_id: str) -> None:
    ctx = ctx_of(manager)
    days = parse_number(item_id, 1, max(uc.DUE_CHOICES))
    if days not in uc.DUE_CHOICES:
        raise StaleInput()
    data = manager.dialog_data
    due = await school_today(manager) + dt.timedelta(days=days)
    await uc.write_remark(
        ctx.uow(),
        ctx.actor,
        parse_id(data.get("teacher")),
        data["text"],
        due,
        ctx.clock,
    )
    for key in ("teacher", "teacher_name", "text"):
        data.pop(key, None)
    await toast(
        manager,
        ctx.t(
            "The remark is saved; the teacher will be told. To fix by {due}.",
            due=due.strftime("%d.%m.%Y"),
        ),
        alert=True,
    )
    await manager.switch_to(RemarksSG.written)


# --------------------------------------------------------------------------- the dialog


def _remark_buttons(ui: Kit) -> Any:
    return ui.Group(
        ui.Select(
            ui.Format("{item[1]}"),
            id="rm",
            item_id_getter=lambda x: x[0],
            items="remarks",
            on_click=open_remark,
        ),
        width=1,
    )


def remarks_dialog(ui: Kit) -> Any:
    """A fresh dialog: one dispatcher each (tests run several)."""
    return ui.Dialog(
        Screen(
            ui,
            ui.Raw("written_html"),
            _remark_buttons(ui),
            ui.SwitchTo(ui.Tr("➕ New remark", html=False), id="new", state=RemarksSG.teachers),
            ui.SwitchTo(
                ui.Format("{to_me_label}"), id="tome", state=RemarksSG.to_me, when="has_to_me"
            ),
            ui.Cancel(ui.Tr(MENU, html=False), id="menu"),
            getter=written_getter,
            state=RemarksSG.written,
        ),
        Screen(
            ui,
            ui.Raw("to_me_html"),
            _remark_buttons(ui),
            ui.SwitchTo(ui.Tr(BACK, html=False), id="bk", state=RemarksSG.written, when="deputy"),
            ui.Cancel(ui.Tr(MENU, html=False), id="menu"),
            getter=to_me_getter,
            state=RemarksSG.to_me,
        ),
        Screen(
            ui,
            ui.Raw("remark_html"),
            ui.Button(ui.Tr("✅ Fixed", html=False), id="fix", on_click=fixed, when="can_fix"),
            ui.Row(
                ui.Button(
                    ui.Tr("👍 Accept", html=False), id="acc", on_click=accepted, when="can_accept"
                ),
                ui.Button(
                    ui.Tr("↩️ Open again", html=False),
                    id="reo",
                    on_click=reopened,
                    when="can_reopen",
                ),
            ),
            ui.Button(ui.Tr(BACK, html=False), id="bk", on_click=back_to_list),
            ui.Cancel(ui.Tr(MENU, html=False), id="menu"),
            getter=remark_getter,
            state=RemarksSG.remark,
        ),
        Screen(
            ui,
            ui.Tr("Whom is the remark for? Teachers of grades {grades}:"),
            ui.Tr("No teachers teach in your grades.", when="none"),
            ui.Group(
                ui.Select(
                    ui.Format("{item[1]}"),
                    id="rt",
                    item_id_getter=lambda x: x[0],
                    items="teachers",
                    on_click=choose_teacher,
                ),
                width=1,
            ),
            ui.SwitchTo(ui.Tr(BACK, html=False), id="bk", state=RemarksSG.written),
            getter=teachers_getter,
            state=RemarksSG.teachers,
        ),
        Screen(
            ui,
            ui.Tr("Write the remark to {name} as a message (up to {limit} characters)."),
            ui.MessageInput(on_text, content_types=ui.TEXT),
            ui.SwitchTo(ui.Tr(BACK, html=False), id="bk", state=RemarksSG.teachers),
            getter=text_getter,
            state=RemarksSG.text,
        ),
        Screen(
            ui,
            ui.Tr("To fix by when? The remark goes to {name}."),
            ui.Group(
                ui.Select(
                    ui.Format("{item[1]}"),
                    id="rd",
                    item_id_getter=lambda x: x[0],
                    items="dues",
                    on_click=choose_due,
                ),
                width=1,
            ),
            ui.SwitchTo(ui.Tr(BACK, html=False), id="bk", state=RemarksSG.text),
            getter=due_getter,
            state=RemarksSG.due,
        ),
        on_start=on_remarks_start,
    )


# --------------------------------------------------------------------------- notice buttons


async def open_from_notice(callback: Press, journal: Ctx, dialog_manager: DialogManager) -> None:
    """The button under a remark's notice (sent from the outbox) opens the remark.

    Each adapter routes these buttons here before its dialogs: a button without a dialog's
    intent would otherwise reach the screen that is open and be taken for a forged one."""
    from bot.conversation import refuse

    kit = kit_of(dialog_manager)
    try:
        remark_id = kit.intent_of(callback, OpenRemark).remark_id
        await uc.remark_detail(journal.uow(), journal.actor, remark_id, journal.clock)
    except JournalError as err:
        await refuse(callback, journal, dialog_manager, err)
        return
    await kit.toast(callback)
    await dialog_manager.start(
        RemarksSG.remark,
        data={"remark": remark_id},
        mode=kit.StartMode.RESET_STACK,
        show_mode=kit.ShowMode.SEND,
    )
