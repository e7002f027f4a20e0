"""The seam between the core and a messenger: a second messenger, written only here (an
in-memory renderer and gateway), gets a digest and the term marks with their acknowledgement
intent rendered its own way, while the same guardian's Telegram account gets Telegram's
rendering, through the same outbox and the same sender."""

from __future__ import annotations

import dataclasses
import datetime as dt

from bot.render import TelegramRenderer
from domain.clock import FixedClock
from domain.delivery import OutboxMessage, RateLimiter, SendOutcome, SendResult
from domain.intents import AcknowledgeTermMarks, Intent
from domain.notices import NoticeBody
from domain.text import Msg, Strong
from domain.usecases import diary
from domain.usecases.accounts import MessengerUser
from locales import Translator, translator
from scheduler.sender import Sender
from tests.two_messengers import MSK, family_with_term_marks

MEMO = "memo"  # the test's messenger


def memo_text(t: Translator, line: Msg) -> str:
    """The memo messenger's markup: emphasis between asterisks, nothing escaped."""
    values: dict[str, object] = {}
    for key, value in line.params:
        if isinstance(value, Strong):
            values[key] = f"*{value.value}*"
        elif isinstance(value, Msg):
            values[key] = memo_text(t, value)
        else:
            values[key] = value
    return t(line.msgid, **values)


def memo_payload(intent: Intent) -> str:
    return "/".join(["memo", type(intent).__name__, *map(str, dataclasses.astuple(intent))])


class MemoRenderer:
    def render(self, notice: NoticeBody, language: str) -> str:
        t = translator(language)
        return "\n".join(memo_text(t, line) for line in notice.lines)

    def render_buttons(self, notice: NoticeBody, language: str) -> list[list[dict[str, str]]]:
        t = translator(language)
        return [
            [
                {
                    "text": label if isinstance(label, str) else memo_text(t, label),
                    "data": memo_payload(intent),
                }
                for label, intent in row
            ]
            for row in notice.buttons
        ]


class Recording:
    """A gateway that keeps what it was given."""

    def __init__(self) -> None:
        self.sent: list[OutboxMessage] = []

    async def send(self, message: OutboxMessage) -> SendResult:
        self.sent.append(message)
        return SendResult(SendOutcome.SENT)


async def test_a_second_messenger_gets_its_own_rendering_through_the_same_outbox(
    make_uow,
) -> None:
    clock = FixedClock(dt.datetime(2026, 11, 16, 8, 40, tzinfo=MSK))
    father = await family_with_term_marks(
        make_uow,
        clock,
        mother=MessengerUser(messenger=MEMO, user_id="m2", chat_id="m2", language="ru"),
        father=MessengerUser(messenger=MEMO, user_id="m4", chat_id="m4", language="ru"),
    )

    telegram, memo = Recording(), Recording()
    free = {name: RateLimiter(per_second=0, per_chat_interval=0) for name in ("telegram", MEMO)}
    sender = Sender(
        make_uow,
        {"telegram": telegram, MEMO: memo},
        clock,
        renderers={"telegram": TelegramRenderer(), MEMO: MemoRenderer()},
        limiters=free,
    )
    while await sender.run_once():
        pass

    assert {x.chat_id for x in memo.sent} == {"m2", "m4"}
    assert "2" in {x.chat_id for x in telegram.sent}
    assert all(x.messenger == "telegram" for x in telegram.sent)
    by_kind = {x.kind: x for x in memo.sent if x.chat_id == "m4"}
    tg = {x.kind: x for x in telegram.sent if x.chat_id == "2"}
    # The digest: emphasis the memo way, bold the Telegram way.
    memo_digest = next(x for x in memo.sent if x.kind == "digest" and "7А" in x.text)
    tg_digest = next(x for x in telegram.sent if x.kind == "digest" and "7А" in x.text)
    assert "*Лебедев Вера*, 7А" in memo_digest.text and "<b>" not in memo_digest.text
    assert "<b>Лебедев Вера</b>, 7А" in tg_digest.text
    # The term marks: the same intent, each messenger's payload.
    [[memo_button]] = by_kind["term_marks"].buttons
    [[tg_button]] = tg["term_marks"].buttons
    assert memo_button["text"] == "✅ I have seen them"  # the father's language when sent
    assert tg_button["text"] == "✅ Ознакомлен(а)"
    assert "Please confirm" in by_kind["term_marks"].text
    assert tg_button["data"].startswith("ack:")
    kind, name, ack_id = memo_button["data"].split("/")
    assert (kind, name) == ("memo", AcknowledgeTermMarks.__name__)
    assert memo_button["data"] == memo_payload(AcknowledgeTermMarks(int(ack_id)))
    # The intent acts the same whichever messenger it came through.
    ack = await diary.acknowledge_term_marks(make_uow(), father, int(ack_id), clock)
    assert ack.acknowledged_at == clock.now()
