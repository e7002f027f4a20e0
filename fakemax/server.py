"""A fake MAX Bot API server (platform-api2.max.ru) for driving a bot as a user would.

The bot talks HTTP to :attr:`FakeMax.api_url` exactly as to the real server: the token in the
``Authorization`` header, ids in the query string, JSON bodies, ``{"code", "message"}`` errors.
Tests play the user with :meth:`FakeMax.user_starts`, :meth:`FakeMax.user_sends_text` and
:meth:`FakeMax.user_presses` and read the chat back with :meth:`FakeMax.messages`.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from aiohttp import web

from fakemax.errors import (
    DEFAULT_ERRORS,
    MaxError,
    bad_request,
    not_found,
    too_many_requests,
    unauthorized,
)
from fakemax.limits import RATE_LIMIT, UPDATES_LIMIT_MAX, UPDATES_TIMEOUT_MAX
from fakemax.state import (
    Bot,
    Callback,
    Failure,
    MaxUser,
    RequestRecord,
    StoredMessage,
    Subscription,
    Upload,
    now_ms,
)
from fakemax.validate import MEDIA_TYPES, check_keyboard, check_text

log = logging.getLogger("fakemax")

Handler = Callable[[Bot, web.Request], Awaitable[Any]]

SECRET_HEADER = "X-Max-Bot-Api-Secret"


class FakeMax:
    """An in-process MAX Bot API server with a test-side API to play the user."""

    def __init__(self, *, rate_limit: int | None = RATE_LIMIT, allow_http_webhooks: bool = False):
        self.rate_limit = rate_limit
        self.allow_http_webhooks = allow_http_webhooks
        self.api_url = ""
        self.bots: dict[str, Bot] = {}
        self.users: dict[int, MaxUser] = {}
        self.started: set[tuple[str, int]] = set()
        self.chat_messages: dict[int, list[StoredMessage]] = {}
        self.by_mid: dict[str, StoredMessage] = {}
        self.uploads: dict[str, Upload] = {}
        self.by_upload_token: dict[str, Upload] = {}
        self.callbacks: dict[str, Callback] = {}
        self.requests: list[RequestRecord] = []
        self.webhook_deliveries: list[tuple[str, int | str]] = []
        self.internal_errors: list[BaseException] = []
        self.failures: list[Failure] = []
        self._seq = itertools.count(1)
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._routes: dict[tuple[str, str], Handler] = {
            ("GET", "me"): self._get_me,
            ("POST", "messages"): self._send_message,
            ("PUT", "messages"): self._edit_message,
            ("DELETE", "messages"): self._delete_message,
            ("GET", "messages"): self._get_messages,
            ("POST", "answers"): self._answer,
            ("GET", "updates"): self._get_updates,
            ("GET", "subscriptions"): self._get_subscriptions,
            ("POST", "subscriptions"): self._subscribe,
            ("DELETE", "subscriptions"): self._unsubscribe,
            ("POST", "uploads"): self._get_upload_url,
        }

    # ------------------------------------------------------------------ lifecycle

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Start listening; returns ``api_url`` (ends with ``/``, as maxo's base URL does)."""
        app = web.Application(client_max_size=256 * 1024 * 1024)
        app.router.add_route("POST", "/upload/{upload_id}", self._handle_upload)
        app.router.add_route("GET", "/files/{upload_id}", self._handle_download)
        app.router.add_route("*", "/{path:.*}", self._handle_api)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        port = self._runner.addresses[0][1]
        self.api_url = f"http://{host}:{port}/"
        return self.api_url

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeMax:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ------------------------------------------------------------------ HTTP plumbing

    def _auth(self, request: web.Request) -> Bot:
        token = request.headers.get("Authorization")
        if token is None:
            if "access_token" in request.query:
                raise unauthorized(
                    "Passing the token in query parameters is no longer supported, "
                    "use the Authorization header"
                )
            raise unauthorized("Empty access_token")
        bot = self.bots.get(token.removeprefix("Bearer ").strip())
        if bot is None:
            raise unauthorized()
        return bot

    def _rate_check(self, bot: Bot) -> None:
        if self.rate_limit is None:
            return
        now = time.monotonic()
        times = bot.request_times
        while times and now - times[0] >= 1.0:
            times.popleft()
        if len(times) >= self.rate_limit:
            raise too_many_requests()
        times.append(now)

    def _route(self, request: web.Request) -> Handler:
        path = request.match_info["path"].strip("/")
        handler = self._routes.get((request.method, path))
        if handler is not None:
            return handler
        if request.method == "GET" and path.startswith("messages/"):
            return self._get_message
        if any(known == path for _, known in self._routes):
            raise MaxError(405, "method.not.allowed", f"Method {request.method} not allowed")
        raise not_found(f"Path /{path} not found")

    async def _handle_api(self, request: web.Request) -> web.Response:
        path = request.match_info["path"]
        try:
            bot = self._auth(request)
            handler = self._route(request)
            self._rate_check(bot)
            self._forced_failure(request, path)
            result = await handler(bot, request)
        except MaxError as error:
            self._record(request, path, error.status, error.code)
            return web.json_response(error.payload(), status=error.status)
        except Exception as error:  # a bug in the fake itself
            log.exception("fakemax internal error")
            self.internal_errors.append(error)
            self._record(request, path, 500, "internal.error")
            return web.json_response({"code": "internal.error", "message": repr(error)}, status=500)
        self._record(request, path, 200, None)
        return web.json_response(result)

    def fail_next(
        self,
        method: str = "POST",
        path: str = "messages",
        status: int = 429,
        code: str | None = None,
        message: str | None = None,
        *,
        times: int | None = 1,
        user_id: int | None = None,
    ) -> None:
        """Make the next ``times`` matching requests (``None``: all) fail as MAX would answer.

        ``user_id`` narrows to requests for that user's dialog (``user_id=`` or its
        ``chat_id=``). The defaults are MAX's 429; ``code`` and ``message`` default to the
        usual words for the status (403 ``chat.denied``, 404 ``chat.not.found``, 500
        ``internal.error``, 503 ``service.unavailable``)."""
        default_code, default_message = DEFAULT_ERRORS.get(status, ("error", "Error"))
        self.failures.append(
            Failure(
                method=method.upper(),
                path=path.strip("/"),
                error=MaxError(status, code or default_code, message or default_message),
                times=times,
                user_id=user_id,
            )
        )

    def _forced_failure(self, request: web.Request, path: str) -> None:
        for failure in self.failures:
            if failure.method != request.method or failure.path != path.strip("/"):
                continue
            if failure.user_id is not None and not self._for_user(request, failure.user_id):
                continue
            if failure.times is not None:
                failure.times -= 1
                if failure.times <= 0:
                    self.failures.remove(failure)
            raise failure.error

    def _for_user(self, request: web.Request, user_id: int) -> bool:
        asked = (request.query.get("user_id"), request.query.get("chat_id"))
        return str(user_id) in asked or str(self.chat_id_of(user_id)) in asked

    def _record(self, request: web.Request, path: str, status: int, code: str | None) -> None:
        self.requests.append(
            RequestRecord(
                t=time.monotonic(), method=request.method, path=path, status=status, code=code
            )
        )

    @staticmethod
    async def _body(request: web.Request) -> dict[str, Any]:
        if not request.can_read_body:
            return {}
        try:
            body = json.loads(await request.read())
        except ValueError as error:
            raise bad_request(f"Invalid JSON: {error}") from error
        if not isinstance(body, dict):
            raise bad_request("Request body must be a JSON object")
        return body

    @staticmethod
    def _int_query(request: web.Request, name: str) -> int | None:
        raw = request.query.get(name)
        if raw is None or raw == "":
            return None
        try:
            return int(raw)
        except ValueError as error:
            raise bad_request(f"{name}: must be an integer") from error

    # ------------------------------------------------------------------ bots and users

    def add_bot(
        self,
        token: str,
        *,
        name: str = "Journal Bot",
        username: str = "journal_bot",
        user_id: int | None = None,
    ) -> int:
        """Register a bot; other tokens get 401 ``verify.token``. Returns the bot's user id."""
        bot_user = MaxUser(
            user_id=user_id or 900000 + len(self.bots),
            first_name=name,
            username=username,
            is_bot=True,
        )
        self.bots[token] = Bot(token=token, user=bot_user)
        return bot_user.user_id

    def add_user(
        self,
        user_id: int,
        *,
        first_name: str = "Test",
        last_name: str | None = None,
        username: str | None = None,
        locale: str = "ru",
    ) -> MaxUser:
        user = MaxUser(
            user_id=user_id,
            first_name=first_name,
            last_name=last_name,
            username=username,
            locale=locale,
        )
        self.users[user_id] = user
        return user

    @staticmethod
    def chat_id_of(user_id: int) -> int:
        """The dialog chat id between a user and the bot (one dialog per user here)."""
        return 10_000_000_000 + user_id

    def _user(self, user_id: int) -> MaxUser:
        return self.users.get(user_id) or self.add_user(user_id)

    def _dialog_user(self, bot: Bot, chat_id: int | None, user_id: int | None) -> MaxUser:
        if user_id is None and chat_id is not None:
            user_id = chat_id - 10_000_000_000
        if user_id is None:
            raise bad_request("user_id or chat_id is required")
        if (bot.token, user_id) not in self.started or user_id not in self.users:
            if chat_id is not None:
                raise not_found(f"Chat {chat_id} not found")
            raise not_found(f"Dialog with user {user_id} not found")
        return self.users[user_id]

    # ------------------------------------------------------------------ messages

    def _store(
        self,
        *,
        chat_id: int,
        sender: MaxUser,
        recipient: MaxUser,
        text: str | None,
        fmt: str | None,
        attachments: list[dict[str, Any]],
    ) -> StoredMessage:
        seq = next(self._seq)
        message = StoredMessage(
            mid=f"mid.{seq:016x}",
            seq=seq,
            chat_id=chat_id,
            sender=sender,
            recipient_user=recipient,
            text=text,
            format=fmt,
            attachments=attachments,
            timestamp=now_ms(),
        )
        self.chat_messages.setdefault(chat_id, []).append(message)
        self.by_mid[message.mid] = message
        return message

    def _attachment(self, raw: Any) -> dict[str, Any]:
        if not isinstance(raw, dict) or not isinstance(raw.get("type"), str):
            raise bad_request("attachment: type is required")
        kind = raw["type"]
        if kind == "inline_keyboard":
            return {"type": kind, "payload": check_keyboard(raw.get("payload"))}
        if kind not in MEDIA_TYPES:
            return dict(raw)
        token = (raw.get("payload") or {}).get("token")
        upload = self.by_upload_token.get(token) if isinstance(token, str) else None
        if upload is None:
            raise bad_request(f"attachment: invalid token {token!r}")
        if upload.data is None:
            raise bad_request(
                "Key: errors.process.attachment.file.not.processed", code="attachment.not.ready"
            )
        url = f"{self.api_url}files/{upload.upload_id}"
        if kind == "image":
            return {
                "type": kind,
                "payload": {"photo_id": int(upload.upload_id), "token": token, "url": url},
            }
        return {
            "type": kind,
            "payload": {"url": url, "token": token},
            "filename": upload.filename or "file",
            "size": len(upload.data),
        }

    def _message_parts(
        self, body: dict[str, Any], *, editing: bool = False
    ) -> tuple[str | None, str | None, list[dict[str, Any]] | None]:
        text, fmt = check_text(body.get("text"), body.get("format"))
        raw = body.get("attachments")
        if raw is not None and not isinstance(raw, list):
            raise bad_request("attachments: must be an array")
        attachments = None if raw is None else [self._attachment(item) for item in raw]
        if not editing and not text and not attachments:
            raise bad_request("text: message must have text or attachments")
        return text, fmt, attachments

    async def _send_message(self, bot: Bot, request: web.Request) -> dict[str, Any]:
        chat_id = self._int_query(request, "chat_id")
        user_id = self._int_query(request, "user_id")
        body = await self._body(request)
        user = self._dialog_user(bot, chat_id, user_id)
        text, fmt, attachments = self._message_parts(body)
        message = self._store(
            chat_id=self.chat_id_of(user.user_id),
            sender=bot.user,
            recipient=user,
            text=text,
            fmt=fmt,
            attachments=attachments or [],
        )
        return {"message": message.to_json()}

    def _bot_message(self, bot: Bot, mid: str | None) -> StoredMessage:
        if not mid:
            raise bad_request("message_id is required")
        message = self.by_mid.get(mid)
        if message is None or message.deleted or message.sender is not bot.user:
            raise not_found(f"Message {mid} not found")
        return message

    def _apply_edit(self, message: StoredMessage, body: dict[str, Any]) -> None:
        text, fmt, attachments = self._message_parts(body, editing=True)
        message.history.append(message.text)
        if body.get("text") is not None:
            message.text, message.format = text, fmt
        if attachments is not None:
            message.attachments = attachments

    async def _edit_message(self, bot: Bot, request: web.Request) -> dict[str, Any]:
        message = self._bot_message(bot, request.query.get("message_id"))
        self._apply_edit(message, await self._body(request))
        return {"success": True}

    async def _delete_message(self, bot: Bot, request: web.Request) -> dict[str, Any]:
        message = self._bot_message(bot, request.query.get("message_id"))
        message.deleted = True
        return {"success": True}

    async def _get_message(self, bot: Bot, request: web.Request) -> dict[str, Any]:
        mid = request.match_info["path"].strip("/").removeprefix("messages/")
        message = self.by_mid.get(mid)
        if message is None or message.deleted:
            raise not_found(f"Message {mid} not found")
        return message.to_json()

    async def _get_messages(self, bot: Bot, request: web.Request) -> dict[str, Any]:
        ids = request.query.get("message_ids")
        if ids:
            found = [self.by_mid[mid] for mid in ids.split(",") if mid in self.by_mid]
            return {"messages": [m.to_json() for m in found if not m.deleted]}
        chat_id = self._int_query(request, "chat_id")
        if chat_id is None:
            raise bad_request("chat_id or message_ids is required")
        self._dialog_user(bot, chat_id, None)
        count = self._int_query(request, "count")
        count = 50 if count is None else count
        if not 1 <= count <= 100:
            raise bad_request("count: must be between 1 and 100")
        alive = [m for m in self.chat_messages.get(chat_id, []) if not m.deleted]
        return {"messages": [m.to_json() for m in reversed(alive[-count:])]}

    # ------------------------------------------------------------------ callbacks

    async def _answer(self, bot: Bot, request: web.Request) -> dict[str, Any]:
        callback = self.callbacks.get(request.query.get("callback_id", ""))
        if callback is None:
            raise bad_request("Invalid callback_id", code="proto.payload")
        body = await self._body(request)
        notification, new_message = body.get("notification"), body.get("message")
        if notification is None and new_message is None:
            raise bad_request("Either message or notification must be set")
        if new_message is not None:
            if not isinstance(new_message, dict):
                raise bad_request("message: must be an object")
            self._apply_edit(self._bot_message(bot, callback.mid), new_message)
        callback.answers.append({"notification": notification, "message": new_message})
        return {"success": True}

    # ------------------------------------------------------------------ updates

    async def _get_updates(self, bot: Bot, request: web.Request) -> dict[str, Any]:
        limit = self._int_query(request, "limit")
        limit = 100 if limit is None else limit
        timeout = self._int_query(request, "timeout")
        timeout = 30 if timeout is None else timeout
        marker = self._int_query(request, "marker")
        if not 1 <= limit <= UPDATES_LIMIT_MAX:
            raise bad_request(f"limit: must be between 1 and {UPDATES_LIMIT_MAX}")
        if not 0 <= timeout <= UPDATES_TIMEOUT_MAX:
            raise bad_request(f"timeout: must be between 0 and {UPDATES_TIMEOUT_MAX}")
        raw_types = request.query.get("types")
        types = set(raw_types.split(",")) if raw_types else None
        if marker is not None:
            bot.confirmed = max(bot.confirmed, marker)
        start = bot.confirmed
        if bot.subscriptions:  # "with an active subscription Long Polling does not work"
            return {"updates": [], "marker": start}

        def pending() -> list[tuple[int, dict[str, Any]]]:
            return [
                (i, u)
                for i, u in enumerate(bot.updates[start:], start)
                if types is None or u["update_type"] in types
            ][:limit]

        async with bot.new_update:
            try:
                await asyncio.wait_for(bot.new_update.wait_for(lambda: bool(pending())), timeout)
            except TimeoutError:
                pass
        found = pending()
        next_marker = found[-1][0] + 1 if found else len(bot.updates)
        return {"updates": [u for _, u in found], "marker": next_marker}

    def _push(self, bot: Bot, update: dict[str, Any]) -> int:
        bot.updates.append(update)
        index = len(bot.updates) - 1
        self._spawn(self._notify(bot))
        for sub in bot.subscriptions:
            if sub.update_types is None or update["update_type"] in sub.update_types:
                self._spawn(self._deliver(sub, update))
        return index

    def _spawn(self, coro: Awaitable[None]) -> None:
        task: asyncio.Task[None] = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @staticmethod
    async def _notify(bot: Bot) -> None:
        async with bot.new_update:
            bot.new_update.notify_all()

    async def _deliver(self, sub: Subscription, update: dict[str, Any]) -> None:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        headers = {SECRET_HEADER: sub.secret} if sub.secret else {}
        try:
            async with self._session.post(sub.url, json=update, headers=headers) as response:
                self.webhook_deliveries.append((sub.url, response.status))
        except aiohttp.ClientError as error:
            self.webhook_deliveries.append((sub.url, repr(error)))

    # ------------------------------------------------------------------ subscriptions

    async def _get_subscriptions(self, bot: Bot, request: web.Request) -> dict[str, Any]:
        return {"subscriptions": [sub.to_json() for sub in bot.subscriptions]}

    async def _subscribe(self, bot: Bot, request: web.Request) -> dict[str, Any]:
        body = await self._body(request)
        url, secret, types = body.get("url"), body.get("secret"), body.get("update_types")
        if not isinstance(url, str) or not url:
            raise bad_request("url: is required")
        if not url.startswith("https://") and not (
            self.allow_http_webhooks and url.startswith("http://")
        ):
            raise bad_request("url: must be a valid HTTPS URL")
        if secret is not None and (not isinstance(secret, str) or not 5 <= len(secret) <= 256):
            raise bad_request("secret: size must be between 5 and 256")
        bot.subscriptions = [sub for sub in bot.subscriptions if sub.url != url]
        bot.subscriptions.append(
            Subscription(url=url, secret=secret, update_types=types, time=now_ms())
        )
        return {"success": True}

    async def _unsubscribe(self, bot: Bot, request: web.Request) -> dict[str, Any]:
        url = request.query.get("url")
        if not url:
            raise bad_request("url: is required")
        before = len(bot.subscriptions)
        bot.subscriptions = [sub for sub in bot.subscriptions if sub.url != url]
        if len(bot.subscriptions) == before:
            return {"success": False, "message": f"Subscription {url} not found"}
        return {"success": True}

    # ------------------------------------------------------------------ uploads

    async def _get_upload_url(self, bot: Bot, request: web.Request) -> dict[str, Any]:
        kind = request.query.get("type")
        if kind not in MEDIA_TYPES:
            raise bad_request(f"type: must be one of image, video, audio, file, not {kind!r}")
        upload_id = str(next(self._ids))
        upload = Upload(upload_id=upload_id, type=kind, token=secrets.token_urlsafe(16))
        self.uploads[upload_id] = upload
        self.by_upload_token[upload.token] = upload
        result: dict[str, Any] = {"url": f"{self.api_url}upload/{upload_id}"}
        if kind in ("video", "audio"):  # the token comes here; for file/image after the upload
            result["token"] = upload.token
        return result

    async def _handle_upload(self, request: web.Request) -> web.Response:
        upload = self.uploads.get(request.match_info["upload_id"])
        if upload is None:
            return web.json_response(not_found("Upload not found").payload(), status=404)
        if request.content_type.startswith("multipart/"):
            reader = await request.multipart()
            part = await reader.next()
            if not isinstance(part, aiohttp.BodyPartReader):
                return web.json_response(bad_request("file is required").payload(), status=400)
            upload.filename, upload.data = part.filename, bytes(await part.read())
            upload.content_type = part.headers.get("Content-Type")
        else:
            upload.data = await request.read()
            disposition = request.headers.get("Content-Disposition", "")
            if "filename=" in disposition:
                upload.filename = disposition.split("filename=", 1)[1].strip('"')
        if upload.type == "image":
            return web.json_response({"photos": {upload.upload_id: {"token": upload.token}}})
        if upload.type == "file":
            return web.json_response({"token": upload.token, "file_id": int(upload.upload_id)})
        return web.Response(text="<retval>1</retval>")

    async def _handle_download(self, request: web.Request) -> web.Response:
        upload = self.uploads.get(request.match_info["upload_id"])
        if upload is None or upload.data is None:
            return web.json_response(not_found("File not found").payload(), status=404)
        return web.Response(
            body=upload.data, content_type=upload.content_type or "application/octet-stream"
        )

    # ------------------------------------------------------------------ the user side

    def _bot_or_only(self, token: str | None) -> Bot:
        if token is None:
            if len(self.bots) != 1:
                raise ValueError("several bots: pass token=")
            return next(iter(self.bots.values()))
        return self.bots[token]

    def user_starts(
        self, user_id: int, payload: str | None = None, *, token: str | None = None
    ) -> int:
        """The user presses Start (a deep link ``?start=payload``): a ``bot_started`` update.

        Returns the update's index; the bot has it once its marker passes the index."""
        bot = self._bot_or_only(token)
        user = self._user(user_id)
        self.started.add((bot.token, user_id))
        return self._push(
            bot,
            {
                "update_type": "bot_started",
                "timestamp": now_ms(),
                "chat_id": self.chat_id_of(user_id),
                "user": user.to_json(),
                "payload": payload,
                "user_locale": user.locale,
            },
        )

    def user_sends_text(self, user_id: int, text: str, *, token: str | None = None) -> int:
        """The user writes ``text`` (``/start`` too is plain text in MAX): ``message_created``."""
        bot = self._bot_or_only(token)
        user = self._user(user_id)
        self.started.add((bot.token, user_id))
        message = self._store(
            chat_id=self.chat_id_of(user_id),
            sender=user,
            recipient=bot.user,
            text=text,
            fmt=None,
            attachments=[],
        )
        return self._push(
            bot,
            {
                "update_type": "message_created",
                "timestamp": now_ms(),
                "message": message.to_json(),
                "user_locale": user.locale,
            },
        )

    def user_presses(
        self,
        user_id: int,
        label_or_payload: str,
        *,
        mid: str | None = None,
        token: str | None = None,
    ) -> str:
        """The user presses a callback button of the bot's last message with a keyboard (or of
        ``mid``), found by exact label, exact payload, then label substring. Returns the
        ``callback_id``; the ``message_callback`` update goes to the bot."""
        bot = self._bot_or_only(token)
        user = self._user(user_id)
        candidates = [m for m in self.messages(user_id) if m.from_bot and m.buttons]
        if mid is not None:
            candidates = [m for m in candidates if m.mid == mid]
        if not candidates:
            raise LookupError("no bot message with a keyboard")
        message = candidates[-1]
        buttons = [b for row in message.buttons for b in row if b["type"] == "callback"]
        for test in (
            lambda b: b["text"] == label_or_payload,
            lambda b: b["payload"] == label_or_payload,
            lambda b: label_or_payload in b["text"],
        ):
            matched = [b for b in buttons if test(b)]
            if matched:
                break
        else:
            raise LookupError(f"no callback button {label_or_payload!r} in {message.button_labels}")
        return self._press(bot, user, message, matched[0]["payload"])

    def user_forges_press(
        self, user_id: int, payload: str, *, mid: str | None = None, token: str | None = None
    ) -> str:
        """A press carrying ``payload`` whatever the buttons say (a modified client), on the
        bot's last message with a keyboard, or on ``mid``. Returns the ``callback_id``."""
        bot = self._bot_or_only(token)
        candidates = [m for m in self.messages(user_id) if m.from_bot and m.buttons]
        if mid is not None:
            candidates = [m for m in candidates if m.mid == mid]
        if not candidates:
            raise LookupError("no bot message with a keyboard")
        return self._press(bot, self._user(user_id), candidates[-1], payload)

    def _press(self, bot: Bot, user: MaxUser, message: StoredMessage, payload: str) -> str:
        callback = Callback(
            callback_id=secrets.token_hex(8), mid=message.mid, user=user, payload=payload
        )
        self.callbacks[callback.callback_id] = callback
        self._push(
            bot,
            {
                "update_type": "message_callback",
                "timestamp": now_ms(),
                "callback": {
                    "callback_id": callback.callback_id,
                    "timestamp": now_ms(),
                    "user": user.to_json(),
                    "payload": callback.payload,
                },
                "message": message.to_json(),
                "user_locale": user.locale,
            },
        )
        return callback.callback_id

    def messages(self, user_id: int, *, include_deleted: bool = False) -> list[StoredMessage]:
        """The dialog with a user, oldest first (the user's messages and the bot's)."""
        chat = self.chat_messages.get(self.chat_id_of(user_id), [])
        return [m for m in chat if include_deleted or not m.deleted]

    def bot_messages(self, user_id: int) -> list[StoredMessage]:
        return [m for m in self.messages(user_id) if m.from_bot]

    def last_bot_message(self, user_id: int) -> StoredMessage:
        sent = self.bot_messages(user_id)
        if not sent:
            raise LookupError(f"the bot sent nothing to {user_id}")
        return sent[-1]

    def callback_answers(self, callback_id: str) -> list[dict[str, Any]]:
        return self.callbacks[callback_id].answers

    def file(self, attachment: dict[str, Any]) -> Upload:
        """The uploaded file behind a message attachment (``.data``, ``.filename``)."""
        return self.by_upload_token[attachment["payload"]["token"]]

    async def wait_confirmed(
        self,
        index: int,
        *,
        token: str | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> None:
        """Wait until the bot has polled past update ``index`` (its marker is above it)."""
        bot = self._bot_or_only(token)
        deadline = time.monotonic() + timeout
        while bot.confirmed <= index:
            if time.monotonic() > deadline:
                raise TimeoutError(f"update {index} not confirmed (marker {bot.confirmed})")
            await asyncio.sleep(0.01)

    async def _get_me(self, bot: Bot, request: web.Request) -> dict[str, Any]:
        info = bot.user.to_json()
        info["description"] = bot.description
        info["commands"] = None
        return info
