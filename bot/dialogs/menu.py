"""The main menu: every role the person has, and for a teacher, today's lessons right away."""

from __future__ import annotations

from typing import Any

from bot.dialogs.common import (
    Screen,
    ctx_of,
    guarded,
    remember_day,
    reply,
    school_today,
    show_as_new,
    start_fresh,
    text_of,
    toast,
)
from bot.kit import DialogManager, Incoming, Kit, Press, kit_of
from bot.states import (
    ClassSG,
    ControlSG,
    CoursesSG,
    DiarySG,
    LessonSG,
    MenuSG,
    RemarksSG,
    SubstituteSG,
)
from bot.texts import esc, label
from domain.ids import parse_id
from domain.journal import LessonState
from domain.usecases.accounts import set_language
from domain.usecases.journal_remarks import remarks_summary
from domain.usecases.teaching import LessonView, lesson_card, todays_lessons
from locales import N_, translator

LANGUAGES = (("ru", "Русский"), ("en", "English"))  # each in its own language, for anyone
WEEKDAYS = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))

STATE_TEXT = {
    LessonState.ATTENDANCE_MISSING: N_("attendance"),
    LessonState.TOPIC_MISSING: N_("topic"),
    LessonState.HOMEWORK_MISSING: N_("homework"),
}


def state_icon(view: LessonView) -> str:
    return "✅" if view.state == [LessonState.DONE] else "⚠️"


def missing_text(t: Any, view: LessonView) -> str:
    if view.state == [LessonState.DONE]:
        return t("done")
    return t("missing: {what}", what=", ".join(t(STATE_TEXT[s]) for s in view.state))


def lesson_time(view: LessonView) -> str:
    return view.starts.strftime("%H:%M") if view.starts else ""


async def menu_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    ctx = ctx_of(dialog_manager)
    t, actor = ctx.t, ctx.actor
    lines: list[str] = []
    lessons: list[tuple[int, str]] = []
    if not actor.known:
        lines.append(
            t(
                "This is the school's electronic journal. To sign in, open the "
                "invitation link the school gave you, or send the code from it."
            )
        )
    else:
        name = (
            actor.staff.full_name
            if actor.staff
            else (
                actor.guardian.full_name
                if actor.guardian
                else actor.pupil.full_name
                if actor.pupil
                else ""
            )
        )
        lines.append(t("<b>{name}</b>", name=esc(name)))
    if actor.is_teacher:
        today = await school_today(dialog_manager)
        views = await todays_lessons(ctx.uow(), actor, ctx.clock)
        day = f"{t(WEEKDAYS[today.weekday()])} {today.strftime('%d.%m')}"
        if views:
            lines.append(t("<b>Today, {day}:</b>", day=day))
            for v in views:
                sub = " " + t("(substitution)") if v.is_substitution else ""
                lines.append(
                    f"{state_icon(v)} {v.lesson.lesson_number}. {lesson_time(v)} "
                    f"{esc(v.title)}{esc(sub)} — {esc(missing_text(t, v))}"
                )
                lessons.append(
                    # a lesson of the day's view is stored, so its id is set
                    (v.lesson.id, label(f"{state_icon(v)} {v.lesson.lesson_number}. {v.title}"))  # type: ignore[arg-type]
                )
        else:
            lines.append(t("No lessons of yours today ({day}).", day=day))
    if actor.is_class_teacher:
        names = ", ".join(esc(c.name) for c in actor.class_teacher_of)
        lines.append(t("Class teacher of {classes}.", classes=names))
    if actor.is_guardian:
        kids = ", ".join(esc(p.full_name) for p in actor.children)
        lines.append(t("Your children in the journal: {names}.", names=kids))
    if actor.is_pupil:
        lines.append(t("You can read your journal here (pupils only read)."))
    remarks = await remarks_summary(ctx.uow(), actor)
    remarks_label = (
        t("📝 Remarks to teachers")
        if actor.is_deputy
        else t("📝 Remarks to me ({count} open)", count=remarks.to_me_open)
    )
    return {
        "has_remarks": actor.is_deputy or remarks.to_me > 0,
        "remarks_label": label(remarks_label),
        "menu_html": "\n".join(lines),
        "lessons": lessons,
        "is_teacher": actor.is_teacher,
        "has_diary": actor.is_guardian or actor.is_pupil,
        "has_class": actor.is_class_teacher or actor.is_deputy,
        "is_deputy": actor.is_deputy,
    }


@guarded()
async def open_lesson(callback: Press, _widget: Any, manager: DialogManager, item_id: str) -> None:
    await open_lesson_card(manager, parse_id(item_id))


async def on_menu_text(message: Incoming, _widget: Any, manager: DialogManager) -> None:
    """Text on the menu: a stranger may paste the invitation code; anything else gets a hint."""
    from bot.conversation import CODE, join

    ctx = ctx_of(manager)
    text = text_of(manager).strip()
    if not ctx.actor.known and CODE.match(text):
        await join(message, text, ctx, manager.middleware_data["user"], manager)
        return
    await reply(manager, ctx.t("I did not understand that; here is the menu."))
    show_as_new(manager)


async def refresh(callback: Press, _widget: Any, manager: DialogManager) -> None:
    manager.dialog_data["day"] = (await school_today(manager)).isoformat()


async def open_lesson_card(manager: DialogManager, lesson_id: int) -> None:
    """Check access first: a forged lesson id gets a refusal and opens nothing."""
    ctx = ctx_of(manager)
    await lesson_card(ctx.uow(), ctx.actor, lesson_id, ctx.clock)
    await manager.start(LessonSG.card, data={"lesson_id": lesson_id})


async def language_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    return {"languages": list(LANGUAGES)}


async def choose_language(
    callback: Press, _widget: Any, manager: DialogManager, item_id: str
) -> None:
    ctx = ctx_of(manager)
    await set_language(ctx.uow(), manager.middleware_data["user"], item_id, ctx.clock)
    ctx.t = translator(item_id)
    ctx.actor.account.language = item_id
    await kit_of(manager).language_changed(callback, item_id)
    await toast(
        manager, ctx.t("Language: English") if item_id == "en" else ctx.t("Language: Russian")
    )
    await manager.switch_to(MenuSG.main)


def menu_dialog(ui: Kit) -> Any:
    """A fresh dialog: one dispatcher each (tests run several)."""
    return ui.Dialog(
        Screen(
            ui,
            ui.Raw("menu_html"),
            ui.Group(
                ui.Select(
                    ui.Format("{item[1]}"),
                    id="tl",
                    item_id_getter=lambda x: x[0],
                    items="lessons",
                    on_click=open_lesson,
                ),
                width=1,
                when="is_teacher",
            ),
            ui.Row(
                ui.Start(
                    ui.Tr("🔁 I am substituting", html=False), id="sub", state=SubstituteSG.lessons
                ),
                ui.Start(
                    ui.Tr("📚 Past lessons", html=False),
                    id="past",
                    state=CoursesSG.courses,
                    data={"purpose": "past"},
                ),
                when="is_teacher",
            ),
            ui.Row(
                ui.Start(
                    ui.Tr("🏁 Term marks", html=False),
                    id="term",
                    state=CoursesSG.courses,
                    data={"purpose": "term"},
                ),
                when="is_teacher",
            ),
            ui.Start(
                ui.Tr("📔 Diary", html=False), id="diary", state=DiarySG.children, when="has_diary"
            ),
            ui.Row(
                ui.Start(
                    ui.Tr("🏫 My class", html=False),
                    id="class",
                    state=ClassSG.classes,
                    when="has_class",
                ),
                ui.Start(
                    ui.Tr("🧭 Control", html=False),
                    id="ctl",
                    state=ControlSG.figures,
                    when="is_deputy",
                ),
            ),
            ui.Start(
                ui.Format("{remarks_label}"),
                id="remarks",
                state=RemarksSG.written,
                when="has_remarks",
            ),
            ui.Row(
                ui.Button(ui.Tr("🔄 Refresh", html=False), id="refresh", on_click=refresh),
                ui.SwitchTo(ui.Tr("🌐 Language", html=False), id="lang", state=MenuSG.language),
            ),
            ui.MessageInput(on_menu_text),
            getter=menu_getter,
            state=MenuSG.main,
        ),
        Screen(
            ui,
            ui.Tr("Choose the language of the journal:"),
            ui.Column(
                ui.Select(
                    ui.Format("{item[1]}"),
                    id="lg",
                    item_id_getter=lambda x: x[0],
                    items="languages",
                    on_click=choose_language,
                ),
            ),
            getter=language_getter,
            state=MenuSG.language,
        ),
        on_start=remember_day,
    )


async def show_menu(manager: DialogManager) -> None:
    await start_fresh(manager, MenuSG.main, send=False)
