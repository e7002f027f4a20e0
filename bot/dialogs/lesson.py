"""The lesson card: topic, homework, attendance, marks and remarks, one-handed, in a few taps."""

from __future__ import annotations

from typing import Any

from bot.dialogs.common import (
    REASON_ACTIONS,
    Screen,
    ctx_of,
    guarded,
    reason_screen,
    remember_day,
    reply,
    say,
    text_of,
    toast,
)
from bot.dialogs.menu import WEEKDAYS, lesson_time
from bot.dialogs.widgets import PAGE, first_page, page_of, turn_page
from bot.kit import DialogManager, Incoming, Kit, Press, kit_of
from bot.states import LessonSG
from bot.texts import BACK, MENU, esc, label
from domain.errors import JournalError
from domain.ids import parse_id, parse_member
from domain.journal import Attendance, RemarkTone
from domain.usecases import teaching as uc
from domain.usecases.teaching import ReasonRequired


def _lesson_id(manager: DialogManager) -> int:
    return parse_id(manager.dialog_data.get("lesson_id"))


# --------------------------------------------------------------------------- card


async def card_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    ctx = ctx_of(dialog_manager)
    t = ctx.t
    view = await uc.lesson_card(ctx.uow(), ctx.actor, _lesson_id(dialog_manager), ctx.clock)
    lesson = view.lesson
    day = f"{t(WEEKDAYS[lesson.day.weekday()])} {lesson.day.strftime('%d.%m.%Y')}"
    times = (
        f", {lesson_time(view)}–{view.ends.strftime('%H:%M')}" if view.starts and view.ends else ""
    )
    lines = [
        f"<b>{esc(view.title)}</b>",
        t("{day}, lesson {number}{times}", day=day, number=lesson.lesson_number, times=times),
    ]
    if view.is_substitution:
        lines.append(t("Substitution for {teacher}", teacher=esc(view.teacher_name)))
    lines.append(
        t("Topic: {topic}", topic=esc(lesson.topic) if lesson.topic else t("— not entered"))
    )
    if lesson.attendance_taken:
        lines.append(
            t(
                "Attendance: {pupils} pupils, absent {absent}, late {late}",
                pupils=view.pupils,
                absent=view.absent,
                late=view.late,
            )
        )
    else:
        lines.append(t("Attendance: — not taken ({pupils} pupils)", pupils=view.pupils))
    lines.append(t("Marks: {count}", count=view.marks))
    if lesson.homework is None:
        homework = t("— not entered yet")
    else:
        homework = esc(lesson.homework) if lesson.homework else t("no homework")
    lines.append(t("Homework: {homework}", homework=homework))
    suggestion = view.suggested_topic
    plan_label = ""
    if suggestion is not None and suggestion.topic != lesson.topic:
        whole = t("📘 By the plan: {topic}", topic=suggestion.topic)
        plan_label = label(whole)
        if plan_label != whole:  # the button cuts it: the card says it whole
            lines.append(t("Next by the plan: {topic}", topic=esc(suggestion.topic)))
    dialog_manager.dialog_data["suggested_id"] = suggestion.id if suggestion else None
    graded = view.grading.value != "none"
    dialog_manager.dialog_data["graded"] = graded  # the register offers the marks next
    return {
        "card_html": "\n".join(lines),
        "offer_plan": bool(plan_label),
        "plan_label": plan_label,
        "graded": graded,
    }


@guarded("plan_topic")
async def take_plan_topic(callback: Press, _w: Any, manager: DialogManager) -> None:
    await _plan_topic(manager, None)
    await toast(manager, ctx_of(manager).t("Topic saved"))


async def _plan_topic(manager: DialogManager, reason: str | None) -> None:
    ctx = ctx_of(manager)
    topic_id = manager.dialog_data.get("suggested_id")
    if topic_id is None:
        return
    await uc.set_topic(
        ctx.uow(),
        ctx.actor,
        _lesson_id(manager),
        ctx.clock,
        plan_topic_id=parse_id(topic_id),
        reason=reason,
    )


REASON_ACTIONS["plan_topic"] = _plan_topic


async def _save_text(manager: DialogManager, action: Any, text: str) -> None:
    """Keep the text (a reason prompt may have to repeat the action), act, back to the card."""
    manager.dialog_data["text"] = text
    await action(manager, None)
    await manager.switch_to(LessonSG.card)


@guarded("topic")
async def on_topic(message: Incoming, _w: Any, manager: DialogManager) -> None:
    await _save_text(manager, _topic, text_of(manager))


async def _topic(manager: DialogManager, reason: str | None) -> None:
    ctx = ctx_of(manager)
    await uc.set_topic(
        ctx.uow(),
        ctx.actor,
        _lesson_id(manager),
        ctx.clock,
        text=manager.dialog_data.get("text", ""),
        reason=reason,
    )


REASON_ACTIONS["topic"] = _topic


@guarded("homework")
async def on_homework(message: Incoming, _w: Any, manager: DialogManager) -> None:
    await _save_text(manager, _homework, text_of(manager))


@guarded("homework")
async def no_homework(callback: Press, _w: Any, manager: DialogManager) -> None:
    await _save_text(manager, _homework, "")


async def _homework(manager: DialogManager, reason: str | None) -> None:
    ctx = ctx_of(manager)
    await uc.set_homework(
        ctx.uow(),
        ctx.actor,
        _lesson_id(manager),
        manager.dialog_data.get("text", ""),
        ctx.clock,
        reason,
    )


REASON_ACTIONS["homework"] = _homework


async def text_refused(message: Incoming, _w: Any, manager: DialogManager) -> None:
    await reply(manager, ctx_of(manager).t("Please send text."))


# --------------------------------------------------------------------------- attendance

MARK_OF = {None: "", Attendance.ABSENT: "Н · ", Attendance.LATE: "ОП · "}
FLAG_OF: dict[Attendance | None, str] = {
    None: "",
    Attendance.ABSENT: " (Н)",
    Attendance.LATE: " (ОП)",
}


async def attendance_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    ctx = ctx_of(dialog_manager)
    roster = await uc.attendance_roster(ctx.uow(), ctx.actor, _lesson_id(dialog_manager))
    draft: dict[str, str] = dialog_manager.dialog_data.setdefault(
        "draft", {str(r.pupil_id): r.attendance.value for r in roster if r.attendance}
    )
    items = []
    for r in roster:
        status = draft.get(str(r.pupil_id))
        items.append(
            (r.pupil_id, label(MARK_OF[Attendance(status) if status else None] + r.name, 40))
        )
    absent = sum(1 for s in draft.values() if s == Attendance.ABSENT.value)
    late = sum(1 for s in draft.values() if s == Attendance.LATE.value)
    return {
        "pupils": items,
        "absent": absent,
        "late": late,
        "present": len(roster) - absent,
        "graded": bool(dialog_manager.dialog_data.get("graded", True)),
    }


@guarded()
async def toggle_pupil(callback: Press, _w: Any, manager: DialogManager, item_id: str) -> None:
    item_id = str(parse_id(item_id))  # a pupil of the roster: the use case checks on saving
    draft: dict[str, str] = manager.dialog_data.setdefault("draft", {})
    current = draft.get(item_id)
    following = Attendance.cycle(Attendance(current) if current else None)
    if following is None:
        draft.pop(item_id, None)
    else:
        draft[item_id] = following.value


@guarded("attendance")
async def leave_attendance(callback: Press, widget: Any, manager: DialogManager) -> None:
    """Leaving the register saves it, to the card or on to the marks: no separate save."""
    t = ctx_of(manager).t
    try:
        await _attendance(manager, None)
    except ReasonRequired:
        raise  # the reason prompt, then back to the register
    except JournalError as err:  # what cannot be saved is said, and not kept
        await say(callback, t(err.message, **err.params), manager=manager)
    else:
        await toast(manager, t("Attendance saved"))
    manager.dialog_data.pop("draft", None)
    if widget.widget_id == "amk":
        manager.dialog_data["page"] = 0
        await manager.switch_to(LessonSG.marks)
    else:
        await manager.switch_to(LessonSG.card)


async def _attendance(manager: DialogManager, reason: str | None) -> None:
    ctx = ctx_of(manager)
    draft = manager.dialog_data.get("draft", {})
    statuses = {parse_id(pid): parse_member(s, Attendance) for pid, s in draft.items()}
    await uc.save_attendance(
        ctx.uow(), ctx.actor, _lesson_id(manager), statuses, ctx.clock, reason, leaving=True
    )
    if reason is not None:
        manager.dialog_data.pop("draft", None)


REASON_ACTIONS["attendance"] = _attendance


# --------------------------------------------------------------------------- marks


def _kind(manager: DialogManager) -> str:
    """The kind of work the marks screen shows (set by its getter)."""
    return str(manager.dialog_data.get("kind", ""))


def _kind_label(choice: uc.KindChoice, limit: int) -> str:
    text = ("● " if choice.chosen else "") + choice.name
    count = f" · {choice.given}" if choice.given else ""
    return label(text, limit - len(count)) + count


async def kinds_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    ctx = ctx_of(dialog_manager)
    sheet = await uc.marks_sheet(
        ctx.uow(), ctx.actor, _lesson_id(dialog_manager), dialog_manager.dialog_data.get("kind")
    )
    return {"kinds": [(k.code, _kind_label(k, 30)) for k in sheet.kinds]}


@guarded()
async def choose_kind(callback: Press, _w: Any, manager: DialogManager, item_id: str) -> None:
    ctx = ctx_of(manager)
    await uc.marks_sheet(
        ctx.uow(), ctx.actor, _lesson_id(manager), item_id
    )  # refuses a forged kind
    manager.dialog_data["kind"] = item_id
    manager.dialog_data["page"] = 0
    await manager.switch_to(LessonSG.marks)


async def marks_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    ctx = ctx_of(dialog_manager)
    sheet = await uc.marks_sheet(
        ctx.uow(), ctx.actor, _lesson_id(dialog_manager), dialog_manager.dialog_data.get("kind")
    )
    kind = sheet.work_kind.code
    dialog_manager.dialog_data["kind"] = kind
    page, pages = page_of(dialog_manager, len(sheet.roster))
    rows = []
    for r in sheet.roster[page * PAGE : (page + 1) * PAGE]:
        current = r.marks.get(kind)
        flag = FLAG_OF.get(r.attendance, "")
        rows.append(
            {
                "id": r.pupil_id,
                "name": label(r.name + flag, 24),
                "values": [(v, f"[{v}]" if v == current else v) for v in sheet.scale],
            }
        )
    given = sum(1 for r in sheet.roster if kind in r.marks)
    return {
        "kind_name": sheet.work_kind.name,
        "quick_kinds": [(k.code, _kind_label(k, 24)) for k in sheet.quick_kinds],
        "weight": str(sheet.work_kind.weight.normalize()),
        "given": given,
        "rows": rows,
        "page": page + 1,
        "pages": pages,
        "paged": pages > 1,
    }


@guarded("mark")
async def on_mark(callback: Press, _w: Any, manager: DialogManager, pupil: str, value: str) -> None:
    try:
        await _mark(manager, None, pupil, value)
    except uc.PupilAbsent as err:  # one more tap to confirm
        manager.dialog_data["absent_mark"] = {"pupil": pupil, "value": value, **err.params}
        await toast(manager)
        await manager.switch_to(LessonSG.mark_absent)
        return
    await toast(manager, ctx_of(manager).t("Mark {value} saved", value=value))


async def absent_mark_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    asked = dialog_manager.dialog_data.get("absent_mark") or {}
    return {"name": str(asked.get("name", "")), "value": str(asked.get("value", ""))}


@guarded("mark_absent")
async def confirm_absent_mark(callback: Press, _w: Any, manager: DialogManager) -> None:
    # On to the grid first: a reason asked for a late change comes back there.
    await manager.switch_to(LessonSG.marks)
    value = await _mark_absent(manager, None)
    await toast(manager, ctx_of(manager).t("Mark {value} saved", value=value))


async def _mark_absent(manager: DialogManager, reason: str | None) -> str:
    asked = manager.dialog_data.get("absent_mark") or {}
    ctx = ctx_of(manager)
    value = str(asked.get("value", ""))
    await uc.put_mark(
        ctx.uow(),
        ctx.actor,
        _lesson_id(manager),
        parse_id(asked.get("pupil")),
        _kind(manager),
        value,
        ctx.clock,
        reason=reason,
        absent_ok=True,
    )
    manager.dialog_data.pop("absent_mark", None)
    return value


REASON_ACTIONS["mark_absent"] = _mark_absent


async def drop_absent_mark(callback: Press, _w: Any, manager: DialogManager) -> None:
    manager.dialog_data.pop("absent_mark", None)


async def _mark(manager: DialogManager, reason: str | None, pupil: str, value: str) -> None:
    ctx = ctx_of(manager)
    await uc.put_mark(
        ctx.uow(),
        ctx.actor,
        _lesson_id(manager),
        parse_id(pupil),
        _kind(manager),
        value,
        ctx.clock,
        reason=reason,
    )


REASON_ACTIONS["mark"] = _mark


@guarded()
async def on_pupil_name(callback: Press, _w: Any, manager: DialogManager, pupil: str) -> None:
    manager.dialog_data["pupil"] = parse_id(pupil)
    await manager.switch_to(LessonSG.mark_pupil)


async def mark_pupil_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    ctx = ctx_of(dialog_manager)
    t = ctx.t
    sheet = await uc.marks_sheet(
        ctx.uow(), ctx.actor, _lesson_id(dialog_manager), _kind(dialog_manager)
    )
    pupil_id = parse_id(dialog_manager.dialog_data.get("pupil"))
    entry = next((r for r in sheet.roster if r.pupil_id == pupil_id), None)
    if entry is None:
        return {"pupil_html": t("This pupil is not on the lesson's roster."), "has_mark": False}
    names = {k.code: k.name for k in await uc.work_kinds(ctx.uow(), ctx.actor)}
    marks = ", ".join(f"{esc(names.get(k, k))}: <b>{esc(v)}</b>" for k, v in entry.marks.items())
    return {
        "pupil_html": f"<b>{esc(entry.name)}</b>\n" + (marks or t("No marks in this lesson yet.")),
        "has_mark": sheet.work_kind.code in entry.marks,
    }


@guarded("remove")
async def remove_mark(callback: Press, _w: Any, manager: DialogManager) -> None:
    await _remove(manager, None)
    await toast(manager, ctx_of(manager).t("Mark removed"))
    await manager.switch_to(LessonSG.marks)


async def _remove(manager: DialogManager, reason: str | None) -> None:
    ctx = ctx_of(manager)
    await uc.put_mark(
        ctx.uow(),
        ctx.actor,
        _lesson_id(manager),
        parse_id(manager.dialog_data.get("pupil")),
        _kind(manager),
        uc.REMOVE_MARK,
        ctx.clock,
        reason=reason,
    )


REASON_ACTIONS["remove"] = _remove


@guarded()
async def on_comment(message: Incoming, _w: Any, manager: DialogManager) -> None:
    ctx = ctx_of(manager)
    mark = await uc.comment_mark(
        ctx.uow(),
        ctx.actor,
        _lesson_id(manager),
        parse_id(manager.dialog_data.get("pupil")),
        _kind(manager),
        text_of(manager),
        ctx.clock,
    )
    if mark is None:
        await reply(manager, ctx.t("Give a mark first, then a comment to it."))
        return
    await reply(manager, ctx.t("Comment saved"))
    await manager.switch_to(LessonSG.marks)


# --------------------------------------------------------------------------- remarks


async def remark_pupils_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    ctx = ctx_of(dialog_manager)
    roster = await uc.attendance_roster(ctx.uow(), ctx.actor, _lesson_id(dialog_manager))
    return {"pupils": [(r.pupil_id, label(r.name, 40)) for r in roster]}


@guarded()
async def remark_pupil(callback: Press, _w: Any, manager: DialogManager, item_id: str) -> None:
    manager.dialog_data["pupil"] = parse_id(item_id)
    await manager.switch_to(LessonSG.remark_tone)


async def start_remark(callback: Press, _w: Any, manager: DialogManager) -> None:
    manager.dialog_data.pop("remark", None)  # a word starts afresh


async def keep_remark(message: Incoming, _w: Any, manager: DialogManager) -> None:
    """The text typed before praise or concern was chosen: kept, and sent once it is."""
    manager.dialog_data["remark"] = text_of(manager)


async def remark_tone_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    kept = str(dialog_manager.dialog_data.get("remark", ""))
    return {"kept": bool(kept), "remark": kept}


@guarded()
async def remark_tone(callback: Press, widget: Any, manager: DialogManager) -> None:
    manager.dialog_data["tone"] = widget.widget_id
    kept = manager.dialog_data.get("remark")
    if not kept:
        await manager.switch_to(LessonSG.remark_text)
        return
    await _send_remark(manager, str(kept))
    manager.dialog_data.pop("remark", None)
    await toast(manager)
    await reply(manager, ctx_of(manager).t("The remark will reach the pupil's guardians."))
    await manager.switch_to(LessonSG.card, show_mode=kit_of(manager).ShowMode.SEND)


@guarded()
async def on_remark(message: Incoming, _w: Any, manager: DialogManager) -> None:
    await _send_remark(manager, text_of(manager))
    await reply(manager, ctx_of(manager).t("The remark will reach the pupil's guardians."))
    await manager.switch_to(LessonSG.card)


async def _send_remark(manager: DialogManager, text: str) -> None:
    ctx = ctx_of(manager)
    tone = parse_member(manager.dialog_data.get("tone", RemarkTone.PRAISE.value), RemarkTone)
    await uc.add_remark(
        ctx.uow(),
        ctx.actor,
        _lesson_id(manager),
        parse_id(manager.dialog_data.get("pupil")),
        tone,
        text,
        ctx.clock,
        tell_family=True,
    )


# --------------------------------------------------------------------------- the dialog


def back_to_card(ui: Kit) -> Any:
    return ui.SwitchTo(ui.Tr(BACK, html=False), id="card", state=LessonSG.card)


def _card_window(ui: Kit) -> Any:
    return Screen(
        ui,
        ui.Raw("card_html"),
        ui.Button(
            ui.Format("{plan_label}"), id="plan", on_click=take_plan_topic, when="offer_plan"
        ),
        ui.Row(
            ui.SwitchTo(ui.Tr("👥 Attendance", html=False), id="att", state=LessonSG.attendance),
            ui.SwitchTo(
                ui.Tr("✍️ Marks", html=False),
                id="mk",
                state=LessonSG.marks,
                on_click=first_page,
                when="graded",
            ),
        ),
        ui.Row(
            ui.SwitchTo(ui.Tr("✏️ Topic", html=False), id="tp", state=LessonSG.topic),
            ui.SwitchTo(ui.Tr("📒 Homework", html=False), id="hw", state=LessonSG.homework),
        ),
        ui.SwitchTo(
            ui.Tr("💬 To the guardians", html=False),
            id="rm",
            state=LessonSG.remark_pupil,
            on_click=start_remark,
        ),
        ui.Cancel(ui.Tr(MENU, html=False), id="menu"),
        getter=card_getter,
        state=LessonSG.card,
    )


def _topic_window(ui: Kit) -> Any:
    return Screen(
        ui,
        ui.Tr("Send the topic of the lesson as a message."),
        ui.MessageInput(on_topic, content_types=ui.TEXT),
        ui.MessageInput(text_refused),
        back_to_card(ui),
        state=LessonSG.topic,
    )


def _homework_window(ui: Kit) -> Any:
    return Screen(
        ui,
        ui.Tr("Send the homework as a message, or press «No homework»."),
        ui.Button(ui.Tr("🚫 No homework", html=False), id="nohw", on_click=no_homework),
        ui.MessageInput(on_homework, content_types=ui.TEXT),
        ui.MessageInput(text_refused),
        back_to_card(ui),
        state=LessonSG.homework,
    )


def _attendance_window(ui: Kit) -> Any:
    return Screen(
        ui,
        ui.Tr(
            "Tap a pupil: once for absent (Н), twice for late (ОП), three times for present.\n"
            "Present {present}, absent {absent}, late {late}. Saved when you leave this screen."
        ),
        ui.Group(
            ui.Select(
                ui.Format("{item[1]}"),
                id="ap",
                item_id_getter=lambda x: x[0],
                items="pupils",
                on_click=toggle_pupil,
            ),
            width=2,
        ),
        ui.Row(
            ui.Button(
                ui.Tr("✍️ Marks", html=False), id="amk", on_click=leave_attendance, when="graded"
            ),
            ui.Button(ui.Tr(BACK, html=False), id="aback", on_click=leave_attendance),
        ),
        getter=attendance_getter,
        state=LessonSG.attendance,
    )


def _kinds_window(ui: Kit) -> Any:
    return Screen(
        ui,
        ui.Tr("Which kind of work are the marks for?"),
        ui.Group(
            ui.Select(
                ui.Format("{item[1]}"),
                id="wk",
                item_id_getter=lambda x: x[0],
                items="kinds",
                on_click=choose_kind,
            ),
            width=2,
        ),
        ui.SwitchTo(ui.Tr(BACK, html=False), id="bk", state=LessonSG.marks),
        getter=kinds_getter,
        state=LessonSG.kinds,
    )


def _marks_window(ui: Kit) -> Any:
    return Screen(
        ui,
        ui.Tr(
            "<b>{kind_name}</b> (weight {weight}): one tap on a mark next to a pupil. "
            "Marks given: {given}. Tap a name to remove a mark or add a comment."
        ),
        ui.Group(
            ui.Select(
                ui.Format("{item[1]}"),
                id="qk",
                item_id_getter=lambda x: x[0],
                items="quick_kinds",
                on_click=choose_kind,
            ),
            ui.SwitchTo(ui.Tr("📝 Other kinds", html=False), id="kinds", state=LessonSG.kinds),
            width=2,
        ),
        ui.ChoiceGrid("mg", "rows", on_value=on_mark, on_name=on_pupil_name),
        ui.Row(
            ui.Button(ui.Format("◀"), id="prev", on_click=turn_page),
            ui.Button(ui.Format("{page}/{pages}"), id="pg"),
            ui.Button(ui.Format("▶"), id="next", on_click=turn_page),
            when="paged",
        ),
        ui.Row(
            ui.SwitchTo(ui.Tr("📒 Homework", html=False), id="mhw", state=LessonSG.homework),
            back_to_card(ui),
        ),
        getter=marks_getter,
        state=LessonSG.marks,
    )


def _mark_absent_window(ui: Kit) -> Any:
    return Screen(
        ui,
        ui.Tr("{name} is absent from this lesson (Н). Give {value} anyway?"),
        ui.Button(ui.Tr("✅ Give {value}", html=False), id="absok", on_click=confirm_absent_mark),
        ui.SwitchTo(
            ui.Tr("✖️ No mark", html=False),
            id="absno",
            state=LessonSG.marks,
            on_click=drop_absent_mark,
        ),
        getter=absent_mark_getter,
        state=LessonSG.mark_absent,
    )


def _mark_pupil_window(ui: Kit) -> Any:
    return Screen(
        ui,
        ui.Raw("pupil_html"),
        ui.Button(
            ui.Tr("🗑 Remove this mark", html=False),
            id="rmv",
            on_click=remove_mark,
            when="has_mark",
        ),
        ui.SwitchTo(
            ui.Tr("💬 Comment to the mark", html=False),
            id="cmt",
            state=LessonSG.mark_comment,
            when="has_mark",
        ),
        ui.SwitchTo(ui.Tr(BACK, html=False), id="bk", state=LessonSG.marks),
        getter=mark_pupil_getter,
        state=LessonSG.mark_pupil,
    )


def _mark_comment_window(ui: Kit) -> Any:
    return Screen(
        ui,
        ui.Tr("Send a short comment to the mark (up to 200 characters)."),
        ui.MessageInput(on_comment, content_types=ui.TEXT),
        ui.MessageInput(text_refused),
        ui.SwitchTo(ui.Tr(BACK, html=False), id="bk", state=LessonSG.marks),
        state=LessonSG.mark_comment,
    )


def _remark_pupil_window(ui: Kit) -> Any:
    return Screen(
        ui,
        ui.Tr("Whose guardians should get a word from you?"),
        ui.Group(
            ui.Select(
                ui.Format("{item[1]}"),
                id="rp",
                item_id_getter=lambda x: x[0],
                items="pupils",
                on_click=remark_pupil,
            ),
            width=2,
        ),
        ui.MessageInput(keep_remark, content_types=ui.TEXT),
        ui.MessageInput(text_refused),
        back_to_card(ui),
        getter=remark_pupils_getter,
        state=LessonSG.remark_pupil,
    )


def _remark_tone_window(ui: Kit) -> Any:
    return Screen(
        ui,
        ui.Tr("Praise or concern?"),
        ui.Tr("Your text for the guardians: {remark}", when="kept"),
        ui.Row(
            ui.Button(
                ui.Tr("👍 Praise", html=False), id=RemarkTone.PRAISE.value, on_click=remark_tone
            ),
            ui.Button(
                ui.Tr("⚠️ Concern", html=False), id=RemarkTone.CONCERN.value, on_click=remark_tone
            ),
        ),
        ui.MessageInput(keep_remark, content_types=ui.TEXT),
        ui.MessageInput(text_refused),
        back_to_card(ui),
        getter=remark_tone_getter,
        state=LessonSG.remark_tone,
    )


def _remark_text_window(ui: Kit) -> Any:
    return Screen(
        ui,
        ui.Tr("Send the text for the guardians."),
        ui.MessageInput(on_remark, content_types=ui.TEXT),
        ui.MessageInput(text_refused),
        back_to_card(ui),
        state=LessonSG.remark_text,
    )


def lesson_dialog(ui: Kit) -> Any:
    """A fresh dialog: one dispatcher each (tests run several)."""
    return ui.Dialog(
        _card_window(ui),
        _topic_window(ui),
        _homework_window(ui),
        _attendance_window(ui),
        _kinds_window(ui),
        _marks_window(ui),
        _mark_absent_window(ui),
        _mark_pupil_window(ui),
        _mark_comment_window(ui),
        _remark_pupil_window(ui),
        _remark_tone_window(ui),
        _remark_text_window(ui),
        reason_screen(
            ui,
            ui.Tr(
                "The entry window for this lesson has closed. A change now keeps the old value and "
                "needs a reason. Send the reason as a message."
            ),
            LessonSG.reason,
        ),
        on_start=remember_day,
    )
