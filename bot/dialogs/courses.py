"""Substitutions, past lessons by class and subject, and term marks."""

from __future__ import annotations

from typing import Any

from bot.dialogs.common import (
    REASON_ACTIONS,
    Screen,
    ctx_of,
    guarded,
    reason_screen,
    remember_day,
    toast,
)
from bot.dialogs.menu import WEEKDAYS, lesson_time, missing_text, open_lesson_card, state_icon
from bot.dialogs.widgets import PAGE, page_of, turn_page
from bot.kit import DialogManager, Kit, Press
from bot.states import CoursesSG, SubstituteSG, TermSG
from bot.texts import BACK, MENU, esc, label
from domain.ids import parse_id, parse_ids
from domain.usecases import teaching as uc
from domain.usecases import term_marks as tm

# --------------------------------------------------------------------------- substitution


async def substitute_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    ctx = ctx_of(dialog_manager)
    views = await uc.substitutable_lessons(ctx.uow(), ctx.actor, ctx.clock)
    items = [
        (
            v.lesson.id,
            label(f"{v.lesson.lesson_number}. {lesson_time(v)} {v.title} · {v.teacher_name}"),
        )
        for v in views
    ]
    return {"lessons": items, "none": not items}


@guarded()
async def take_over(callback: Press, _w: Any, manager: DialogManager, item_id: str) -> None:
    ctx = ctx_of(manager)
    lesson_id = parse_id(item_id)
    await uc.substitute(ctx.uow(), ctx.actor, lesson_id, ctx.clock)
    await toast(manager, ctx.t("You are recorded as the substitute."))
    await open_lesson_card(manager, lesson_id)


def substitute_dialog(ui: Kit) -> Any:
    """A fresh dialog: one dispatcher each (tests run several)."""
    return ui.Dialog(
        Screen(
            ui,
            ui.Tr("Whose lesson are you giving today? You will be recorded as the substitute."),
            ui.Tr("No lessons to substitute today.", when="none"),
            ui.Group(
                ui.Select(
                    ui.Format("{item[1]}"),
                    id="sl",
                    item_id_getter=lambda x: x[0],
                    items="lessons",
                    on_click=take_over,
                ),
                width=1,
            ),
            ui.Cancel(ui.Tr(MENU, html=False), id="menu"),
            getter=substitute_getter,
            state=SubstituteSG.lessons,
        ),
        on_start=remember_day,
    )


# --------------------------------------------------------------------------- courses


async def courses_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    ctx = ctx_of(dialog_manager)
    courses = await uc.my_courses(ctx.uow(), ctx.actor)
    items = [(f"{c.class_id}_{c.subject_id}", label(c.title)) for c in courses]
    purpose = dialog_manager.dialog_data.get("purpose", "past")
    return {
        "courses": items,
        "past": purpose == "past",
        "term": purpose == "term",
        "none": not items,
    }


def _course_ids(item_id: object) -> tuple[int, int]:
    """«class id_subject id», as the course buttons carry them."""
    class_id, subject_id = parse_ids(item_id, "_", 2)
    return class_id, subject_id


@guarded()
async def choose_course(callback: Press, _w: Any, manager: DialogManager, item_id: str) -> None:
    class_id, subject_id = _course_ids(item_id)
    if manager.dialog_data.get("purpose") == "term":
        ctx = ctx_of(manager)
        await tm.term_sheet(ctx.uow(), ctx.actor, class_id, subject_id, ctx.clock)
        await manager.start(TermSG.sheet, data={"class_id": class_id, "subject_id": subject_id})
        return
    ctx = ctx_of(manager)
    await uc.past_lessons(ctx.uow(), ctx.actor, class_id, subject_id, ctx.clock)  # refuses others'
    manager.dialog_data["course"] = item_id
    await manager.switch_to(CoursesSG.lessons)


async def past_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    ctx = ctx_of(dialog_manager)
    t = ctx.t
    class_id, subject_id = _course_ids(dialog_manager.dialog_data.get("course"))
    views = await uc.past_lessons(ctx.uow(), ctx.actor, class_id, subject_id, ctx.clock)
    items = []
    lines = []
    for v in views:
        day = f"{t(WEEKDAYS[v.lesson.day.weekday()])} {v.lesson.day.strftime('%d.%m')}"
        items.append((v.lesson.id, label(f"{state_icon(v)} {day}, {v.lesson.lesson_number}")))
        lines.append(f"{state_icon(v)} {day}, {v.lesson.lesson_number} — {esc(missing_text(t, v))}")
    title = views[0].title if views else ""
    head = t("<b>{title}</b>: lessons of the last three weeks", title=esc(title))
    return {"lessons": items, "past_html": "\n".join([head, *lines]) if views else t("No lessons.")}


@guarded()
async def open_past(callback: Press, _w: Any, manager: DialogManager, item_id: str) -> None:
    await open_lesson_card(manager, parse_id(item_id))


def courses_dialog(ui: Kit) -> Any:
    """A fresh dialog: one dispatcher each (tests run several)."""
    return ui.Dialog(
        Screen(
            ui,
            ui.Tr("Choose the class and subject for past lessons:", when="past"),
            ui.Tr("Choose the class and subject for term marks:", when="term"),
            ui.Tr("You have no teaching assignments in the journal.", when="none"),
            ui.Group(
                ui.Select(
                    ui.Format("{item[1]}"),
                    id="cs",
                    item_id_getter=lambda x: x[0],
                    items="courses",
                    on_click=choose_course,
                ),
                width=1,
            ),
            ui.Cancel(ui.Tr(MENU, html=False), id="menu"),
            getter=courses_getter,
            state=CoursesSG.courses,
        ),
        Screen(
            ui,
            ui.Raw("past_html"),
            ui.Group(
                ui.Select(
                    ui.Format("{item[1]}"),
                    id="pl",
                    item_id_getter=lambda x: x[0],
                    items="lessons",
                    on_click=open_past,
                ),
                width=2,
            ),
            ui.Row(
                ui.SwitchTo(ui.Tr(BACK, html=False), id="bk", state=CoursesSG.courses),
                ui.Cancel(ui.Tr(MENU, html=False), id="menu"),
            ),
            getter=past_getter,
            state=CoursesSG.lessons,
        ),
        on_start=remember_day,
    )


# --------------------------------------------------------------------------- term marks


def _term_course(manager: DialogManager) -> tuple[int, int]:
    """The class and subject the term marks screen was opened for."""
    data = manager.dialog_data
    return parse_id(data.get("class_id")), parse_id(data.get("subject_id"))


async def term_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    ctx = ctx_of(dialog_manager)
    t = ctx.t
    sheet = await tm.term_sheet(ctx.uow(), ctx.actor, *_term_course(dialog_manager), ctx.clock)
    page, pages = page_of(dialog_manager, len(sheet.lines))
    lines = [
        t(
            "<b>{cls} · {subject}</b>, {period} ({starts}–{ends})",
            cls=esc(sheet.school_class.name),
            subject=esc(sheet.subject.name),
            period=esc(sheet.period.name),
            starts=sheet.period.starts.strftime("%d.%m"),
            ends=sheet.period.ends.strftime("%d.%m"),
        ),
        t("Suggested: weighted mean → mark; «!» too few marks. Tap a mark to set it."),
    ]
    rows = []
    for line in sheet.lines:
        s = line.suggestion
        mean = t.number(s.mean) if s.mean is not None else "—"
        flag = "!" if s.too_few_marks else ""
        final = f" ✅ <b>{esc(line.term_mark)}</b>" if line.term_mark else ""
        lines.append(
            f"{esc(line.name)}: {mean} ({s.marks_count}{flag}) → {esc(s.value or '—')}{final}"
        )
    for line in sheet.lines[page * PAGE : (page + 1) * PAGE]:
        rows.append(
            {
                "id": line.pupil_id,
                "name": label(line.name, 20),
                "values": [
                    (
                        v,
                        f"[{v}]"
                        if v == line.term_mark
                        else (f"·{v}·" if v == line.suggestion.value else v),
                    )
                    for v in sheet.values
                ],
            }
        )
    if sheet.closed:
        lines.append(t("The period is over: a change now needs a reason."))
    elif not sheet.shown and sheet.shown_from is not None:
        day = sheet.shown_from.strftime("%d.%m")
        lines.append(t("Families will see the term marks from {day}.", day=day))
    left_out = set(dialog_manager.dialog_data.get("left_out", ()))
    names = [x.name for x in sheet.left_out() if x.pupil_id in left_out]
    if names:
        lines.append(
            t(
                "Not confirmed, too few marks (set each one by one): {names}",
                names=esc(", ".join(names)),
            )
        )
    to_confirm = sheet.to_confirm()
    return {
        "term_html": "\n".join(lines),
        "rows": rows,
        "page": page + 1,
        "pages": pages,
        "paged": pages > 1,
        "can_confirm": bool(to_confirm) and not sheet.closed,
        "to_confirm": len(to_confirm),
    }


def _early_ok(manager: DialogManager) -> bool:
    """The teacher said «yes, now» once on this sheet: early term marks need no more asking."""
    return bool(manager.dialog_data.get("early_ok"))


async def _ask_early(callback: Press, manager: DialogManager, pending: dict[str, Any]) -> None:
    """Before the period's last two weeks: ask once more, then do `pending`."""
    manager.dialog_data["early_pending"] = pending
    await manager.switch_to(TermSG.early)
    await toast(manager)


@guarded("term")
async def on_term_mark(
    callback: Press, _w: Any, manager: DialogManager, pupil: str, value: str
) -> None:
    try:
        await _term(manager, None, pupil, value)
    except tm.EarlyTermMark:
        await _ask_early(callback, manager, {"pupil": pupil, "value": value})
        return
    await toast(manager, ctx_of(manager).t("Term mark {value} saved", value=value))


async def _term(manager: DialogManager, reason: str | None, pupil: str, value: str) -> None:
    ctx = ctx_of(manager)
    await tm.set_term_mark(
        ctx.uow(),
        ctx.actor,
        *_term_course(manager),
        parse_id(pupil),
        value,
        ctx.clock,
        reason,
        early=_early_ok(manager),
    )


REASON_ACTIONS["term"] = _term


async def term_name(callback: Press, _w: Any, manager: DialogManager, pupil: str) -> None:
    await toast(manager)


@guarded()
async def confirm_all(callback: Press, _w: Any, manager: DialogManager) -> None:
    try:
        await _confirm_all(callback, manager)
    except tm.EarlyTermMark:
        await _ask_early(callback, manager, {"all": True})


async def _confirm_all(callback: Press, manager: DialogManager) -> None:
    ctx = ctx_of(manager)
    done = await tm.confirm_suggestions(
        ctx.uow(), ctx.actor, *_term_course(manager), ctx.clock, early=_early_ok(manager)
    )
    manager.dialog_data["left_out"] = [x.pupil_id for x in done.left_out]
    if done.left_out:
        text = ctx.t(
            "Confirmed: {count}. Not confirmed, too few marks: {left} (set them one by one).",
            count=done.count,
            left=len(done.left_out),
        )
    else:
        text = ctx.t("Confirmed: {count}", count=done.count)
    await toast(manager, text)


async def early_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    ctx = ctx_of(dialog_manager)
    t = ctx.t
    sheet = await tm.term_sheet(ctx.uow(), ctx.actor, *_term_course(dialog_manager), ctx.clock)
    pending = dialog_manager.dialog_data.get("early_pending") or {}
    lines = [
        t(
            "<b>{period} ends on {ends}.</b> Term marks are set in its last two weeks, from {due}.",
            period=esc(sheet.period.name),
            ends=sheet.period.ends.strftime("%d.%m.%Y"),
            due=sheet.due_from.strftime("%d.%m") if sheet.due_from else "",
        )
    ]
    line = next((x for x in sheet.lines if str(x.pupil_id) == pending.get("pupil")), None)
    if line is not None:
        lines.append(
            t(
                "Set the term mark now: {name} — {value}?",
                name=esc(line.name),
                value=esc(str(pending.get("value"))),
            )
        )
    else:
        lines.append(t("Confirm the suggested marks now ({count})?", count=len(sheet.to_confirm())))
    return {"early_html": "\n".join(lines)}


@guarded()
async def early_yes(callback: Press, _w: Any, manager: DialogManager) -> None:
    pending = manager.dialog_data.pop("early_pending", None) or {}
    manager.dialog_data["early_ok"] = True
    await manager.switch_to(TermSG.sheet)
    if pending.get("all"):
        await _confirm_all(callback, manager)
    elif "pupil" in pending:
        value = str(pending.get("value"))
        await _term(manager, None, str(pending["pupil"]), value)
        await toast(manager, ctx_of(manager).t("Term mark {value} saved", value=value))
    else:
        await toast(manager)


async def early_no(callback: Press, _w: Any, manager: DialogManager) -> None:
    manager.dialog_data.pop("early_pending", None)
    await manager.switch_to(TermSG.sheet)


def term_dialog(ui: Kit) -> Any:
    """A fresh dialog: one dispatcher each (tests run several)."""
    return ui.Dialog(
        Screen(
            ui,
            ui.Raw("term_html"),
            ui.ChoiceGrid("tg", "rows", on_value=on_term_mark, on_name=term_name),
            ui.Row(
                ui.Button(ui.Format("◀"), id="prev", on_click=turn_page),
                ui.Button(ui.Format("{page}/{pages}"), id="pg"),
                ui.Button(ui.Format("▶"), id="next", on_click=turn_page),
                when="paged",
            ),
            ui.Button(
                ui.Tr("✅ Confirm the suggested marks ({to_confirm})", html=False),
                id="all",
                on_click=confirm_all,
                when="can_confirm",
            ),
            ui.Cancel(ui.Tr(BACK, html=False), id="back"),
            getter=term_getter,
            state=TermSG.sheet,
        ),
        reason_screen(
            ui,
            ui.Tr(
                "The period is over. A change now keeps the old value and needs a reason. "
                "Send the reason as a message."
            ),
            TermSG.reason,
        ),
        Screen(
            ui,
            ui.Raw("early_html"),
            ui.Button(ui.Tr("✅ Yes, now", html=False), id="early", on_click=early_yes),
            ui.Button(ui.Tr(BACK, html=False), id="notyet", on_click=early_no),
            getter=early_getter,
            state=TermSG.early,
        ),
        on_start=remember_day,
    )
