"""The fake Telegram server must behave like Telegram for a real aiogram bot.

Each test runs a real ``aiogram.Bot`` (and usually a polling ``Dispatcher``) against
``FakeTelegram`` and checks both sides: what aiogram raises and what the user sees.
"""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramRetryAfter,
    TelegramUnauthorizedError,
)
from aiogram.filters import Command, CommandStart
from aiogram.types import (
    BotCommand,
    BotCommandScopeChat,
    BufferedInputFile,
    CallbackQuery,
    ChatMemberUpdated,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from fakegram import FakeTelegram, FakeUser, FloodLimits

pytestmark = pytest.mark.asyncio

TOKEN = "123456:FAKE-token-for-tests"
USER_ID = 1001


class FastSession(AiohttpSession):
    """AiohttpSession.close() sleeps 250 ms for TLS shutdown; nothing to wait for on localhost."""

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()


def make_bot(server: FakeTelegram, token: str = TOKEN) -> Bot:
    return Bot(token, session=FastSession(api=TelegramAPIServer.from_base(server.api_url)))


@pytest.fixture
async def server() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as srv:
        srv.add_bot(TOKEN)
        yield srv


@pytest.fixture
async def bot(server: FakeTelegram) -> AsyncIterator[Bot]:
    """A bot without polling, for direct API calls to a user who has started it."""
    server.add_user(USER_ID, started=True, first_name="Анна")
    b = make_bot(server)
    yield b
    await b.session.close()


@asynccontextmanager
async def polling(
    server: FakeTelegram, router: Router, *, handle_as_tasks: bool = True, track: bool = False
) -> AsyncIterator[Bot]:
    """Run a Dispatcher polling the fake server for the duration of the block."""
    b = make_bot(server)
    dp = Dispatcher()
    dp.include_router(router)
    if track:
        server.track(dp)
    task = asyncio.create_task(
        dp.start_polling(b, handle_signals=False, handle_as_tasks=handle_as_tasks)
    )
    try:
        await server.wait_polling()
        yield b
    finally:
        await dp.stop_polling()
        await asyncio.wait_for(task, 5)
        assert not server.internal_errors, server.internal_errors


# ------------------------------------------------------------------ conversation basics


@pytest.mark.parametrize("handle_as_tasks", [False, True])
async def test_echo_roundtrip_waits_for_slow_handler(
    server: FakeTelegram, handle_as_tasks: bool
) -> None:
    router = Router()

    @router.message(F.text)
    async def echo(message: Message) -> None:
        await asyncio.sleep(0.1)  # longer than the quiet period: only a real wait passes
        await message.answer(f"<b>Эхо:</b> {message.text}", parse_mode="HTML")

    user = FakeUser(server, TOKEN, USER_ID, first_name="Анна")
    # handle_as_tasks=True confirms the update before handling; track() makes that exact.
    async with polling(server, router, handle_as_tasks=handle_as_tasks, track=handle_as_tasks):
        replies = await user.send("привет")

    assert [m.text for m in replies] == ["Эхо: привет"]
    assert replies[0].entity_texts("bold") == ["Эхо:"]
    chat = server.messages(USER_ID)
    assert [(m.from_bot, m.content) for m in chat] == [(False, "привет"), (True, "Эхо: привет")]
    assert user.taps == 1


async def test_start_payload_and_command_entity(server: FakeTelegram) -> None:
    router = Router()
    seen: list[Any] = []

    @router.message(CommandStart(deep_link=True))
    async def start(message: Message) -> None:
        seen.append(message.entities[0].type if message.entities else None)
        await message.answer(f"payload={message.text.split()[1]}")

    user = FakeUser(server, TOKEN, USER_ID)
    async with polling(server, router):
        replies = await user.start("invite42")
    assert replies[0].text == "payload=invite42"
    assert seen == ["bot_command"]


async def test_button_press_edits_message_and_answers(server: FakeTelegram) -> None:
    router = Router()

    def kb(n: int) -> InlineKeyboardMarkup:
        return InlineKeyboardMarkup(
            inline_keyboard=[
                [InlineKeyboardButton(text=f"Плюс ({n})", callback_data=f"inc:{n}")],
                [InlineKeyboardButton(text="Готово", callback_data="done")],
            ]
        )

    @router.message(Command("count"))
    async def count(message: Message) -> None:
        await message.answer("Счёт: 0", reply_markup=kb(0))

    @router.callback_query(F.data.startswith("inc:"))
    async def inc(query: CallbackQuery) -> None:
        n = int(query.data.split(":")[1]) + 1
        assert isinstance(query.message, Message)
        await query.message.edit_text(f"Счёт: {n}", reply_markup=kb(n))
        await query.answer(f"теперь {n}")

    @router.callback_query(F.data == "done")
    async def done(query: CallbackQuery) -> None:
        assert isinstance(query.message, Message)
        await query.message.edit_text("Готово")  # no reply_markup: Telegram drops the keyboard
        await query.answer("Сохранено", show_alert=True)

    user = FakeUser(server, TOKEN, USER_ID)
    async with polling(server, router):
        [menu] = await user.send("/count")
        assert menu.buttons == [["Плюс (0)"], ["Готово"]]
        [edited] = await user.press("Плюс")  # substring match
        assert edited.message_id == menu.message_id
        assert edited.text == "Счёт: 1"
        assert edited.edit_date is not None and edited.edit_count == 1
        assert user.last_alert() == "теперь 1"
        await user.press("Плюс (1)")
        assert user.screen().text == "Счёт: 2"
        await user.press("Готово")

    final = user.screen()
    assert (final.message_id, final.text, final.buttons) == (menu.message_id, "Готово", [])
    assert final.history == ["Счёт: 0", "Счёт: 1", "Счёт: 2"]
    assert user.alerts()[-1].show_alert is True
    assert user.taps == 4
    with pytest.raises(AssertionError, match="no bot message with an inline keyboard"):
        await user.press("Готово")


async def test_press_reports_missing_and_ambiguous_buttons(server: FakeTelegram) -> None:
    router = Router()

    @router.message()
    async def menu(message: Message) -> None:
        buttons = [
            InlineKeyboardButton(text="Оценки 5А", callback_data="a"),
            InlineKeyboardButton(text="Оценки 5Б", callback_data="b"),
            InlineKeyboardButton(text="Сайт", url="https://example.com"),
        ]
        await message.answer("Меню", reply_markup=InlineKeyboardMarkup(inline_keyboard=[buttons]))

    user = FakeUser(server, TOKEN, USER_ID)
    async with polling(server, router):
        await user.send("меню")
        with pytest.raises(AssertionError, match=r"2 buttons matching 'Оценки'.*Оценки 5Б"):
            await user.press("Оценки")
        with pytest.raises(AssertionError, match=r"no button matching 'Дневник'.*Сайт"):
            await user.press("Дневник")
        with pytest.raises(AssertionError, match="url button"):
            await user.press("Сайт")
    assert user.screen().callback_data == {"Оценки 5А": "a", "Оценки 5Б": "b"}


async def test_handler_sees_telegram_errors_as_aiogram_exceptions(server: FakeTelegram) -> None:
    """Over-long text, 64-byte callback data and bad HTML surface as TelegramBadRequest."""
    router = Router()
    errors: dict[str, str] = {}

    async def capture(name: str, coro: Any) -> None:
        try:
            await coro
        except TelegramBadRequest as exc:
            errors[name] = exc.message

    @router.message()
    async def handler(message: Message) -> None:
        await capture("long", message.answer("я" * 4097))
        await capture("data", message.answer("x", reply_markup=_kb("ы" * 33)))
        await capture("html", message.answer("2 < 3", parse_mode="HTML"))
        await message.answer("done")

    user = FakeUser(server, TOKEN, USER_ID)
    async with polling(server, router):
        replies = await user.send("go")
    assert errors == {
        "long": "Bad Request: message is too long",
        "data": "Bad Request: BUTTON_DATA_INVALID",
        "html": 'Bad Request: can\'t parse entities: Unsupported start tag "" at byte offset 2',
    }
    assert [m.text for m in replies] == ["done"]


def _kb(data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="b", callback_data=data)]]
    )


# ------------------------------------------------------------------ limits and parsing


async def test_text_limits_count_after_entity_parsing(bot: Bot) -> None:
    ok = await bot.send_message(USER_ID, "<b>" + "я" * 4096 + "</b>", parse_mode="HTML")
    assert len(ok.text) == 4096 and ok.entities[0].type == "bold"
    assert len((await bot.send_message(USER_ID, "😀" * 4096)).text) == 4096
    for text, parse_mode, error in [
        ("я" * 4097, None, "message is too long"),
        ("&amp;" * 4097, "HTML", "message is too long"),
        ("", None, "message text is empty"),
        ("  \n ", None, "message text is empty"),
        ("<b></b>", "HTML", "message text is empty"),
    ]:
        with pytest.raises(TelegramBadRequest) as exc_info:
            await bot.send_message(USER_ID, text, parse_mode=parse_mode)
        assert exc_info.value.message == f"Bad Request: {error}"
    doc = BufferedInputFile(b"x", "a.txt")
    with pytest.raises(TelegramBadRequest, match="message caption is too long"):
        await bot.send_document(USER_ID, doc, caption="c" * 1025)


async def test_html_entities_and_parse_errors(server: FakeTelegram, bot: Bot) -> None:
    sent = await bot.send_message(
        USER_ID,
        "  <b>Итог</b> &lt;5&gt; &amp; <i>хорошо</i> &#128512; <a href='https://e.com'>тут</a>\n",
        parse_mode="HTML",
    )
    assert sent.text == "Итог <5> & хорошо 😀 тут"
    [stored] = server.messages(USER_ID)
    assert stored.entity_texts("bold") == ["Итог"]
    assert stored.entity_texts("italic") == ["хорошо"]
    assert stored.entity_texts("text_link") == ["тут"]
    assert [e["url"] for e in stored.entities if e["type"] == "text_link"] == ["https://e.com/"]
    for text, error in [
        ("<br>", 'Unsupported start tag "br" at byte offset 0'),
        ("<b>open", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("x <", "Unclosed start tag at byte offset 2"),
        ('<span class="x">s</span>', 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
    ]:
        with pytest.raises(TelegramBadRequest) as exc_info:
            await bot.send_message(USER_ID, text, parse_mode="HTML")
        assert exc_info.value.message == f"Bad Request: can't parse entities: {error}"
    plain = await bot.send_message(USER_ID, "2 < 3 <b>")  # no parse_mode: taken literally
    assert plain.text == "2 < 3 <b>"


async def test_markdown_v2_reserved_characters(bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match=r"Character '\.' is reserved"):
        await bot.send_message(USER_ID, "Оценка 5.", parse_mode="MarkdownV2")
    msg = await bot.send_message(USER_ID, r"*Оценка* 5\.", parse_mode="MarkdownV2")
    assert msg.text == "Оценка 5." and msg.entities[0].type == "bold"


async def test_inline_keyboard_validation(bot: Bot) -> None:
    await bot.send_message(USER_ID, "ok", reply_markup=_kb("d" * 64))
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(USER_ID, "x", reply_markup=_kb("d" * 65))
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(USER_ID, "x", reply_markup=_kb(""))
    too_many = InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=str(i), callback_data=str(i)) for i in range(10)]
            for _ in range(11)
        ]
    )
    with pytest.raises(TelegramBadRequest, match="reply markup is too long"):
        await bot.send_message(USER_ID, "x", reply_markup=too_many)
    bare = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="just text")]])
    with pytest.raises(TelegramBadRequest, match="Text buttons are unallowed"):
        await bot.send_message(USER_ID, "x", reply_markup=bare)


async def test_edit_errors(server: FakeTelegram, bot: Bot) -> None:
    markup = _kb("a")
    msg = await bot.send_message(USER_ID, "текст", reply_markup=markup)
    with pytest.raises(TelegramBadRequest) as exc_info:
        await bot.edit_message_text(
            "текст", chat_id=USER_ID, message_id=msg.message_id, reply_markup=markup
        )
    assert exc_info.value.message == (
        "Bad Request: message is not modified: specified new message content and reply markup "
        "are exactly the same as a current content and reply markup of the message"
    )
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_reply_markup(
            chat_id=USER_ID, message_id=msg.message_id, reply_markup=markup
        )
    # Same text without reply_markup is a change: the keyboard goes away.
    edited = await bot.edit_message_text("текст", chat_id=USER_ID, message_id=msg.message_id)
    assert edited.reply_markup is None and edited.message_id == msg.message_id
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("x", chat_id=USER_ID, message_id=999)
    user_msg_update = server.user_sends_text(USER_ID, "от пользователя")
    assert user_msg_update is not None
    user_msg = server.messages(USER_ID)[-1]
    with pytest.raises(TelegramBadRequest, match="message can't be edited"):
        await bot.edit_message_text("x", chat_id=USER_ID, message_id=user_msg.message_id)
    with pytest.raises(TelegramBadRequest, match="there is no caption in the message to edit"):
        await bot.edit_message_caption(chat_id=USER_ID, message_id=msg.message_id, caption="c")
    assert await bot.delete_message(USER_ID, msg.message_id) is True
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(USER_ID, msg.message_id)
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("y", chat_id=USER_ID, message_id=msg.message_id)
    assert server.messages(USER_ID)[0].deleted is True


async def test_callback_query_answers(server: FakeTelegram, bot: Bot) -> None:
    msg = await bot.send_message(USER_ID, "q", reply_markup=_kb("a"))
    server.user_presses(USER_ID, msg.message_id, "a")
    [query_id] = list(server._bot(None).queries)  # the update is not consumed here
    with pytest.raises(TelegramBadRequest, match="MESSAGE_TOO_LONG"):
        await bot.answer_callback_query(query_id, text="x" * 201)
    assert await bot.answer_callback_query(query_id, text="ок") is True
    with pytest.raises(TelegramBadRequest, match="query is too old and response timeout expired"):
        await bot.answer_callback_query(query_id)
    with pytest.raises(TelegramBadRequest, match="query ID is invalid"):
        await bot.answer_callback_query("12345")
    server.user_presses(USER_ID, msg.message_id, "a")
    late = list(server._bot(None).queries)[-1]
    server.advance(16)
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(late)
    assert [a.text for a in server.callback_answers(USER_ID)] == ["ок"]


# ------------------------------------------------------------------ users and chats


async def test_blocked_user_and_unknown_chat(server: FakeTelegram) -> None:
    router = Router()
    statuses: list[str] = []

    @router.my_chat_member()
    async def member(event: ChatMemberUpdated) -> None:
        statuses.append(event.new_chat_member.status)

    @router.message()
    async def hello(message: Message) -> None:
        await message.answer("привет")

    user = FakeUser(server, TOKEN, USER_ID)
    async with polling(server, router) as b:
        await user.send("hi")
        await user.block()
        with pytest.raises(TelegramForbiddenError) as exc_info:
            await b.send_message(USER_ID, "новости")
        assert exc_info.value.message == "Forbidden: bot was blocked by the user"
        with pytest.raises(TelegramBadRequest) as not_found:
            await b.send_message(424242, "кто это?")
        assert not_found.value.message == "Bad Request: chat not found"
        await user.send("/start")  # Restart unblocks the bot
        assert statuses == ["kicked", "member"]
        assert user.screen().text == "привет"


async def test_reply_keyboard_press_and_remove(server: FakeTelegram) -> None:
    router = Router()

    @router.message(CommandStart())
    async def start(message: Message) -> None:
        keyboard = ReplyKeyboardMarkup(
            keyboard=[[KeyboardButton(text="Расписание"), KeyboardButton(text="Оценки")]],
            resize_keyboard=True,
        )
        await message.answer("Выберите", reply_markup=keyboard)

    @router.message(F.text == "Оценки")
    async def grades(message: Message) -> None:
        await message.answer("5, 4, 5", reply_markup=ReplyKeyboardRemove())

    user = FakeUser(server, TOKEN, USER_ID)
    async with polling(server, router):
        await user.start()
        assert user.reply_buttons() == [["Расписание", "Оценки"]]
        assert user.screen().buttons == []  # a reply keyboard is not part of the message
        [reply] = await user.press_reply("Оценки")
        assert reply.text == "5, 4, 5"
    assert user.reply_buttons() == []


async def test_commands_set_get_and_visible(server: FakeTelegram, bot: Bot) -> None:
    commands = [
        BotCommand(command="start", description="Начать"),
        BotCommand(command="grades", description="Оценки"),
    ]
    assert await bot.set_my_commands(commands) is True
    assert _dump(await bot.get_my_commands()) == _dump(commands)
    teacher = [BotCommand(command="journal", description="Журнал")]
    scope = BotCommandScopeChat(chat_id=USER_ID)
    await bot.set_my_commands(teacher, scope=scope, language_code="ru")
    assert _dump(await bot.get_my_commands(scope=scope, language_code="ru")) == _dump(teacher)
    assert await bot.get_my_commands(scope=scope) == []  # exact scope/language, no fallback
    assert server.commands() == _dump(commands)
    assert [c["command"] for c in server.visible_commands(USER_ID, language_code="ru")] == [
        "journal"
    ]
    assert [c["command"] for c in server.visible_commands(777)] == ["start", "grades"]
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Start", description="x")])
    assert await bot.delete_my_commands() is True
    assert await bot.get_my_commands() == []


def _dump(commands: list[BotCommand]) -> list[dict[str, Any]]:
    return [c.model_dump(exclude_none=True) for c in commands]


async def test_documents_and_photos_round_trip(server: FakeTelegram, bot: Bot) -> None:
    payload = bytes(range(256)) * 40
    sent = await bot.send_document(
        USER_ID,
        BufferedInputFile(payload, "отчёт.xlsx"),
        caption="<b>Отчёт</b>",
        parse_mode="HTML",
    )
    assert sent.document is not None and sent.document.file_name == "отчёт.xlsx"
    assert sent.document.file_size == len(payload)
    assert sent.caption == "Отчёт"
    [stored] = server.messages(USER_ID)
    assert stored.document is not None and stored.document.data == payload
    file = await bot.get_file(sent.document.file_id)
    downloaded = await bot.download_file(file.file_path)
    assert downloaded is not None and downloaded.read() == payload
    again = await bot.send_document(USER_ID, sent.document.file_id)  # resend by file_id
    assert again.document is not None and again.document.file_id == sent.document.file_id
    with pytest.raises(TelegramBadRequest, match="file must be non-empty"):
        await bot.send_document(USER_ID, BufferedInputFile(b"", "empty.txt"))
    with pytest.raises(TelegramBadRequest, match="wrong file identifier"):
        await bot.send_document(USER_ID, "no-such-file-id")

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (320, 200), "red").save(buf, format="PNG")
    photo = await bot.send_photo(USER_ID, BufferedInputFile(buf.getvalue(), "p.png"))
    assert photo.photo is not None and (photo.photo[-1].width, photo.photo[-1].height) == (320, 200)
    with pytest.raises(TelegramBadRequest, match="IMAGE_PROCESS_FAILED"):
        await bot.send_photo(USER_ID, BufferedInputFile(b"not an image", "p.png"))
    with pytest.raises(TelegramBadRequest, match="can't use file of type Document as Photo"):
        await bot.send_photo(USER_ID, sent.document.file_id)


# ------------------------------------------------------------------ flood control


async def test_forced_retry_after_and_failures(server: FakeTelegram, bot: Bot) -> None:
    server.fail_next("sendMessage", retry_after=3, times=2)
    for _ in range(2):
        with pytest.raises(TelegramRetryAfter) as exc_info:
            await bot.send_message(USER_ID, "x")
        assert exc_info.value.retry_after == 3
        assert "Too Many Requests: retry after 3" in exc_info.value.message
    assert (await bot.send_message(USER_ID, "ok")).text == "ok"
    server.fail_next(code=403, chat_id=USER_ID)
    with pytest.raises(TelegramForbiddenError):
        await bot.send_chat_action(USER_ID, "typing")
    assert [(r.method, r.error_code) for r in server.calls("sendMessage")] == [
        ("sendMessage", 429),
        ("sendMessage", 429),
        ("sendMessage", None),
    ]


async def test_flood_control_per_chat_and_global(server: FakeTelegram, bot: Bot) -> None:
    server.limits = FloodLimits(per_chat_burst=3, global_burst=30, global_per_second=30)
    server.freeze_clock()  # no bucket refills while a slow machine sends
    for i in range(3):
        await bot.send_message(USER_ID, f"m{i}")
    with pytest.raises(TelegramRetryAfter) as exc_info:
        await bot.send_message(USER_ID, "burst")
    assert exc_info.value.retry_after >= 1
    server.advance(exc_info.value.retry_after)
    await bot.send_message(USER_ID, "after waiting")

    for uid in range(2000, 2040):
        server.add_user(uid, started=True)
    server.advance(10)  # refill everything
    sent = 0
    with pytest.raises(TelegramRetryAfter):
        for uid in range(2000, 2040):
            await bot.send_message(uid, "рассылка")
            sent += 1
    assert sent == 30

    server.flood_control = False
    for _ in range(50):
        await bot.send_message(USER_ID, "без ограничений")


async def test_rate_window_helpers(server: FakeTelegram, bot: Bot) -> None:
    server.flood_control = False
    server.add_user(2, started=True)
    for _ in range(3):
        await bot.send_message(USER_ID, "a")
    await bot.send_message(2, "b")
    server.advance(1.5)
    for _ in range(2):
        await bot.send_message(USER_ID, "c")
    await bot.send_chat_action(USER_ID, "typing")  # not a send
    with pytest.raises(TelegramBadRequest):
        await bot.send_message(USER_ID, "")  # failed sends do not count
    assert server.max_sends_in_window(1.0) == 4
    assert server.max_sends_in_window(1.0, chat_id=USER_ID) == 3
    assert server.max_sends_in_window(2.0, chat_id=USER_ID) == 5
    assert server.max_sends_per_chat(1.0) == {USER_ID: 3, 2: 1}


# ------------------------------------------------------------------ protocol details


async def test_long_polling_returns_promptly(server: FakeTelegram) -> None:
    url = f"{server.api_url}/bot{TOKEN}/getUpdates"
    async with aiohttp.ClientSession() as http:
        first = asyncio.create_task(http.post(url, json={"timeout": 10}))
        await server.wait_polling()
        started = time.monotonic()
        update_id = server.user_sends_text(USER_ID, "ping")
        resp = await asyncio.wait_for(first, 2)
        body = await resp.json()
        assert time.monotonic() - started < 0.5
        assert [u["update_id"] for u in body["result"]] == [update_id]
        assert body["result"][0]["message"]["chat"] == {
            "id": USER_ID,
            "first_name": "Test",
            "type": "private",
        }
        # Not confirmed yet: delivered again; offset confirms it.
        again = await (await http.post(url, data={"timeout": "0"})).json()
        assert [u["update_id"] for u in again["result"]] == [update_id]
        assert update_id is not None
        empty = await (await http.post(url, data={"offset": str(update_id + 1)})).json()
        assert empty == {"ok": True, "result": []}
        # A second poller terminates the waiting one with 409 Conflict.
        waiting = asyncio.create_task(http.post(url, json={"timeout": 10}))
        await server.wait_polling()
        second = asyncio.create_task(http.post(url, json={"timeout": 0}))
        conflict = await asyncio.wait_for(waiting, 2)
        assert conflict.status == 409
        assert (await conflict.json())["description"].startswith("Conflict: terminated by other")
        assert (await (await second).json())["ok"] is True


async def test_raw_http_errors_and_encodings(server: FakeTelegram) -> None:
    server.add_user(USER_ID, started=True)
    async with aiohttp.ClientSession() as http:
        bad_token = await http.post(f"{server.api_url}/bot1:nope/getMe")
        assert bad_token.status == 401
        assert await bad_token.json() == {
            "ok": False,
            "error_code": 401,
            "description": "Unauthorized",
        }
        unknown = await http.post(f"{server.api_url}/bot{TOKEN}/sendTelepathy")
        assert unknown.status == 404 and (await unknown.json())["description"] == "Not Found"
        markup = {"inline_keyboard": [[{"text": "b", "callback_data": "d"}]]}
        as_json = await http.post(
            f"{server.api_url}/bot{TOKEN}/SENDMESSAGE",  # method names are case-insensitive
            json={"chat_id": USER_ID, "text": "json", "reply_markup": markup},
        )
        assert (await as_json.json())["result"]["reply_markup"] == markup
        as_form = await http.post(
            f"{server.api_url}/bot{TOKEN}/sendMessage",
            data={"chat_id": str(USER_ID), "text": "form", "reply_markup": "{not json"},
        )
        assert await as_form.json() == {
            "ok": False,
            "error_code": 400,
            "description": "Bad Request: can't parse reply keyboard markup JSON object",
        }
        form = aiohttp.FormData()
        form.add_field("chat_id", str(USER_ID))
        form.add_field("document", b"direct", filename="direct.txt")
        direct = await (
            await http.post(f"{server.api_url}/bot{TOKEN}/sendDocument", data=form)
        ).json()
        assert direct["result"]["document"]["file_name"] == "direct.txt"
        # the message just sent has a document
        assert server.messages(USER_ID)[-1].document.data == b"direct"  # type: ignore[union-attr]
        as_get = await http.get(
            f"{server.api_url}/bot{TOKEN}/sendMessage", params={"chat_id": USER_ID, "text": "q"}
        )
        assert (await as_get.json())["result"]["text"] == "q"


async def test_unauthorized_bot_raises(server: FakeTelegram) -> None:
    stranger = make_bot(server, "999:unknown")
    try:
        with pytest.raises(TelegramUnauthorizedError):
            await stranger.get_me()
    finally:
        await stranger.session.close()
    me_bot = make_bot(server)
    try:
        me = await me_bot.get_me()
        assert (me.id, me.username, me.is_bot) == (123456, "journal_test_bot", True)
        assert await me_bot.delete_webhook(drop_pending_updates=True) is True
        info = await me_bot.get_webhook_info()
        assert info.url == "" and info.pending_update_count == 0
    finally:
        await me_bot.session.close()


async def test_user_uploads_file_and_chat_info(server: FakeTelegram) -> None:
    router = Router()
    received: list[bytes] = []

    @router.message(F.document)
    async def upload(message: Message, bot: Bot) -> None:
        assert message.document is not None
        await bot.send_chat_action(message.chat.id, "upload_document")
        data = await bot.download(message.document)
        assert data is not None
        received.append(data.read())
        chat = await bot.get_chat(message.chat.id)
        await message.answer(f"{chat.first_name}: {message.document.file_name} принят")

    user = FakeUser(server, TOKEN, USER_ID, first_name="Ирина")
    async with polling(server, router) as b:
        [reply] = await user.send_document(b"grades;5;4", "grades.csv", caption="импорт")
        assert await b.set_chat_menu_button(chat_id=USER_ID) is True
        assert (await b.get_chat_menu_button(chat_id=USER_ID)).type == "default"
    assert received == [b"grades;5;4"]
    assert reply.text == "Ирина: grades.csv принят"
    assert server.chat_action(USER_ID) is None  # cleared by the message that followed
    assert [r.method for r in server.calls(chat_id=USER_ID)] == [
        "sendChatAction",
        "getChat",
        "sendMessage",
        "setChatMenuButton",
        "getChatMenuButton",
    ]
    assert [r.ok for r in server.calls("getFile")] == [True]
