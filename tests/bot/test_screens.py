"""The rest of a teacher's screens through the fake Telegram, and Telegram's limits."""

from __future__ import annotations

import datetime as dt

from domain.journal import Attendance, RemarkTone
from domain.people import PersonKind
from fakegram import FakeUser
from tests.bot.conftest import MSK, Harness
from tests.bot.helpers import all_callback_data, press_in_row


async def test_a_class_of_35_with_a_name_like_html(harness: Harness) -> None:
    h = harness
    h.clock.moment = dt.datetime(2026, 11, 16, 10, 40, tzinfo=MSK)
    teacher = h.user(5001, "Анна", language="en")
    await teacher.start(await h.code(PersonKind.STAFF, "T1"))
    await teacher.press("3. 8Б · Математика")
    assert "35 pupils" in teacher.screen().text
    await teacher.press("Attendance")
    screen = teacher.screen()
    labels = [label for row in screen.buttons for label in row]
    assert "Абрамов <b>Иван</b>" in labels  # a button shows the name literally
    assert len(labels) <= 100
    await teacher.press("Абрамов <b>Иван</b>")
    await teacher.press("Зуев")  # the 35th pupil
    await teacher.press("Back")  # leaving the register saves it
    assert "absent 2" in teacher.screen().text
    await teacher.press("Marks")
    marks = teacher.screen()
    assert "1/4" in [b for row in marks.buttons for b in row]  # 35 pupils: four pages
    await press_in_row(teacher, "Абрамов <b>Иван</b>", "5")
    assert "Абрамов <b>Иван</b> is absent from this lesson" in teacher.screen().text
    await teacher.press("Give 5")
    await teacher.press("▶")
    await teacher.press("▶")
    await teacher.press("▶")
    await press_in_row(teacher, "Яковлев", "4")  # the last of 35, alphabetically
    assert "Marks given: 2" in teacher.screen().text
    await teacher.press("Яковлев")
    await teacher.press("Back")
    await teacher.press("▶")  # already the last page: stays
    await teacher.press("Back")
    await teacher.press("To the guardians")
    await teacher.press("Абрамов <b>Иван</b>")
    await teacher.press("Concern")
    await teacher.send("Нет тетради")
    async with h.make_uow() as uow:
        pupils = await uow.people.pupils(h.school_id, [h.pupils["B0"]])
    assert pupils[0].first_name == "<b>Иван</b>"
    assert all(len(d.encode()) <= 64 for d in all_callback_data(teacher))
    assert all(len(m.text) <= 4096 for m in teacher.bot_messages())


async def test_the_register_is_saved_on_leaving_it(harness: Harness) -> None:
    h = harness
    h.clock.moment = dt.datetime(2026, 11, 16, 10, 40, tzinfo=MSK)
    teacher = h.user(5001, "Анна", language="en")
    await teacher.start(await h.code(PersonKind.STAFF, "T1"))
    await teacher.press("1. 7А · Математика")
    await teacher.press("Attendance")
    assert "Saved when you leave this screen" in teacher.screen().text
    assert not [b for row in teacher.screen().buttons for b in row if "Save" in b]
    await teacher.press("Абрамов Анна")
    await teacher.press("Back")  # no save button: going back keeps the register
    assert teacher.last_alert() == "Attendance saved"
    assert "absent 1, late 0" in teacher.screen().text
    await teacher.send("/menu")
    await teacher.press("3. 8Б · Математика")
    await teacher.press("Attendance")
    await teacher.press("Back")  # everybody came: leaving records that
    assert "Attendance: 35 pupils, absent 0, late 0" in teacher.screen().text
    async with h.make_uow() as uow:
        lessons = {
            x.lesson_number: x
            for x in await uow.journal.lessons_on(h.school_id, dt.date(2026, 11, 16))
        }
        rows = await uow.journal.attendance([lessons[1].id, lessons[3].id])
    assert [(a.lesson_id, a.pupil_id, a.status) for a in rows] == [
        (lessons[1].id, h.pupils["A0"], Attendance.ABSENT)
    ]
    assert lessons[1].attendance_taken and lessons[3].attendance_taken


async def test_html_name_in_message_text_is_shown_literally(harness: Harness) -> None:
    h = harness
    h.clock.moment = dt.datetime(2026, 11, 16, 10, 40, tzinfo=MSK)
    teacher = h.user(5001, "Анна", language="en")
    await teacher.start(await h.code(PersonKind.STAFF, "T1"))
    await teacher.press("3. 8Б · Математика")
    await teacher.press("Marks")
    await teacher.press("Устный ответ")
    await press_in_row(teacher, "Абрамов <b>Иван</b>", "5")
    await teacher.press("Абрамов <b>Иван</b>")
    screen = teacher.screen()
    assert "Абрамов <b>Иван</b>" in screen.text  # the text a user sees
    assert screen.entity_texts("bold") == ["Абрамов <b>Иван</b>", "5"]


async def test_reason_is_asked_after_the_entry_window(harness: Harness) -> None:
    h = harness
    h.clock.moment = dt.datetime(2026, 11, 16, 8, 40, tzinfo=MSK)
    teacher = h.user(5001, "Анна", language="en")
    await teacher.start(await h.code(PersonKind.STAFF, "T1"))
    await teacher.press("1. 7А · Математика")
    await teacher.press("Marks")
    await teacher.press("Устный ответ")
    await press_in_row(teacher, "Абрамов", "4")
    # Three days later the teacher corrects the mark from Past lessons.
    h.clock.moment = dt.datetime(2026, 11, 19, 9, 0, tzinfo=MSK)
    await teacher.send("/menu")
    await teacher.press("Past lessons")
    await teacher.press("7А · Математика")
    await teacher.press("Mon 16.11, 1")
    await teacher.press("Marks")
    await teacher.press("Устный ответ")
    await press_in_row(teacher, "Абрамов", "5")
    assert "needs a reason" in teacher.screen().text
    replies = await teacher.send("Перепутала строки")
    assert any("Saved with the reason: Перепутала строки" in r.text for r in replies)
    assert "[5]" in [b for row in teacher.screen().buttons for b in row]
    async with h.make_uow() as uow:
        lesson = next(
            x
            for x in await uow.journal.lessons_on(h.school_id, dt.date(2026, 11, 16))
            if x.lesson_number == 1
        )
        [mark] = await uow.journal.marks([lesson.id])
        trail = await uow.journal.audit_of("mark", mark.id)
    assert mark.value == "5"
    assert [(a.old_value, a.new_value, a.reason, a.late) for a in trail][-1] == (
        "4",
        "5",
        "Перепутала строки",
        True,
    )
    # Cancelling a late change keeps the mark.
    await press_in_row(teacher, "Абрамов", "3")
    await teacher.press("Cancel the change")
    assert "[5]" in [b for row in teacher.screen().buttons for b in row]


async def test_substitution_through_the_bot(harness: Harness) -> None:
    h = harness
    h.clock.moment = dt.datetime(2026, 11, 16, 11, 30, tzinfo=MSK)
    deputy = h.user(5002, "Борис", language="en")
    await deputy.start(await h.code(PersonKind.STAFF, "T2"))
    teacher = h.user(5001, "Анна", language="en")
    await teacher.start(await h.code(PersonKind.STAFF, "T1"))
    await teacher.press("I am substituting")
    await teacher.press("4. 11:35 7А · Физика")
    card = teacher.screen().text
    assert "7А · Физика" in card and "Substitution for Петров Б. И." in card
    await teacher.send("/menu")
    assert "7А · Физика (substitution)" in teacher.screen().text


async def test_term_marks_through_the_bot(harness: Harness) -> None:
    h = harness
    h.clock.moment = dt.datetime(2026, 11, 16, 8, 40, tzinfo=MSK)
    teacher = h.user(5001, "Анна", language="en")
    await teacher.start(await h.code(PersonKind.STAFF, "T1"))
    await teacher.press("1. 7А · Математика")
    await teacher.press("Marks")
    await teacher.press("Other kinds")
    await teacher.press("Контрольная работа")
    await press_in_row(teacher, "Абрамов", "4")
    await teacher.send("/menu")
    await teacher.press("Term marks")
    await teacher.press("7А · Математика")
    sheet = teacher.screen()
    assert "II четверть" in sheet.text and "Абрамов Анна: 4.00 (1!) → 4" in sheet.text
    # One mark is too few for the bulk confirmation, and the others have none yet.
    assert not any("Confirm the suggested" in b for row in sheet.buttons for b in row)
    await press_in_row(teacher, "Абрамов", "·4·")  # the suggestion
    assert "ends on 28.12.2026" in teacher.screen().text  # six weeks early: asked once more
    await teacher.press("Yes, now")
    assert teacher.last_alert() == "Term mark 4 saved"
    assert "→ 4 ✅ 4" in teacher.screen().text
    await press_in_row(teacher, "Абрамов", "5")  # the teacher overrides the suggestion
    assert "→ 4 ✅ 5" in teacher.screen().text


async def test_help_language_and_commands(harness: Harness) -> None:
    h = harness
    stranger = h.user(6001, "Гость")
    await stranger.start()
    assert "электронный журнал" in stranger.screen().text
    await stranger.send("/help")
    assert "Помощь" in stranger.screen().text
    await stranger.send("короткий")
    assert "Не понял" in stranger.bot_messages()[-2].text
    commands = {c["command"] for c in h.server.commands()}
    assert commands == {"menu", "help", "lang", "start"}
    assert h.server.commands(language_code="en")[0]["description"].startswith("main menu")
    teacher = await h.teacher()
    await teacher.send("/lang")
    await teacher.press("English")
    assert "Today, Mon 16.11:" in teacher.screen().text  # the menu now speaks English
    visible = h.server.visible_commands(5001)
    assert visible[0]["description"].startswith("main menu")


async def test_joining_by_code_and_wrong_codes(harness: Harness) -> None:
    h = harness
    parent = h.user(7001, "Мария")
    await parent.start("wrong-code-wrong-code")
    assert "не действует" in parent.bot_messages()[-2].text
    code = await h.code(PersonKind.GUARDIAN, "GA3")
    await parent.send(code)  # a code pasted as text works too
    assert "Галкина Глеб" in parent.screen().text
    other = h.user(7002, "Пётр")
    await other.start(code)  # used: refused without saying so
    assert "не действует" in other.bot_messages()[-2].text


async def test_a_word_typed_before_praise_or_concern_is_kept(harness: Harness) -> None:
    h = harness
    h.clock.moment = dt.datetime(2026, 11, 16, 8, 40, tzinfo=MSK)
    teacher = h.user(5001, "Анна", language="en")
    await teacher.start(await h.code(PersonKind.STAFF, "T1"))
    await teacher.press("1. 7А · Математика")
    await teacher.press("To the guardians")
    await teacher.press("Белова Борис")
    assert "Praise or concern?" in teacher.screen().text
    await teacher.send("Забыл тетрадь второй раз")  # typed before choosing the kind
    screen = teacher.screen().text
    assert "Praise or concern?" in screen and "Забыл тетрадь второй раз" in screen, screen
    replies = await teacher.press("Concern")  # no second request for the text
    assert not [r for r in replies if "Send the text" in (r.text or "")]
    assert any("will reach the pupil's guardians" in (r.text or "") for r in replies)
    assert "7А · Математика" in teacher.screen().text  # back on the card
    # The next word starts afresh: the kept text went with the first one.
    await teacher.press("To the guardians")
    await teacher.press("Абрамов Анна")
    assert "Забыл тетрадь" not in teacher.screen().text
    await teacher.press("Praise")
    assert "Send the text for the guardians." in teacher.screen().text
    await teacher.send("Отличный доклад")
    async with h.make_uow() as uow:
        remarks = await uow.family.remarks_of_pupils(
            h.school_id, [h.pupils["A0"], h.pupils["A1"]], dt.datetime(2026, 11, 1, tzinfo=MSK)
        )
    assert sorted((r.pupil_id, r.tone, r.text) for r in remarks) == [
        (h.pupils["A0"], RemarkTone.PRAISE, "Отличный доклад"),
        (h.pupils["A1"], RemarkTone.CONCERN, "Забыл тетрадь второй раз"),
    ]


async def test_a_mark_for_an_absent_pupil_is_asked_about_first(harness: Harness) -> None:
    h = harness
    h.clock.moment = dt.datetime(2026, 11, 16, 8, 40, tzinfo=MSK)
    teacher = h.user(5001, "Анна", language="en")
    await teacher.start(await h.code(PersonKind.STAFF, "T1"))
    await teacher.press("1. 7А · Математика")
    await teacher.press("Attendance")
    await teacher.press("Абрамов Анна")
    await teacher.press("Белова Борис")
    await teacher.press("Marks")

    async def stored() -> list[tuple[int, str]]:
        async with h.make_uow() as uow:
            [lesson] = [
                x
                for x in await uow.journal.lessons_on(h.school_id, dt.date(2026, 11, 16))
                if x.lesson_number == 1
            ]
            return sorted((m.pupil_id, m.value) for m in await uow.journal.marks([lesson.id]))

    await press_in_row(teacher, "Абрамов Анна", "5")
    warning = teacher.screen()
    assert "Абрамов Анна is absent from this lesson (Н). Give 5 anyway?" in warning.text
    assert await stored() == []  # nothing until confirmed
    await teacher.press("Give 5")
    assert teacher.last_alert() == "Mark 5 saved"
    assert "[5]" in row_of(teacher, "Абрамов Анна")
    assert await stored() == [(h.pupils["A0"], "5")]
    await press_in_row(teacher, "Абрамов Анна", "[5]")  # the same mark again: nothing to ask
    assert "Marks given: 1" in teacher.screen().text

    await press_in_row(teacher, "Белова Борис", "4")
    assert "Give 4 anyway?" in teacher.screen().text
    await teacher.press("No mark")
    assert "Marks given: 1" in teacher.screen().text
    assert "[4]" not in row_of(teacher, "Белова Борис")
    assert await stored() == [(h.pupils["A0"], "5")]
    await press_in_row(teacher, "Васильев Вера", "3")  # present: one tap, as ever
    assert teacher.last_alert() == "Mark 3 saved"
    assert await stored() == sorted([(h.pupils["A0"], "5"), (h.pupils["A2"], "3")])


def row_of(user: FakeUser, name: str) -> list[str]:
    rows = user.screen().buttons
    index = next(i for i, r in enumerate(rows) if r[0].startswith(name))
    return rows[index + 1]


async def test_a_late_change_for_an_absent_pupil_asks_both(harness: Harness) -> None:
    h = harness
    h.clock.moment = dt.datetime(2026, 11, 16, 8, 40, tzinfo=MSK)
    teacher = h.user(5001, "Анна", language="en")
    await teacher.start(await h.code(PersonKind.STAFF, "T1"))
    await teacher.press("1. 7А · Математика")
    await teacher.press("Attendance")
    await teacher.press("Абрамов Анна")
    await teacher.press("Marks")
    await press_in_row(teacher, "Абрамов Анна", "4")
    await teacher.press("Give 4")
    h.clock.moment = dt.datetime(2026, 11, 19, 9, 0, tzinfo=MSK)
    await teacher.send("/menu")
    await teacher.press("Past lessons")
    await teacher.press("7А · Математика")
    await teacher.press("Mon 16.11, 1")
    await teacher.press("Marks")
    await press_in_row(teacher, "Абрамов Анна", "5")
    assert "Give 5 anyway?" in teacher.screen().text
    await teacher.press("Give 5")
    assert "needs a reason" in teacher.screen().text
    await teacher.send("Перепутала строки")
    assert "[5]" in row_of(teacher, "Абрамов Анна")  # back on the grid, the mark changed
    async with h.make_uow() as uow:
        lesson = next(
            x
            for x in await uow.journal.lessons_on(h.school_id, dt.date(2026, 11, 16))
            if x.lesson_number == 1
        )
        [mark] = await uow.journal.marks([lesson.id])
    assert (mark.pupil_id, mark.value) == (h.pupils["A0"], "5")
