"""The fake server's state: users, bots, chats, messages, files, the update queues and the clock."""

from __future__ import annotations

import asyncio
import itertools
import logging
import math
import mimetypes
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from fakegram.entities import entity_slice
from fakegram.errors import BLOCKED, TelegramError, bad, too_many
from fakegram.limits import Bucket, FloodLimits
from fakegram.parsers import Params

log = logging.getLogger("fakegram")


_DEFAULT_EXCLUDED_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


@dataclass
class TgUser:
    """A Telegram user account that talks to the bot."""

    id: int
    first_name: str = "Test"
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "ru"

    def to_api(self) -> dict[str, Any]:
        """The User object as Telegram serialises it."""
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code:
            data["language_code"] = self.language_code
        return data

    def chat_api(self) -> dict[str, Any]:
        """The private Chat object of this user."""
        data: dict[str, Any] = {"id": self.id, "first_name": self.first_name, "type": "private"}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        return data


@dataclass
class StoredFile:
    """A file that passed through the server (bytes kept so tests can read them back)."""

    file_id: str
    file_unique_id: str
    kind: Literal["document", "photo"]
    data: bytes
    filename: str | None
    mime_type: str | None
    file_path: str
    width: int | None = None
    height: int | None = None

    @property
    def size(self) -> int:
        """Size in bytes."""
        return len(self.data)


@dataclass
class CallbackAnswer:
    """What the bot answered to a button press (toast or alert)."""

    query_id: str
    user_id: int
    message_id: int | None
    text: str | None
    show_alert: bool
    url: str | None
    at: float


@dataclass
class ChatMessage:
    """One message in a private chat as the user sees it (a snapshot when handed out)."""

    message_id: int
    chat_id: int
    from_bot: bool
    sender_id: int
    date: int
    created_at: float = 0.0
    text: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    caption: str | None = None
    caption_entities: list[dict[str, Any]] = field(default_factory=list)
    reply_markup: dict[str, Any] | None = None
    keyboard: dict[str, Any] | None = None
    document: StoredFile | None = None
    photo: StoredFile | None = None
    contact: dict[str, Any] | None = None
    reply_to_message_id: int | None = None
    edit_date: int | None = None
    edit_count: int = 0
    history: list[str | None] = field(default_factory=list)
    deleted: bool = False
    protect_content: bool = False

    @property
    def content(self) -> str:
        """Visible text: the text of a text message or the caption of a media message."""
        return self.text if self.text is not None else (self.caption or "")

    @property
    def inline_buttons(self) -> list[list[dict[str, Any]]]:
        """Rows of inline keyboard buttons (raw dicts)."""
        if not self.reply_markup:
            return []
        return [list(row) for row in self.reply_markup.get("inline_keyboard", [])]

    @property
    def buttons(self) -> list[list[str]]:
        """Rows of inline button labels, as drawn under the message."""
        return [[b["text"] for b in row] for row in self.inline_buttons]

    @property
    def callback_data(self) -> dict[str, str]:
        """Label -> callback_data for the callback buttons of the message."""
        result: dict[str, str] = {}
        for row in self.inline_buttons:
            for button in row:
                if "callback_data" in button:
                    result.setdefault(button["text"], button["callback_data"])
        return result

    def entity_texts(self, entity_type: str) -> list[str]:
        """Substrings covered by entities of a type, e.g. ``entity_texts("bold")``."""
        source = self.text if self.text is not None else (self.caption or "")
        ents = self.entities if self.text is not None else self.caption_entities
        return [
            entity_slice(source, e["offset"], e["length"]) for e in ents if e["type"] == entity_type
        ]

    def snapshot(self) -> ChatMessage:
        """A copy that later edits will not change."""
        return replace(
            self,
            entities=[dict(e) for e in self.entities],
            caption_entities=[dict(e) for e in self.caption_entities],
            history=list(self.history),
        )


@dataclass(frozen=True)
class RequestRecord:
    """One Bot API call as the server saw it."""

    t: float
    real_t: float
    token: str
    method: str
    chat_id: int | None
    ok: bool
    error_code: int | None
    description: str | None


@dataclass
class Failure:
    method: str | None
    chat_id: int | None
    token: str | None
    code: int
    description: str
    retry_after: int | None
    remaining: int | None


@dataclass
class Chat:
    user: TgUser
    messages: dict[int, ChatMessage] = field(default_factory=dict)
    next_message_id: int = 1
    blocked: bool = False
    reply_keyboard: dict[str, Any] | None = None
    reply_keyboard_hidden: bool = False
    force_reply: bool = False
    last_action: str | None = None
    menu_button: dict[str, Any] | None = None


@dataclass
class Query:
    user_id: int
    message_id: int | None
    created: float
    answered: bool = False


class Bot:
    def __init__(self, token: str, bot_id: int, username: str, first_name: str) -> None:
        self.token = token
        self.id = bot_id
        self.username = username
        self.first_name = first_name
        self.chats: dict[int, Chat] = {}
        self.updates: list[dict[str, Any]] = []
        self.confirmed_offset = 0
        self.dropped: set[int] = set()
        self.allowed_updates: list[str] | None = None
        self.poll_future: asyncio.Future[str] | None = None
        self.polls = 0
        self.inflight: dict[int, str] = {}
        self.last_activity = 0.0
        self.webhook_url = ""
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.default_menu_button: dict[str, Any] | None = None
        self.queries: dict[str, Query] = {}
        self.answers: list[CallbackAnswer] = []
        self.busy_probes: list[Callable[[], bool]] = []
        self.tracked = False
        self.busy = 0
        self.processed: set[int] = set()
        self.buckets: dict[Any, Bucket] = {}

    def user_api(self, full: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "is_bot": True,
            "first_name": self.first_name,
            "username": self.username,
        }
        if full:
            data.update(
                can_join_groups=True,
                can_read_all_group_messages=False,
                supports_inline_queries=False,
                can_connect_to_business=False,
                has_main_web_app=False,
            )
        return data


UserRef = TgUser | int


def photo_sizes(photo: StoredFile) -> list[dict[str, Any]]:
    width, height = photo.width or 1, photo.height or 1
    sizes = []
    scale = min(1.0, 90 / max(width, height))
    if scale < 1.0:
        sizes.append(
            {
                "file_id": photo.file_id + "_s",
                "file_unique_id": photo.file_unique_id + "s",
                "width": max(1, round(width * scale)),
                "height": max(1, round(height * scale)),
                "file_size": min(photo.size, 2000),
            }
        )
    sizes.append(
        {
            "file_id": photo.file_id,
            "file_unique_id": photo.file_unique_id,
            "width": width,
            "height": height,
            "file_size": photo.size,
        }
    )
    return sizes


class ServerState:
    """Everything the fake server holds: bots, their chats and update queues, users, files,
    forced failures, the request log and the clock; and the operations on them that the Bot
    API methods and the test-side API share."""

    def __init__(
        self,
        *,
        flood_control: bool,
        limits: FloodLimits,
        callback_query_timeout: float | None,
    ) -> None:
        self.flood_control = flood_control
        self.limits = limits
        self.callback_query_timeout = callback_query_timeout
        self.requests: list[RequestRecord] = []
        self.internal_errors: list[BaseException] = []
        self.bots: dict[str, Bot] = {}
        self.users: dict[int, TgUser] = {}
        self.failures: list[Failure] = []
        self.files: dict[str, StoredFile] = {}
        self.files_by_path: dict[str, StoredFile] = {}
        self.update_ids = itertools.count(100_000_001)
        self.update_owner: dict[int, str] = {}
        self.file_ids = itertools.count(1)
        self.query_ids = itertools.count(5_000_000_000_000_000_001)
        self.clock_offset = 0.0
        self.frozen_at: float | None = None
        self.listeners: list[Callable[[str, int], None]] = []
        self.stopping = False

    def clock(self) -> float:
        """Server time: monotonic seconds plus everything passed to :meth:`advance`."""
        base = time.monotonic() if self.frozen_at is None else self.frozen_at
        return base + self.clock_offset

    def freeze_clock(self, frozen: bool = True) -> None:
        """Stop (or restart) the server clock: only :meth:`advance` moves it while frozen, so a
        test of flood limits does not depend on how fast the machine sends."""
        if frozen and self.frozen_at is None:
            self.frozen_at = time.monotonic()
        elif not frozen and self.frozen_at is not None:
            self.clock_offset += self.frozen_at - time.monotonic()
            self.frozen_at = None

    def advance(self, seconds: float) -> None:
        """Move the server clock forward (flood buckets refill, callback queries age)."""
        self.clock_offset += max(0.0, seconds)

    def bot(self, token: str | None) -> Bot:
        if token is not None:
            try:
                return self.bots[token]
            except KeyError:
                raise LookupError(f"bot {token!r} is not registered (add_bot)") from None
        if len(self.bots) != 1:
            raise LookupError(f"pass bot=...: {len(self.bots)} bots are registered")
        return next(iter(self.bots.values()))

    def user(self, user: UserRef) -> TgUser:
        if isinstance(user, TgUser):
            known = self.users.get(user.id)
            if known is None:
                self.users[user.id] = user
                return user
            if known is not user:
                known.first_name = user.first_name
                known.last_name = user.last_name
                known.username = user.username
                known.language_code = user.language_code
            return known
        if user not in self.users:
            self.users[user] = TgUser(id=user)
        return self.users[user]

    def open_chat(self, bot: Bot, user: TgUser) -> Chat:
        chat = bot.chats.get(user.id)
        if chat is None:
            chat = bot.chats[user.id] = Chat(user=user)
        elif chat.blocked:
            self.set_blocked(bot, user.id, False)
        return chat

    def set_blocked(self, bot: Bot, chat_id: int, blocked: bool) -> int | None:
        chat = bot.chats.get(chat_id)
        if chat is None:
            raise LookupError(f"chat {chat_id} never talked to the bot")
        if chat.blocked == blocked:
            return None
        chat.blocked = blocked
        old, new = ("member", "kicked") if blocked else ("kicked", "member")
        bot_user = bot.user_api()
        members: tuple[dict[str, Any], dict[str, Any]] = (
            {"status": old, "user": bot_user},
            {"status": new, "user": bot_user},
        )
        for member in members:
            if member["status"] == "kicked":
                member["until_date"] = 0
        update = {
            "chat": chat.user.chat_api(),
            "from": chat.user.to_api(),
            "date": int(time.time()),
            "old_chat_member": members[0],
            "new_chat_member": members[1],
        }
        self.notify(bot, chat_id)
        return self.enqueue(bot, "my_chat_member", update)

    def enqueue(self, bot: Bot, kind: str, payload: dict[str, Any]) -> int | None:
        allowed = bot.allowed_updates
        if allowed:
            if kind not in allowed:
                return None
        elif kind in _DEFAULT_EXCLUDED_UPDATES:
            return None
        update_id = next(self.update_ids)
        self.update_owner[update_id] = bot.token
        bot.updates.append({"update_id": update_id, kind: payload})
        self.wake(bot, "update")
        return update_id

    def wake(self, bot: Bot, reason: str) -> None:
        future = bot.poll_future
        if future is not None and not future.done():
            future.set_result(reason)

    def notify(self, bot: Bot, chat_id: int) -> None:
        for listener in self.listeners:
            try:
                listener(bot.token, chat_id)
            except Exception:  # a UI listener must never break the API
                log.exception("fakegram listener failed")

    def store(self, bot: Bot, chat: Chat, *, from_bot: bool) -> ChatMessage:
        if not from_bot:
            chat.force_reply = False
        msg = ChatMessage(
            message_id=chat.next_message_id,
            chat_id=chat.user.id,
            from_bot=from_bot,
            sender_id=bot.id if from_bot else chat.user.id,
            date=int(time.time()),
            created_at=self.clock(),
        )
        chat.next_message_id += 1
        chat.messages[msg.message_id] = msg
        self.notify(bot, chat.user.id)
        return msg

    def use_reply_keyboard(self, chat: Chat, text: str) -> None:
        keyboard = chat.reply_keyboard
        if not keyboard or not keyboard.get("one_time_keyboard"):
            return
        labels = {b["text"] for row in keyboard.get("keyboard", []) for b in row}
        if text in labels:
            chat.reply_keyboard_hidden = True

    def message_api(
        self, bot: Bot, chat: Chat, msg: ChatMessage, nested: bool = False
    ) -> dict[str, Any]:
        data: dict[str, Any] = {
            "message_id": msg.message_id,
            "from": bot.user_api() if msg.from_bot else chat.user.to_api(),
            "chat": chat.user.chat_api(),
            "date": msg.date,
        }
        if msg.edit_date is not None:
            data["edit_date"] = msg.edit_date
        if msg.protect_content:
            data["has_protected_content"] = True
        if msg.reply_to_message_id is not None and not nested:
            original = chat.messages.get(msg.reply_to_message_id)
            if original is not None and not original.deleted:
                data["reply_to_message"] = self.message_api(bot, chat, original, nested=True)
        if msg.text is not None:
            data["text"] = msg.text
            if msg.entities:
                data["entities"] = [dict(e) for e in msg.entities]
        if msg.document is not None:
            doc = msg.document
            data["document"] = {
                "file_id": doc.file_id,
                "file_unique_id": doc.file_unique_id,
                "file_size": doc.size,
            }
            if doc.filename:
                data["document"]["file_name"] = doc.filename
            if doc.mime_type:
                data["document"]["mime_type"] = doc.mime_type
        if msg.photo is not None:
            data["photo"] = photo_sizes(msg.photo)
        if msg.contact is not None:
            data["contact"] = dict(msg.contact)
        if msg.caption is not None:
            data["caption"] = msg.caption
            if msg.caption_entities:
                data["caption_entities"] = [dict(e) for e in msg.caption_entities]
        if msg.reply_markup is not None:
            data["reply_markup"] = msg.reply_markup
        return data

    def new_file(
        self,
        kind: Literal["document", "photo"],
        data: bytes,
        filename: str | None,
        mime_type: str | None,
        width: int | None = None,
        height: int | None = None,
    ) -> StoredFile:
        number = next(self.file_ids)
        prefix = "BQACAgIAAxkBAAI" if kind == "document" else "AgACAgIAAxkBAAI"
        file_id = f"{prefix}{number:06d}{secrets.token_urlsafe(12)}"
        if kind == "photo":
            path = f"photos/file_{number}.jpg"
        else:
            ext = ""
            if filename and "." in filename:
                ext = "." + filename.rsplit(".", 1)[1]
            path = f"documents/file_{number}{ext}"
        if mime_type is None and kind == "document" and filename:
            mime_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        stored = StoredFile(
            file_id=file_id,
            file_unique_id="AgAD" + secrets.token_urlsafe(9),
            kind=kind,
            data=data,
            filename=filename,
            mime_type=mime_type,
            file_path=path,
            width=width,
            height=height,
        )
        self.files[file_id] = stored
        if kind == "photo":
            self.files[file_id + "_s"] = stored  # the thumbnail PhotoSize
        self.files_by_path[path] = stored
        return stored

    def chat(self, bot: Bot, params: Params) -> Chat:
        raw = params.str("chat_id")
        if raw is None or raw == "":
            raise bad("chat_id is empty")
        chat_id = params.int("chat_id")
        chat = bot.chats.get(chat_id) if chat_id is not None else None
        if chat is None:
            raise bad("chat not found")
        return chat

    def check_blocked(self, chat: Chat) -> None:
        if chat.blocked:
            raise TelegramError(403, BLOCKED)

    def flood(self, bot: Bot, chat_id: int, kind: Literal["send", "edit"]) -> None:
        if not self.flood_control:
            return
        now = self.clock()
        lim = self.limits
        keys: list[tuple[Any, float, int]]
        if kind == "send":
            keys = [
                ("global", lim.global_per_second, lim.global_burst),
                (("chat", chat_id), lim.per_chat_per_second, lim.per_chat_burst),
            ]
        else:
            keys = [(("edit", chat_id), lim.edits_per_chat_per_second, lim.edits_per_chat_burst)]
        buckets = []
        wait = 0.0
        for key, rate, burst in keys:
            bucket = bot.buckets.get(key)
            if bucket is None or bucket.rate != rate or bucket.burst != burst:
                bucket = bot.buckets[key] = Bucket(rate, burst, now)
            wait = max(wait, bucket.wait_time(now))
            buckets.append(bucket)
        if wait > 0:
            raise too_many(max(1, math.ceil(wait)))
        for bucket in buckets:
            bucket.take()

    def log_request(
        self, token: str, method: str, chat_id: int | None, err: TelegramError | None
    ) -> None:
        self.requests.append(
            RequestRecord(
                t=self.clock(),
                real_t=time.monotonic(),
                token=token,
                method=method,
                chat_id=chat_id,
                ok=err is None,
                error_code=None if err is None else err.code,
                description=None if err is None else err.description,
            )
        )

    def forced_failure(self, bot: Bot, method: str, chat_id: int | None) -> None:
        for failure in self.failures:
            if failure.method is None and method == "getUpdates":
                continue  # "any method" means the bot's own calls, not its polling
            if failure.method is not None and failure.method != method.lower():
                continue
            if failure.chat_id is not None and failure.chat_id != chat_id:
                continue
            if failure.token is not None and failure.token != bot.token:
                continue
            if failure.remaining is not None:
                failure.remaining -= 1
                if failure.remaining <= 0:
                    self.failures.remove(failure)
            raise TelegramError(failure.code, failure.description, failure.retry_after)
