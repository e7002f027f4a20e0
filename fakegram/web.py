"""A phone-like web page for the chats of a :class:`FakeTelegram`: read, type and tap as a person.

The page (``static/``) polls a small JSON API on the same aiohttp app:

- ``GET /api/personas``: who the visitor can be (each a fake Telegram user), the clock, the bot.
- ``GET /api/chat?user=KEY[&since=VERSION&wait=SECONDS]``: that user's chat with the bot as a
  phone shows it (deleted messages left out, edits in place). With ``since`` the answer waits
  until something changes anywhere (a long poll), at most ``wait`` seconds.
- ``POST /api/send`` ``{"user", "text"}`` and ``POST /api/press`` ``{"user", "message_id",
  "data"}``: the user types or taps; the answer comes once the bot has handled it.
- ``POST /api/clock`` ``{"action"}``: move an adjustable clock (when one is given).
- ``GET /api/file/{file_id}``: a photo or document the bot sent.

Everything goes through FakeTelegram's public API (``user_sends_text``, ``user_presses``,
``messages``, ``callback_answers``, ``add_listener``...). The server listens on 127.0.0.1 only,
answers only requests addressed to that host, and takes actions only as JSON.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import html
import ipaddress
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from aiohttp import web

from fakegram.server import ChatMessage, FakeTelegram, TgUser

log = logging.getLogger("fakegram.web")

STATIC = Path(__file__).parent / "static"
MAX_WAIT = 25.0
MAX_TEXT = 4096
ANSWERS_SHOWN = 10


@dataclass(frozen=True, slots=True)
class WebPersona:
    """Someone the visitor can be: a fake Telegram user with a private chat with the bot."""

    key: str
    user_id: int
    first_name: str
    last_name: str | None = None
    title: str = ""  # shown first (Russian in the journal's demo)
    subtitle: str = ""
    title_en: str = ""
    language_code: str = "ru"


class ClockControl(Protocol):
    """An adjustable clock the page can show and move forward."""

    def now(self) -> dt.datetime: ...

    def state(self) -> dict[str, Any]:
        """``{"now_ms": epoch ms, "timezone": name, "actions": [{"id", "label", ...}]}``."""
        ...

    async def move(self, action: str) -> dict[str, Any]:
        """Apply an action; returns what happened (shown to the visitor) and the new state."""
        ...


def render_html(text: str, entities: Sequence[dict[str, Any]]) -> str:
    """Telegram text with entities (UTF-16 offsets) as safe HTML: bold, italic, code, links…"""
    index: dict[int, int] = {}
    u16 = 0
    for i, ch in enumerate(text):
        index[u16] = i
        u16 += 2 if ord(ch) > 0xFFFF else 1
    index[u16] = len(text)
    spans: list[tuple[int, int, str, str]] = []
    for entity in entities:
        start = index.get(int(entity.get("offset", -1)))
        end = index.get(int(entity.get("offset", 0)) + int(entity.get("length", 0)))
        if start is None or end is None or end <= start:
            continue
        tags = _tags(entity, text[start:end])
        if tags is not None:
            spans.append((start, end, *tags))
    spans.sort(key=lambda s: (s[0], -s[1]))
    bounds = sorted({0, len(text), *(s[0] for s in spans), *(s[1] for s in spans)})
    out: list[str] = []
    stack: list[tuple[int, int, str, str]] = []
    pos = 0
    nxt = 0
    for bound in bounds:
        out.append(html.escape(text[pos:bound], quote=False))
        pos = bound
        if any(s[1] == bound for s in stack):
            reopen = []
            while any(s[1] == bound for s in stack):
                span = stack.pop()
                out.append(span[3])
                if span[1] != bound:
                    reopen.append(span)
            for span in reversed(reopen):
                out.append(span[2])
                stack.append(span)
        while nxt < len(spans) and spans[nxt][0] == bound:
            out.append(spans[nxt][2])
            stack.append(spans[nxt])
            nxt += 1
    for span in reversed(stack):
        out.append(span[3])
    return "".join(out)


_SIMPLE = {
    "bold": ("<b>", "</b>"),
    "italic": ("<i>", "</i>"),
    "underline": ("<u>", "</u>"),
    "strikethrough": ("<s>", "</s>"),
    "spoiler": ('<span class="spoiler">', "</span>"),
    "code": ("<code>", "</code>"),
    "pre": ("<pre>", "</pre>"),
    "blockquote": ("<blockquote>", "</blockquote>"),
    "expandable_blockquote": ("<blockquote>", "</blockquote>"),
    "mention": ('<span class="mention">', "</span>"),
    "hashtag": ('<span class="mention">', "</span>"),
}


def _link(url: str) -> tuple[str, str] | None:
    if not url.lower().startswith(("http://", "https://", "mailto:", "tg://")):
        return None
    href = html.escape(url, quote=True)
    return f'<a href="{href}" target="_blank" rel="noopener noreferrer">', "</a>"


def _tags(entity: dict[str, Any], covered: str) -> tuple[str, str] | None:
    kind = entity.get("type")
    if kind in _SIMPLE:
        return _SIMPLE[kind]
    if kind == "text_link":
        return _link(str(entity.get("url", "")))
    if kind == "url":
        return _link(covered if "://" in covered else "http://" + covered)
    if kind == "email":
        return _link("mailto:" + covered)
    if kind == "bot_command":
        command = html.escape(covered.split("@", 1)[0], quote=True)
        return f'<a href="#" class="cmd" data-cmd="{command}">', "</a>"
    return None


class ChatWeb:
    """The web UI and JSON API for the chats of one bot on a FakeTelegram.

    `page` may set the page's `title`, `title_en`, `logo` (a letter) and `tips` (trusted HTML
    shown beside the chat); `clock` adds the clock panel.
    """

    def __init__(
        self,
        server: FakeTelegram,
        token: str,
        personas: Sequence[WebPersona],
        *,
        clock: ClockControl | None = None,
        timezone: str = "UTC",
        bot_title: str = "",
        bot_username: str = "",
        page: dict[str, str] | None = None,
        think_time: float = 2.0,
        handle_timeout: float = 10.0,
    ) -> None:
        self.server = server
        self.token = token
        self.personas = {p.key: p for p in personas}
        self.clock = clock
        self.zone = ZoneInfo(timezone)
        self.bot_title = bot_title
        self.bot_username = bot_username
        self.page = dict(page or {})
        self.think_time = think_time
        self.handle_timeout = handle_timeout
        self.version = 0
        self.chat_versions: dict[int, int] = {}
        self._stamps: dict[tuple[int, int], dt.datetime] = {}
        self._changed = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._hosts: set[str] | None = None  # the Host headers served, once listening
        self.url = ""
        for persona in personas:
            server.add_user(
                TgUser(
                    id=persona.user_id,
                    first_name=persona.first_name,
                    last_name=persona.last_name,
                    username=None,
                    language_code=persona.language_code,
                )
            )
        server.add_listener(self._on_change)

    # ------------------------------------------------------------------ lifecycle

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._guard], client_max_size=64 * 1024)
        app.router.add_get("/", self._index)
        app.router.add_get("/api/personas", self._personas)
        app.router.add_get("/api/chat", self._chat)
        app.router.add_post("/api/send", self._send)
        app.router.add_post("/api/press", self._press)
        app.router.add_post("/api/clock", self._clock)
        app.router.add_get("/api/file/{file_id}", self._file)
        app.router.add_static("/static/", STATIC, show_index=False)
        return app

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Listen on a loopback address only; returns the page's URL."""
        if not ipaddress.ip_address(host).is_loopback:
            raise ValueError("the chat page is served on a loopback address only")
        self._runner = web.AppRunner(self.app(), access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        try:
            await site.start()
        except OSError:
            await self._runner.cleanup()
            self._runner = None
            raise
        bound = self._runner.addresses[0][1]
        self.url = f"http://{host}:{bound}/"
        self._hosts = {f"{host}:{bound}", f"localhost:{bound}"}
        return self.url

    async def stop(self) -> None:
        self._wake()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # ------------------------------------------------------------------ change tracking

    def _on_change(self, token: str, chat_id: int) -> None:
        if token != self.token:
            return
        now = self._now()
        for m in self.server.messages(chat_id, bot=token):
            self._stamps.setdefault((chat_id, m.message_id), now)
        self.version += 1
        self.chat_versions[chat_id] = self.chat_versions.get(chat_id, 0) + 1
        self._wake()

    def _wake(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    def _now(self) -> dt.datetime:
        return self.clock.now() if self.clock is not None else dt.datetime.now(dt.UTC)

    # ------------------------------------------------------------------ guards

    @web.middleware
    async def _guard(self, request: web.Request, handler: Any) -> web.StreamResponse:
        """Only requests to this host (no DNS rebinding), and actions only as JSON."""
        if self._hosts is not None and request.host not in self._hosts:
            return web.json_response({"error": "unknown host"}, status=421)
        if request.method == "POST" and request.content_type != "application/json":
            return web.json_response({"error": "send JSON"}, status=415)
        try:
            return await handler(request)
        except _Refused as err:
            return web.json_response({"error": err.text}, status=err.status)

    def _persona(self, key: object) -> WebPersona:
        persona = self.personas.get(str(key))
        if persona is None:
            raise _Refused(404, f"no persona {key!r}")
        return persona

    async def _body(self, request: web.Request) -> dict[str, Any]:
        try:
            body = await request.json()
        except (ValueError, json.JSONDecodeError):
            raise _Refused(400, "the body is not JSON") from None
        if not isinstance(body, dict):
            raise _Refused(400, "the body is not a JSON object")
        return body

    # ------------------------------------------------------------------ pages

    async def _index(self, request: web.Request) -> web.StreamResponse:
        return web.FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})

    async def _personas(self, request: web.Request) -> web.Response:
        return web.json_response(
            {
                "page": self.page,
                "bot": self._bot_info(),
                "personas": [self._persona_info(p) for p in self.personas.values()],
                "clock": self.clock.state() if self.clock is not None else None,
                "version": self.version,
            }
        )

    async def _chat(self, request: web.Request) -> web.Response:
        persona = self._persona(request.query.get("user"))
        since = request.query.get("since")
        if since is not None and since.isdigit() and int(since) == self.version:
            wait = min(MAX_WAIT, _number(request.query.get("wait"), MAX_WAIT))
            changed = self._changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), timeout=max(0.0, wait))
        return web.json_response(self.chat(persona))

    async def _send(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        persona = self._persona(body.get("user"))
        text = str(body.get("text") or "").strip()
        if not text:
            raise _Refused(400, "the message is empty")
        if len(text) > MAX_TEXT:
            raise _Refused(400, "the message is too long")
        self.server.advance(self.think_time)
        update_id = self.server.user_sends_text(persona.user_id, text, bot=self.token)
        await self._settle(update_id)
        return web.json_response(self.chat(persona))

    async def _press(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        persona = self._persona(body.get("user"))
        raw_id = body.get("message_id")
        if raw_id is None:
            raise _Refused(400, "message_id must be a number")
        try:
            message_id = int(raw_id)
        except (TypeError, ValueError):
            raise _Refused(400, "message_id must be a number") from None
        data = str(body.get("data") or "")
        if not data:
            raise _Refused(400, "no callback data")
        answered = len(self.server.callback_answers(persona.user_id, bot=self.token))
        self.server.advance(self.think_time)
        try:
            update_id = self.server.user_presses(persona.user_id, message_id, data, bot=self.token)
        except LookupError as err:
            raise _Refused(409, str(err)) from None
        await self._settle(update_id)
        answers = self.server.callback_answers(persona.user_id, bot=self.token)[answered:]
        result = self.chat(persona)
        result["answer"] = (
            {"text": answers[-1].text, "alert": answers[-1].show_alert} if answers else None
        )
        return web.json_response(result)

    async def _clock(self, request: web.Request) -> web.Response:
        if self.clock is None:
            raise _Refused(404, "this page has no clock")
        body = await self._body(request)
        try:
            result = await self.clock.move(str(body.get("action") or ""))
        except ValueError as err:
            raise _Refused(400, str(err)) from None
        return web.json_response(result)

    async def _file(self, request: web.Request) -> web.StreamResponse:
        try:
            stored = self.server.file(request.match_info["file_id"])
        except KeyError:
            raise web.HTTPNotFound() from None
        headers = {"Cache-Control": "private, max-age=3600"}
        if stored.kind == "document":
            name = (stored.filename or "file").replace('"', "")
            headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(name)}"
        return web.Response(
            body=stored.data,
            content_type=stored.mime_type or ("image/jpeg" if stored.kind == "photo" else None),
            headers=headers,
        )

    async def _settle(self, update_id: int | None) -> None:
        """Answer once the bot has handled the update (or after a while, whatever happened)."""
        if update_id is None:
            return
        try:
            await self.server.wait_handled(update_id, timeout=self.handle_timeout)
        except TimeoutError:
            log.warning("the bot took over %ss to handle update %s", self.handle_timeout, update_id)

    # ------------------------------------------------------------------ views

    def _bot_info(self) -> dict[str, Any]:
        return {"title": self.bot_title or self.bot_username, "username": self.bot_username}

    def _persona_info(self, persona: WebPersona) -> dict[str, Any]:
        visible = [
            m
            for m in self.server.messages(persona.user_id, bot=self.token, include_deleted=False)
            if m.from_bot
        ]
        return {
            "key": persona.key,
            "title": persona.title or persona.first_name,
            "title_en": persona.title_en,
            "subtitle": persona.subtitle,
            "name": " ".join(x for x in (persona.first_name, persona.last_name) if x),
            "user_id": persona.user_id,
            "bot_messages": len(visible),
            "chat_version": self.chat_versions.get(persona.user_id, 0),
        }

    def chat(self, persona: WebPersona) -> dict[str, Any]:
        """The persona's chat as the page draws it, with what the other chats have."""
        chat_id = persona.user_id
        messages = self.server.messages(chat_id, bot=self.token, include_deleted=False)
        answers = [
            {"n": n, "text": a.text, "alert": a.show_alert}
            for n, a in enumerate(self.server.callback_answers(chat_id, bot=self.token))
            if a.text
        ][-ANSWERS_SHOWN:]
        keyboard = self.server.reply_keyboard(chat_id, bot=self.token)
        return {
            "user": persona.key,
            "version": self.version,
            "chat_version": self.chat_versions.get(chat_id, 0),
            "messages": [self._message(m) for m in messages],
            "reply_keyboard": _reply_keyboard(keyboard),
            "answers": answers,
            "personas": [self._persona_info(p) for p in self.personas.values()],
            "clock": self.clock.state() if self.clock is not None else None,
        }

    def _message(self, m: ChatMessage) -> dict[str, Any]:
        text = m.text if m.text is not None else (m.caption or "")
        entities = m.entities if m.text is not None else m.caption_entities
        if not m.from_bot and text.startswith("/start "):
            text, entities = "/start", []  # as Telegram shows a deep link's start
        stamp = self._stamps.get((m.chat_id, m.message_id)) or dt.datetime.fromtimestamp(
            m.date, dt.UTC
        )
        local = stamp.astimezone(self.zone)
        item: dict[str, Any] = {
            "id": m.message_id,
            "from_bot": m.from_bot,
            "html": render_html(text, entities),
            "time": local.strftime("%H:%M"),
            "day": local.strftime("%d.%m.%Y"),
            "edited": m.edit_count > 0,
            "rev": m.edit_count,
            "buttons": [[_button(b) for b in row] for row in m.inline_buttons],
        }
        if m.photo is not None:
            item["photo"] = {
                "url": f"/api/file/{m.photo.file_id}",
                "width": m.photo.width,
                "height": m.photo.height,
            }
        if m.document is not None:
            item["document"] = {
                "url": f"/api/file/{m.document.file_id}",
                "name": m.document.filename or "file",
                "size": m.document.size,
            }
        if m.contact is not None:
            item["contact"] = m.contact.get("phone_number", "")
        return item


class _Refused(Exception):
    def __init__(self, status: int, text: str) -> None:
        super().__init__(text)
        self.status = status
        self.text = text


def _button(button: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {"text": button.get("text", "")}
    if "callback_data" in button:
        result["data"] = button["callback_data"]
    elif "url" in button:
        result["url"] = button["url"]
    else:
        result["other"] = True
    return result


def _reply_keyboard(keyboard: dict[str, Any] | None) -> list[list[str]] | None:
    if not keyboard or "keyboard" not in keyboard:
        return None
    return [[str(b.get("text", "")) for b in row] for row in keyboard["keyboard"]]


def _number(value: str | None, default: float) -> float:
    try:
        return float(value) if value is not None else default
    except ValueError:
        return default


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")
