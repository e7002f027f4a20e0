"""A scripted Telegram user for scenario tests: types, taps buttons, reads the screen.

Every action waits until the bot has handled it (:meth:`FakeTelegram.wait_handled`) and returns
the bot messages that appeared or changed because of it, so tests read like a conversation::

    user = FakeUser(server, TOKEN, user_id=1001, first_name="Анна")
    await user.start()
    await user.press("Оценки")
    assert "5А" in user.screen().text
    assert user.taps <= 20
"""

from __future__ import annotations

from typing import Any

from fakegram.server import CallbackAnswer, ChatMessage, FakeTelegram, StoredFile, TgUser


class FakeUser:
    """One Telegram user chatting privately with one bot on a :class:`FakeTelegram`."""

    def __init__(
        self,
        server: FakeTelegram,
        token: str,
        user_id: int,
        first_name: str = "Test",
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "ru",
        *,
        phone_number: str | None = None,
        think_time: float = 2.0,
        timeout: float = 5.0,
    ) -> None:
        """``think_time`` advances the server clock before each action (a human's pace),
        so flood control judges the bot, not the speed of the test script."""
        self.server = server
        self.token = token
        self.user = server.add_user(
            TgUser(
                id=user_id,
                first_name=first_name,
                last_name=last_name,
                username=username,
                language_code=language_code,
            )
        )
        self.phone_number = phone_number
        self.think_time = think_time
        self.timeout = timeout
        self.taps = 0

    @property
    def id(self) -> int:
        """The user id (= private chat id)."""
        return self.user.id

    @property
    def chat_id(self) -> int:
        """The private chat id (= user id)."""
        return self.user.id

    # ------------------------------------------------------------------ actions

    async def start(self, payload: str | None = None) -> list[ChatMessage]:
        """Press Start (``/start`` or a deep link ``/start payload``)."""
        return await self.send("/start" if payload is None else f"/start {payload}")

    async def send(self, text: str) -> list[ChatMessage]:
        """Type and send a text message; returns new/edited bot messages."""
        return await self._act(lambda: self.server.user_sends_text(self.user, text, bot=self.token))

    async def send_document(
        self, data: bytes, filename: str, *, caption: str | None = None
    ) -> list[ChatMessage]:
        """Upload a file to the bot."""
        return await self._act(
            lambda: self.server.user_sends_document(
                self.user, data, filename, caption=caption, bot=self.token
            )
        )

    async def share_contact(self, phone_number: str | None = None) -> list[ChatMessage]:
        """Share the own phone number (what a request_contact button does)."""
        phone = phone_number or self.phone_number
        if phone is None:
            raise AssertionError("no phone number: pass one or FakeUser(phone_number=...)")
        return await self._act(
            lambda: self.server.user_shares_contact(self.user, phone, bot=self.token)
        )

    async def press(
        self, label: str, message: ChatMessage | int | None = None
    ) -> list[ChatMessage]:
        """Tap the inline button labelled ``label`` (exact match first, then substring).

        Looks in ``message`` or else the latest bot message that has an inline keyboard.
        """
        target = self._keyboard_message(message)
        button = _find_button(target, label)
        if "callback_data" not in button:
            kind = next((k for k in button if k != "text"), "?")
            raise AssertionError(
                f"button {button['text']!r} is a {kind} button ({button.get(kind)!r}), "
                "pressing it does not reach the bot"
            )
        return await self.press_data(button["callback_data"], target.message_id)

    async def press_data(
        self, callback_data: str, message_id: int | None = None
    ) -> list[ChatMessage]:
        """Send a callback query with arbitrary (possibly forged) data."""
        if message_id is None:
            message_id = self.screen().message_id
        return await self._act(
            lambda: self.server.user_presses(self.user, message_id, callback_data, bot=self.token)
        )

    async def press_reply(self, label: str) -> list[ChatMessage]:
        """Tap a reply-keyboard button: sends its text (or the contact, for request_contact)."""
        keyboard = self.server.reply_keyboard(self.chat_id, bot=self.token)
        buttons = [b for row in (keyboard or {}).get("keyboard", []) for b in row]
        matches = [b for b in buttons if b["text"] == label] or [
            b for b in buttons if label in b["text"]
        ]
        if len(matches) != 1:
            raise AssertionError(
                f"reply button {label!r}: {len(matches)} matches; keyboard: {self.reply_buttons()}"
            )
        if matches[0].get("request_contact"):
            return await self.share_contact()
        return await self.send(matches[0]["text"])

    async def block(self) -> None:
        """Block the bot (it gets a my_chat_member update and 403 on sends)."""
        update_id = self.server.block(self.chat_id, bot=self.token)
        await self.server.wait_handled(update_id, timeout=self.timeout)

    # ------------------------------------------------------------------ reading

    def messages(self, include_deleted: bool = False) -> list[ChatMessage]:
        """The whole chat, oldest first."""
        return self.server.messages(self.chat_id, bot=self.token, include_deleted=include_deleted)

    def bot_messages(self) -> list[ChatMessage]:
        """Visible bot messages, oldest first."""
        return [m for m in self.messages() if m.from_bot]

    def screen(self) -> ChatMessage:
        """The latest visible bot message (what the user is looking at)."""
        messages = self.bot_messages()
        if not messages:
            raise AssertionError(f"the bot has not sent anything to user {self.chat_id}")
        return messages[-1]

    def last_alert(self) -> str | None:
        """Text of the last callback answer (toast/alert) for this user, if any."""
        answers = self.alerts()
        return answers[-1].text if answers else None

    def alerts(self) -> list[CallbackAnswer]:
        """All callback answers for this user, oldest first."""
        return self.server.callback_answers(self.chat_id, bot=self.token)

    def reply_buttons(self) -> list[list[str]]:
        """Labels of the reply keyboard currently shown (empty if none)."""
        keyboard = self.server.reply_keyboard(self.chat_id, bot=self.token)
        if not keyboard:
            return []
        return [[b["text"] for b in row] for row in keyboard.get("keyboard", [])]

    def documents(self) -> list[StoredFile]:
        """Files the bot sent (documents and photos), oldest first."""
        files: list[StoredFile] = []
        for m in self.bot_messages():
            if m.document is not None:
                files.append(m.document)
            if m.photo is not None:
                files.append(m.photo)
        return files

    # ------------------------------------------------------------------ internals

    async def _act(self, action: Any) -> list[ChatMessage]:
        self.taps += 1
        self.server.advance(self.think_time)
        before = {
            m.message_id: (m.edit_count, m.deleted)
            for m in self.server.messages(self.chat_id, bot=self.token)
            if m.from_bot
        }
        update_id = action()
        await self.server.wait_handled(update_id, timeout=self.timeout)
        changed = []
        for m in self.server.messages(self.chat_id, bot=self.token, include_deleted=False):
            if m.from_bot and before.get(m.message_id) != (m.edit_count, m.deleted):
                changed.append(m)
        return changed

    def _keyboard_message(self, message: ChatMessage | int | None) -> ChatMessage:
        visible = self.bot_messages()
        if message is not None:
            wanted = message if isinstance(message, int) else message.message_id
            for m in visible:
                if m.message_id == wanted:
                    return m
            raise AssertionError(f"message {wanted} is not visible in chat {self.chat_id}")
        for m in reversed(visible):
            if m.inline_buttons:
                return m
        raise AssertionError(
            f"no bot message with an inline keyboard; last message: {visible[-1].content!r}"
            if visible
            else "the bot has not sent anything"
        )


def _find_button(message: ChatMessage, label: str) -> dict[str, Any]:
    buttons = [b for row in message.inline_buttons for b in row]
    exact = [b for b in buttons if b["text"] == label]
    matches = exact or [b for b in buttons if label in b["text"]]
    distinct = {tuple(sorted(b.items())) for b in matches}
    if len(distinct) == 1:
        return matches[0]
    problem = "no button" if not matches else f"{len(matches)} buttons"
    raise AssertionError(
        f"{problem} matching {label!r} in message {message.message_id} "
        f"({message.content[:60]!r}); buttons: {message.buttons}"
    )
