"""Every message a user can see has its Russian translation, with the same placeholders."""

from __future__ import annotations

import string

from locales import pick_language, translator
from locales.extract import messages, missing


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_message_is_translated_to_russian() -> None:
    assert len(messages()) > 50
    assert missing("ru") == {}


def test_translations_keep_placeholders() -> None:
    t = translator("ru")
    for msgid in messages():
        assert _fields(t.gettext(msgid)) == _fields(msgid), msgid


def test_language_choice() -> None:
    assert pick_language("en-GB") == "en"
    assert pick_language("uk") == "ru"
    assert pick_language(None) == "ru"
    assert translator("ru")("row {row}", row=3) == "строка 3"
    assert translator("en")("row {row}", row=3) == "row 3"


def test_plural_forms_keep_placeholders() -> None:
    from locales.extract import messages as found

    for language in ("ru", "en"):
        t = translator(language)
        for msgid in found():
            for n in (1, 2, 5, 21):
                text = t._text(msgid, {"count": n})
                assert _fields(text) == _fields(msgid), (language, msgid, n)


def test_counts_choose_the_plural_form() -> None:
    ru, en = translator("ru"), translator("en")
    msgid = "{count} more 5s ({kind}) make it {next_mark}"
    said = {n: ru(msgid, count=n, kind="устный ответ", next_mark=5) for n in (2, 8, 11, 21, 24)}
    assert said[8] == "Ещё 8 отметок «5» (устный ответ) — и выйдет 5"
    assert said[2].startswith("Ещё 2 отметки") and said[24].startswith("Ещё 24 отметки")
    assert said[11].startswith("Ещё 11 отметок") and said[21].startswith("Ещё 21 отметка ")
    cards = "Cards for {count} guardian(s) are in {path}"
    assert en(cards, count=1, path="a.pdf") == "The card for 1 guardian is in a.pdf"
    assert en(cards, count=2, path="a.pdf") == "Cards for 2 guardians are in a.pdf"
    assert ru(cards, count=5, path="a.pdf") == "Карточки для 5 представителей записаны в a.pdf"


def test_names_are_put_in_their_case_and_words_agree() -> None:
    from domain.names import PersonName

    ru, en = translator("ru"), translator("en")
    teacher = PersonName(last="Новикова", first="Татьяна", middle="Александровна")
    deputy = PersonName(last="Соколов", first="Андрей", middle="Викторович", short=True)
    remark = "Write the remark to {name} as a message (up to {limit} characters)."
    assert "для Новиковой Татьяны Александровны" in ru(remark, name=teacher, limit=10)
    assert "to Новикова Татьяна Александровна as" in en(remark, name=teacher, limit=10)
    line = "{name} ({children}): never joined the bot: print"
    assert ru(line, name=teacher, children="Оля").startswith(
        "Новикова Татьяна Александровна (Оля): не подключилась"
    )
    assert " не подключился " in ru(line, name=deputy, children="Петя")
    unknown = PersonName(last="Smith", first="Alex")  # no gender to be told: both words
    assert "подключился/подключилась" in ru(line, name=unknown, children="Петя")
    assert str(deputy) == "Соколов А. В."
    notice = "📝 A remark from the deputy head {name} about your journal, to fix by {due}:\n{text}"
    assert "Замечание завуча Соколова А. В. " in ru(notice, name=deputy, due="04.12", text="…")


def test_numbers_are_written_as_the_language_writes_them() -> None:
    from decimal import Decimal

    from locales import number

    assert number(Decimal("4.45"), "ru") == "4,45" and number(Decimal("4.45"), "en") == "4.45"
    assert number(Decimal("12.26"), "ru", 1) == "12,3" and number(Decimal(5), "en", 2) == "5.00"
    assert translator("ru")("Mean {mean}: mark {mark}", mean=Decimal("3.67"), mark="4") == (
        "Средний балл 3,67: выходит 4"
    )
    assert translator("en")("Mean {mean}: mark {mark}", mean=Decimal("3.67"), mark="4") == (
        "Mean 3.67: mark 4"
    )


def test_a_count_given_as_text_still_chooses_its_form() -> None:
    ru = translator("ru")
    msgid = "{count} more 5s ({kind}) make it {next_mark}"
    assert (
        ru(msgid, count="3", kind="тест", next_mark="5") == "Ещё 3 отметки «5» (тест) — и выйдет 5"
    )
    assert ru.gettext(msgid).startswith("Ещё {count} отметок")  # never the English msgid
