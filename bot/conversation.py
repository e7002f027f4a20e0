"""What the bot answers outside the screens, written once for every messenger: joining by an
invitation, the commands, the buttons under notices (sent from the outbox), refusals and
errors. Each adapter registers these on its own router (`bot/handlers.py` for Telegram,
`bot/max/routes.py` for MAX) and answers through its kit; the parameters are named as both
frameworks inject them (`journal`, `user`, `dialog_manager`)."""

from __future__ import annotations

import logging
import re

from bot.context import Ctx
from bot.dialogs.common import start_fresh
from bot.kit import DialogManager, Incoming, Press, esc, kit_of
from bot.states import MenuSG
from domain.clock import school_time
from domain.errors import Gone, JournalError
from domain.ids import StaleInput
from domain.intents import (
    AcknowledgeTermMarks,
    ContactClassTeacher,
    RemindTeacher,
    SetAbsenceReason,
)
from domain.usecases.accounts import MessengerUser, redeem_invitation
from domain.usecases.schools import actor_school
from locales import N_, Translator, translator
from scheduler.render import label_text

log = logging.getLogger(__name__)

CODE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
"""What an invitation code looks like (sent as text, or as a deep link's start payload)."""

OUT_OF_DATE = N_("This screen is out of date; here is a fresh menu.")
CRASHED = N_("Something went wrong on our side; what you saved is kept. Try again or open /menu.")


def roles_of(journal: Ctx) -> str:
    actor, t = journal.actor, journal.t
    roles = []
    if actor.is_teacher:
        roles.append(t("teacher"))
    if actor.is_class_teacher:
        roles.append(t("class teacher"))
    if actor.is_deputy:
        roles.append(t("deputy head"))
    if actor.is_guardian:
        roles.append(t("guardian of {names}", names=", ".join(p.full_name for p in actor.children)))
    if actor.is_pupil:
        roles.append(t("pupil (read only)"))
    return "; ".join(roles)


async def join(
    event: Incoming, code: str, journal: Ctx, user: MessengerUser, dialog_manager: DialogManager
) -> None:
    kit = kit_of(dialog_manager)
    try:
        actor = await redeem_invitation(journal.uow(), user, code, journal.clock)
    except JournalError as err:
        await kit.send(event, journal.t(err.message, **err.params))
        await start_fresh(dialog_manager, MenuSG.main)
        return
    journal.actor = actor
    journal.t = translator(actor.language)
    roles = esc(roles_of(journal))
    await kit.send(event, journal.t("Welcome! You are in the journal as: {roles}.", roles=roles))
    await start_fresh(dialog_manager, MenuSG.main)


async def menu(event: Incoming, dialog_manager: DialogManager) -> None:
    await start_fresh(dialog_manager, MenuSG.main)


async def language(event: Incoming, dialog_manager: DialogManager) -> None:
    await start_fresh(dialog_manager, MenuSG.language)


async def help_command(event: Incoming, journal: Ctx, dialog_manager: DialogManager) -> None:
    t = journal.t
    contacts = ""
    if journal.actor.school_id is not None:
        school = await actor_school(journal.uow(), journal.actor.school_id)
        if school and school.help_contacts:
            contacts = esc(school.help_contacts)
    lines = [
        t("<b>Help</b>"),
        t("/menu — the main menu; a teacher sees today's lessons there."),
        t(
            "A lesson: tap it, then «Attendance», «Marks», «Topic», «Homework». Entries after the "
            "entry window need a reason and are kept with the old value."
        ),
        t("To join, open the invitation link from the school or send its code here."),
        t("Help at the school: {contacts}", contacts=contacts or t("ask the school's secretary")),
    ]
    await kit_of(dialog_manager).send(event, "\n\n".join(lines))


async def text_outside_dialogs(
    event: Incoming, journal: Ctx, user: MessengerUser, dialog_manager: DialogManager
) -> None:
    kit = kit_of(dialog_manager)
    text = kit.text_of(event).strip()
    if not journal.actor.known and CODE.match(text):
        await join(event, text, journal, user, dialog_manager)
        return
    await kit.send(event, journal.t("I did not understand that; here is the menu."))
    await start_fresh(dialog_manager, MenuSG.main)


async def anything_else(event: Incoming, journal: Ctx, dialog_manager: DialogManager) -> None:
    hint = journal.t("I understand text and buttons; open /menu.")
    await kit_of(dialog_manager).send(event, hint)


async def unknown_button(event: Press, journal: Ctx, dialog_manager: DialogManager) -> None:
    """A button no screen knows: a forged or very old one. Refuse and show the menu."""
    await kit_of(dialog_manager).toast(event, journal.t(OUT_OF_DATE), alert=True)
    await start_fresh(dialog_manager, MenuSG.main)


async def refuse(
    event: Press, journal: Ctx, dialog_manager: DialogManager, err: JournalError
) -> None:
    """A refused button under a notice: its reason, or for data that does not parse (forged,
    from an old screen, a row that is gone) an out-of-date screen and a fresh menu."""
    if isinstance(err, Gone):
        await unknown_button(event, journal, dialog_manager)
        return
    await kit_of(dialog_manager).toast(event, journal.refusal(err), alert=True)


async def acknowledge(event: Press, journal: Ctx, dialog_manager: DialogManager) -> None:
    """The «I have seen them» button under a term-marks message (sent from the outbox)."""
    from domain.usecases.diary import acknowledge_term_marks

    kit = kit_of(dialog_manager)
    try:
        ack_id = kit.intent_of(event, AcknowledgeTermMarks).ack_id
        ack = await acknowledge_term_marks(journal.uow(), journal.actor, ack_id, journal.clock)
    except JournalError as err:
        await refuse(event, journal, dialog_manager, err)
        return
    when = ""
    if ack.acknowledged_at is not None:  # as the school's clocks showed it, not in UTC
        when = f"{school_time(ack.acknowledged_at, journal.actor.timezone):%d.%m.%Y %H:%M}"
    await kit.toast(event, journal.t("Thank you: confirmed {when}.", when=when), alert=True)
    await kit.set_buttons(event, [])


async def register_button(event: Press, journal: Ctx, dialog_manager: DialogManager) -> None:
    """Б / У / Н under the class teacher's absence prompt (a message from the outbox)."""
    from domain.usecases.class_teacher import (
        absence_register,
        register_buttons,
        set_absence_reason,
    )

    kit, t, uow = kit_of(dialog_manager), journal.t, journal.uow
    try:
        intent = kit.intent_of(event, SetAbsenceReason)
        class_id, day, pupil_id, code = intent.class_id, intent.day, intent.pupil_id, intent.reason
        if code is None:
            register = await absence_register(uow(), journal.actor, class_id, day)
            line = next((x for x in register.lines if x.pupil_id == pupil_id), None)
            if line is None:
                raise StaleInput()
            await kit.toast(event, f"{line.name}: {', '.join(line.missed)}", alert=True)
            return
        await set_absence_reason(uow(), journal.actor, class_id, pupil_id, day, code, journal.clock)
        register = await absence_register(uow(), journal.actor, class_id, day)
    except JournalError as err:
        await refuse(event, journal, dialog_manager, err)
        return
    await kit.toast(event, t("Reason {code} saved", code=code.value))
    rows = [
        [(label_text(t, text, kit.label_limit), kit.encode(data)) for text, data in row]
        for row in register_buttons(register)
    ]
    await kit.set_buttons(event, rows)


async def remind_button(event: Press, journal: Ctx, dialog_manager: DialogManager) -> None:
    """«Remind» under the deputy's morning summary: the teacher gets what is overdue as of the
    press; when nothing is any more, the deputy is told so and the button goes."""
    from domain.usecases.control import remind_teacher

    kit, t = kit_of(dialog_manager), journal.t
    try:
        teacher_id = kit.intent_of(event, RemindTeacher).teacher_id
        count = await remind_teacher(journal.uow(), journal.actor, teacher_id, journal.clock)
    except JournalError as err:
        await refuse(event, journal, dialog_manager, err)
        return
    if count:
        await kit.toast(event, t("Reminder sent ({count} overdue).", count=count), alert=True)
        return
    await kit.toast(event, t("Nothing is overdue now: no reminder sent."), alert=True)
    pressed = kit.payload_of(event)
    rows = [[b for b in row if b[1] != pressed] for row in kit.buttons_of(event)]
    await kit.set_buttons(event, [row for row in rows if row])


async def contact_button(event: Press, journal: Ctx, dialog_manager: DialogManager) -> None:
    """«Contact the class teacher» under a digest with a teacher's word."""
    from domain.usecases.diary import class_teacher_contact

    kit, t = kit_of(dialog_manager), journal.t
    try:
        pupil_id = kit.intent_of(event, ContactClassTeacher).pupil_id
        contact = await class_teacher_contact(journal.uow(), journal.actor, pupil_id, journal.clock)
    except JournalError as err:
        await refuse(event, journal, dialog_manager, err)
        return
    if contact.teacher:
        who = t(
            "<b>Class teacher of {cls}</b>: {name}",
            cls=esc(contact.class_name),
            name=esc(contact.teacher),
        )
    else:
        who = t("The class has no class teacher in the journal.")
    contacts = esc(contact.school_contacts) or t("ask the school's secretary")
    soon = t(
        "Replies to teachers in the bot are coming; until then, the school's contacts: {contacts}",
        contacts=contacts,
    )
    await kit.toast(event)
    await kit.send(event, f"{who}\n{soon}")


def answer_to_error(err: BaseException, t: Translator, stale: tuple[type[Exception], ...]) -> str:
    """What a person is told when their update ended in `err` (an outage is answered before,
    by the adapter): a stale screen, a refusal's reason, or that something went wrong (the
    log gets the details, never the person)."""
    if isinstance(err, stale) or isinstance(err, Gone):
        return t(OUT_OF_DATE)
    if isinstance(err, JournalError):
        return t(err.message, **err.params)
    return t(CRASHED)


def ends_in_menu(err: BaseException, stale: tuple[type[Exception], ...]) -> bool:
    """After a stale screen or a refusal a fresh menu follows; after a crash nothing more is
    tried (the menu might fail the same way)."""
    return isinstance(err, stale) or isinstance(err, JournalError)
