"""A fake Telegram Bot API server for driving the bot the way a real user would.

The bot under test talks to this server exactly as it would talk to api.telegram.org
(``TelegramAPIServer.from_base(server.api_url)``), so handlers, keyboards, edits and error
handling run unmodified.  The server reproduces the parts of Telegram that bots trip over:
text/caption limits, HTML/MarkdownV2 entity parsing and its error texts, inline keyboard
limits, "message is not modified", blocked users, callback query expiry and flood control
(429 with ``retry_after``).  Tests play the user through ``user_sends_text`` /
``user_presses`` (or :class:`fakegram.user.FakeUser`) and read chats back with ``messages``.

Clock: flood control, callback expiry and the request log use :meth:`FakeTelegram.clock`, a
monotonic clock that tests (and ``FakeUser``'s think time) may move forward with
:meth:`FakeTelegram.advance`, so a scripted user tapping every few milliseconds does not look
like a flood.  Message ``date`` fields use the real wall clock so the bot's own ``now()`` agrees.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
import zlib
from collections.abc import Callable, Iterable
from typing import Any

from aiohttp import web

from fakegram.entities import (
    WHITESPACE,
    EntityParseError,
    auto_entities,
    entity_slice,
    format_text,
    parse_html,
    parse_markdown,
    parse_markdown_v2,
    utf16_len,
)
from fakegram.errors import DEFAULT_DESCRIPTIONS, TelegramError
from fakegram.limits import (
    CALLBACK_ANSWER_LIMIT,
    CALLBACK_DATA_LIMIT,
    CAPTION_LIMIT,
    DELETE_WINDOW,
    DOWNLOAD_LIMIT,
    EDIT_METHODS,
    MAX_INLINE_BUTTONS,
    PHOTO_LIMIT,
    SEND_METHODS,
    TEXT_LIMIT,
    UPLOAD_LIMIT,
    FloodLimits,
)
from fakegram.methods import METHODS, Handler
from fakegram.parsers import read_params, scope_key
from fakegram.state import (
    Bot,
    CallbackAnswer,
    ChatMessage,
    Failure,
    Query,
    RequestRecord,
    ServerState,
    StoredFile,
    TgUser,
    UserRef,
)

__all__ = [
    "CALLBACK_ANSWER_LIMIT",
    "CALLBACK_DATA_LIMIT",
    "CAPTION_LIMIT",
    "DELETE_WINDOW",
    "DOWNLOAD_LIMIT",
    "EDIT_METHODS",
    "MAX_INLINE_BUTTONS",
    "PHOTO_LIMIT",
    "SEND_METHODS",
    "TEXT_LIMIT",
    "UPLOAD_LIMIT",
    "CallbackAnswer",
    "ChatMessage",
    "EntityParseError",
    "FakeTelegram",
    "FloodLimits",
    "RequestRecord",
    "StoredFile",
    "TelegramError",
    "TgUser",
    "UserRef",
    "entity_slice",
    "format_text",
    "parse_html",
    "parse_markdown",
    "parse_markdown_v2",
    "utf16_len",
]

log = logging.getLogger("fakegram")


class FakeTelegram:
    """An in-process Telegram Bot API server with a test-side API to play the user.

    A façade: the state lives in :class:`fakegram.state.ServerState`, the Bot API methods in
    :mod:`fakegram.methods`, the parameter parsing in :mod:`fakegram.parsers`.
    """

    def __init__(
        self,
        *,
        flood_control: bool = True,
        limits: FloodLimits | None = None,
        callback_query_timeout: float | None = 15.0,
        quiet_period: float = 0.03,
    ) -> None:
        self._state = ServerState(
            flood_control=flood_control,
            limits=limits or FloodLimits(),
            callback_query_timeout=callback_query_timeout,
        )
        self.quiet_period = quiet_period
        self._request_ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.api_url = ""
        self._methods: dict[str, tuple[str, Handler]] = {
            name.lower(): (name, handler) for name, handler in METHODS.items()
        }

    # ---------------------------------------------------------------- settings and logs

    @property
    def flood_control(self) -> bool:
        """Whether Telegram's flood limits (429 with ``retry_after``) are applied."""
        return self._state.flood_control

    @flood_control.setter
    def flood_control(self, value: bool) -> None:
        self._state.flood_control = value

    @property
    def limits(self) -> FloodLimits:
        """The flood control limits."""
        return self._state.limits

    @limits.setter
    def limits(self, value: FloodLimits) -> None:
        self._state.limits = value

    @property
    def callback_query_timeout(self) -> float | None:
        """Seconds after which a callback query can no longer be answered (None: never)."""
        return self._state.callback_query_timeout

    @callback_query_timeout.setter
    def callback_query_timeout(self, value: float | None) -> None:
        self._state.callback_query_timeout = value

    @property
    def requests(self) -> list[RequestRecord]:
        """Every Bot API call, in order."""
        return self._state.requests

    @requests.setter
    def requests(self, value: list[RequestRecord]) -> None:
        self._state.requests = value

    @property
    def internal_errors(self) -> list[BaseException]:
        """Exceptions raised by the fake itself while serving (each answered with a 500)."""
        return self._state.internal_errors

    @internal_errors.setter
    def internal_errors(self, value: list[BaseException]) -> None:
        self._state.internal_errors = value

    def clock(self) -> float:
        """Server time: monotonic seconds plus everything passed to :meth:`advance`."""
        return self._state.clock()

    def freeze_clock(self, frozen: bool = True) -> None:
        """Stop (or restart) the server clock: only :meth:`advance` moves it while frozen, so a
        test of flood limits does not depend on how fast the machine sends."""
        self._state.freeze_clock(frozen)

    def advance(self, seconds: float) -> None:
        """Move the server clock forward (flood buckets refill, callback queries age)."""
        self._state.advance(seconds)

    def _bot(self, token: str | None) -> Bot:
        return self._state.bot(token)

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Start listening; returns ``api_url`` for ``TelegramAPIServer.from_base``."""
        app = web.Application(client_max_size=UPLOAD_LIMIT + 10 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_route("GET", "/file/bot{token}/{path:.+}", self._handle_file)
        app.router.add_route("*", "/{tail:.*}", self._handle_unknown)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        bound = self._runner.addresses[0]
        self.api_url = f"http://{host}:{bound[1]}"
        self._state.stopping = False
        return self.api_url

    async def stop(self) -> None:
        """Release pending long polls and shut the HTTP server down."""
        self._state.stopping = True
        for bot in self._state.bots.values():
            self._state.wake(bot, "stop")
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTelegram:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def add_bot(
        self, token: str, username: str = "journal_test_bot", first_name: str | None = None
    ) -> int:
        """Register a bot token (unknown tokens get 401); returns the bot's user id."""
        prefix = token.split(":", 1)[0]
        bot_id = int(prefix) if prefix.isdigit() else zlib.crc32(token.encode()) + 10**9
        self._state.bots[token] = Bot(
            token=token, bot_id=bot_id, username=username, first_name=first_name or username
        )
        return bot_id

    def add_user(
        self,
        user: UserRef,
        *,
        bot: str | None = None,
        started: bool = False,
        first_name: str | None = None,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
    ) -> TgUser:
        """Register a user; ``started=True`` opens the chat as if they pressed Start earlier."""
        tg = self._state.user(user)
        if first_name is not None:
            tg.first_name = first_name
        if last_name is not None:
            tg.last_name = last_name
        if username is not None:
            tg.username = username
        if language_code is not None:
            tg.language_code = language_code
        if started:
            self._state.open_chat(self._bot(bot), tg)
        return tg

    def fail_next(
        self,
        method: str | None = None,
        code: int = 429,
        *,
        retry_after: int = 1,
        times: int | None = 1,
        chat_id: int | None = None,
        description: str | None = None,
        bot: str | None = None,
    ) -> None:
        """Force the next ``times`` matching calls (``times=None``: all) to fail with ``code``.

        ``method=None`` matches every method except getUpdates; ``chat_id`` narrows to a chat.
        """
        if description is None:
            description = (
                f"Too Many Requests: retry after {retry_after}"
                if code == 429
                else DEFAULT_DESCRIPTIONS.get(code, "Error")
            )
        self._state.failures.append(
            Failure(
                method=method.lower() if method else None,
                chat_id=chat_id,
                token=bot,
                code=code,
                description=description,
                retry_after=retry_after if code == 429 else None,
                remaining=times,
            )
        )

    def clear_failures(self) -> None:
        """Drop every pending forced failure."""
        self._state.failures.clear()

    def block(self, chat_id: int, *, bot: str | None = None) -> int | None:
        """The user blocks the bot: sends get 403; Telegram sends a my_chat_member update."""
        return self._state.set_blocked(self._bot(bot), chat_id, True)

    def unblock(self, chat_id: int, *, bot: str | None = None) -> int | None:
        """The user unblocks the bot (Restart)."""
        return self._state.set_blocked(self._bot(bot), chat_id, False)

    def add_listener(self, callback: Callable[[str, int], None]) -> None:
        """Call ``callback(token, chat_id)`` whenever a chat changes (for a live UI)."""
        self._state.listeners.append(callback)

    def track(self, dispatcher: Any) -> None:
        """Count in-progress updates of an aiogram Dispatcher so waits are exact.

        Without this, ``wait_handled`` relies on the confirmation offset and a quiet period;
        with it, it also waits until the update's handler has returned (handle_as_tasks=True).
        """

        async def middleware(handler: Any, event: Any, data: dict[str, Any]) -> Any:
            bot_obj = data.get("bot")
            state = self._state.bots.get(getattr(bot_obj, "token", ""))
            if state is None:
                return await handler(event, data)
            state.tracked = True
            state.busy += 1
            try:
                return await handler(event, data)
            finally:
                state.busy -= 1
                state.processed.add(getattr(event, "update_id", -1))
                state.last_activity = time.monotonic()

        for state in self._state.bots.values():
            state.tracked = True
        dispatcher.update.outer_middleware(middleware)

    def add_busy_probe(self, probe: Callable[[], bool], *, bot: str | None = None) -> None:
        """``wait_handled`` also waits while ``probe()`` is true (e.g. a job queue)."""
        self._bot(bot).busy_probes.append(probe)

    def user_sends_text(self, user: UserRef, text: str, *, bot: str | None = None) -> int | None:
        """The user types ``text``; returns the update_id (None if the bot filters it out)."""
        state = self._bot(bot)
        tg = self._state.user(user)
        chat = self._state.open_chat(state, tg)
        self._state.use_reply_keyboard(chat, text)
        plain = text.replace("\r", "").strip(WHITESPACE)
        if not plain:
            raise ValueError("a Telegram client cannot send an empty message")
        msg = self._state.store(state, chat, from_bot=False)
        msg.text = plain
        msg.entities = auto_entities(plain, [])
        return self._state.enqueue(state, "message", self._state.message_api(state, chat, msg))

    def user_sends_document(
        self,
        user: UserRef,
        data: bytes,
        filename: str,
        *,
        mime_type: str | None = None,
        caption: str | None = None,
        bot: str | None = None,
    ) -> int | None:
        """The user uploads a file (e.g. a spreadsheet to import)."""
        state = self._bot(bot)
        chat = self._state.open_chat(state, self._state.user(user))
        msg = self._state.store(state, chat, from_bot=False)
        msg.document = self._state.new_file("document", data, filename, mime_type)
        if caption:
            msg.caption = caption
            msg.caption_entities = auto_entities(caption, [])
        return self._state.enqueue(state, "message", self._state.message_api(state, chat, msg))

    def user_shares_contact(
        self, user: UserRef, phone_number: str, *, bot: str | None = None
    ) -> int | None:
        """The user shares their own contact (a request_contact keyboard button)."""
        state = self._bot(bot)
        tg = self._state.user(user)
        chat = self._state.open_chat(state, tg)
        msg = self._state.store(state, chat, from_bot=False)
        msg.contact = {"phone_number": phone_number, "first_name": tg.first_name, "user_id": tg.id}
        if tg.last_name:
            msg.contact["last_name"] = tg.last_name
        if chat.reply_keyboard and chat.reply_keyboard.get("one_time_keyboard"):
            chat.reply_keyboard_hidden = True
        return self._state.enqueue(state, "message", self._state.message_api(state, chat, msg))

    def user_presses(
        self, user: UserRef, message_id: int, callback_data: str, *, bot: str | None = None
    ) -> int | None:
        """The user taps an inline button; the data is not checked (forgeries allowed)."""
        state = self._bot(bot)
        tg = self._state.user(user)
        chat = state.chats.get(tg.id)
        if chat is None or message_id not in chat.messages:
            raise LookupError(f"no message {message_id} in chat {tg.id}")
        msg = chat.messages[message_id]
        if msg.deleted:
            raise LookupError(f"message {message_id} in chat {tg.id} was deleted")
        query_id = str(next(self._state.query_ids))
        state.queries[query_id] = Query(user_id=tg.id, message_id=message_id, created=self.clock())
        query = {
            "id": query_id,
            "from": tg.to_api(),
            "message": self._state.message_api(state, chat, msg),
            "chat_instance": str(zlib.crc32(f"{state.id}:{tg.id}".encode()) * 1000 + 7),
            "data": callback_data,
        }
        return self._state.enqueue(state, "callback_query", query)

    def messages(
        self, chat_id: int, *, bot: str | None = None, include_deleted: bool = True
    ) -> list[ChatMessage]:
        """Bot and user messages of a chat in order (snapshots with current content)."""
        chat = self._bot(bot).chats.get(chat_id)
        if chat is None:
            return []
        return [m.snapshot() for m in chat.messages.values() if include_deleted or not m.deleted]

    def reply_keyboard(self, chat_id: int, *, bot: str | None = None) -> dict[str, Any] | None:
        """The reply keyboard currently shown in the chat (None if removed/never sent)."""
        chat = self._bot(bot).chats.get(chat_id)
        return None if chat is None else chat.reply_keyboard

    def chat_action(self, chat_id: int, *, bot: str | None = None) -> str | None:
        """The last sendChatAction in the chat."""
        chat = self._bot(bot).chats.get(chat_id)
        return None if chat is None else chat.last_action

    def is_blocked(self, chat_id: int, *, bot: str | None = None) -> bool:
        """Whether the user has blocked the bot."""
        chat = self._bot(bot).chats.get(chat_id)
        return bool(chat and chat.blocked)

    def callback_answers(
        self, user_id: int | None = None, *, bot: str | None = None
    ) -> list[CallbackAnswer]:
        """answerCallbackQuery calls, oldest first (optionally for one user)."""
        answers = self._bot(bot).answers
        return [a for a in answers if user_id is None or a.user_id == user_id]

    def commands(
        self,
        bot: str | None = None,
        *,
        scope: dict[str, Any] | None = None,
        language_code: str = "",
    ) -> list[dict[str, Any]]:
        """Commands set for exactly this scope/language (like getMyCommands)."""
        key = (scope_key(scope or {"type": "default"}), language_code or "")
        return [dict(c) for c in self._bot(bot).commands.get(key, [])]

    def visible_commands(
        self, user_id: int, *, bot: str | None = None, language_code: str | None = None
    ) -> list[dict[str, Any]]:
        """The command menu a private-chat user sees (scope/language fallback as Telegram)."""
        state = self._bot(bot)
        if language_code is None:
            language_code = (
                self._state.users[user_id].language_code if user_id in self._state.users else ""
            )
        scopes: list[dict[str, Any]] = [
            {"type": "chat", "chat_id": user_id},
            {"type": "all_private_chats"},
            {"type": "default"},
        ]
        for scope in scopes:
            for lang in (language_code or "", ""):
                found = state.commands.get((scope_key(scope), lang))
                if found:
                    return [dict(c) for c in found]
        return []

    def file(self, file_id: str) -> StoredFile:
        """A stored file by file_id."""
        return self._state.files[file_id]

    async def wait_handled(
        self,
        update_id: int | None,
        timeout: float = 5.0,  # noqa: ASYNC109 - part of the test API, callers pass seconds
    ) -> None:
        """Wait until the bot confirmed ``update_id``, has nothing in flight and went quiet.

        Confirmation = a getUpdates with offset > update_id.  With ``handle_as_tasks=True``
        aiogram confirms before handling, so we also require no in-flight request and no
        request for ``quiet_period`` seconds (and, if :meth:`track` was used, the handler
        to have returned).  ``update_id=None`` waits for every bot to go quiet.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        bots: list[Bot]
        if update_id is None:
            bots = list(self._state.bots.values())
        else:
            bots = [self._state.bots[self._state.update_owner[update_id]]]
        while True:
            if all(self._settled(b, update_id) for b in bots):
                return
            if loop.time() >= deadline:
                raise TimeoutError(self._diagnose(bots, update_id, timeout))
            await asyncio.sleep(0.005)

    async def wait_polling(
        self,
        *,
        bot: str | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 - part of the test API
    ) -> None:
        """Wait until the bot has a long poll waiting, i.e. polling is up and filtering set."""
        state = self._bot(bot)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while state.poll_future is None or state.poll_future.done():
            if loop.time() >= deadline:
                raise TimeoutError(self._diagnose([state], None, timeout))
            await asyncio.sleep(0.005)

    async def wait_idle(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait until no bot request is in flight and all bots have been quiet."""
        await self.wait_handled(None, timeout)

    def _settled(self, bot: Bot, update_id: int | None) -> bool:
        if update_id is not None and update_id not in bot.dropped:
            if bot.confirmed_offset <= update_id:
                return False
            if bot.tracked and update_id not in bot.processed:
                return False
        if bot.inflight or bot.busy > 0:
            return False
        if any(probe() for probe in bot.busy_probes):
            return False
        return time.monotonic() - bot.last_activity >= self.quiet_period

    def _diagnose(self, bots: list[Bot], update_id: int | None, timeout: float) -> str:
        parts = [f"update {update_id} not handled within {timeout}s:"]
        for b in bots:
            pending = b.poll_future is not None and not b.poll_future.done()
            parts.append(
                f"bot {b.username}: confirmed offset={b.confirmed_offset}, "
                f"getUpdates calls={b.polls}, long poll pending={pending}, "
                f"in flight={sorted(b.inflight.values())}, busy handlers={b.busy}"
            )
            if b.polls == 0:
                parts.append("  (the bot never called getUpdates: is polling running?)")
        if self.internal_errors:
            parts.append(f"fake server internal errors: {self.internal_errors!r}")
        return "\n".join(parts)

    def max_sends_in_window(
        self,
        window: float = 1.0,
        *,
        chat_id: int | None = None,
        bot: str | None = None,
        methods: Iterable[str] = SEND_METHODS,
    ) -> int:
        """Max successful sends in any ``window``-second span (all chats or one chat)."""
        wanted = set(methods)
        times = sorted(
            r.t
            for r in self.requests
            if r.ok
            and r.method in wanted
            and (chat_id is None or r.chat_id == chat_id)
            and (bot is None or r.token == bot)
        )
        return _max_in_window(times, window)

    def max_sends_per_chat(
        self, window: float = 1.0, *, bot: str | None = None, methods: Iterable[str] = SEND_METHODS
    ) -> dict[int, int]:
        """For every chat: max successful sends in any ``window``-second span."""
        wanted = set(methods)
        per_chat: dict[int, list[float]] = {}
        for r in self.requests:
            if r.ok and r.method in wanted and r.chat_id is not None:
                if bot is None or r.token == bot:
                    per_chat.setdefault(r.chat_id, []).append(r.t)
        return {cid: _max_in_window(sorted(ts), window) for cid, ts in per_chat.items()}

    def calls(
        self, method: str | None = None, *, chat_id: int | None = None
    ) -> list[RequestRecord]:
        """Logged calls, optionally filtered by method name and chat."""
        return [
            r
            for r in self.requests
            if (method is None or r.method.lower() == method.lower())
            and (chat_id is None or r.chat_id == chat_id)
        ]

    async def _handle_unknown(self, request: web.Request) -> web.Response:
        return web.json_response(
            {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
        )

    async def _handle_api(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        raw_method = request.match_info["method"]
        bot = self._state.bots.get(token)
        entry = self._methods.get(raw_method.lower())
        method_name = entry[0] if entry else raw_method
        if bot is None:
            unauthorized = TelegramError(401, "Unauthorized")
            self._state.log_request(token, method_name, None, unauthorized)
            return web.json_response(unauthorized.payload(), status=401)
        if entry is None:
            not_found = TelegramError(404, "Not Found")
            self._state.log_request(token, method_name, None, not_found)
            return web.json_response(not_found.payload(), status=404)

        is_poll = method_name == "getUpdates"
        request_id = next(self._request_ids)
        if not is_poll:
            bot.inflight[request_id] = method_name
        bot.last_activity = time.monotonic()
        chat_id: int | None = None
        try:
            try:
                params = await read_params(request)
            except web.HTTPRequestEntityTooLarge as exc:
                raise TelegramError(413, "Request Entity Too Large") from exc
            chat_id = params.int("chat_id")
            self._state.forced_failure(bot, method_name, chat_id)
            result = await entry[1](self._state, bot, params)
        except TelegramError as err:
            self._state.log_request(token, method_name, chat_id, err)
            return web.json_response(err.payload(), status=err.code)
        except Exception as exc:  # a bug in the fake: surface it loudly in tests
            log.exception("fakegram internal error in %s", method_name)
            self.internal_errors.append(exc)
            internal = TelegramError(500, "Internal Server Error")
            self._state.log_request(token, method_name, chat_id, internal)
            return web.json_response(internal.payload(), status=500)
        finally:
            bot.inflight.pop(request_id, None)
            bot.last_activity = time.monotonic()
        self._state.log_request(token, method_name, chat_id, None)
        return web.json_response({"ok": True, "result": result})

    async def _handle_file(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        path = request.match_info["path"]
        state = self._state.bots.get(token)
        stored = self._state.files_by_path.get(path)
        if state is None:
            return web.json_response(TelegramError(401, "Unauthorized").payload(), status=401)
        if stored is None:
            return web.json_response(TelegramError(404, "Not Found").payload(), status=404)
        state.last_activity = time.monotonic()
        return web.Response(
            body=stored.data, content_type=stored.mime_type or "application/octet-stream"
        )


def _max_in_window(times: list[float], window: float) -> int:
    best = 0
    start = 0
    for end, t in enumerate(times):
        while t - times[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best
