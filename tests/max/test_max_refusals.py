"""MAX's refusals, forced on the fake MAX server (`FakeMax.fail_next`), reach the real gateway
(maxo) and become the outcome the sender acts on: a user out of reach blocks the account, a
message MAX will never take fails, anything passing is tried again — and nothing is sent twice."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.max.client import MaxBot
from bot.max.gateway import MaxGateway
from domain.delivery import SendOutcome
from fakemax import FakeMax
from tests.max.test_max_send import MAX_TOKEN, MOTHER_MAX, to_mother


@pytest.mark.parametrize(
    ("status", "code", "outcome"),
    [
        (403, None, SendOutcome.BLOCKED),  # chat.denied: the user blocked the bot
        (404, None, SendOutcome.BLOCKED),  # chat.not.found: the dialog is gone
        (400, "proto.payload", SendOutcome.PERMANENT),  # MAX will never take this message
        (429, None, SendOutcome.RETRY_AFTER),
        (500, None, SendOutcome.TEMPORARY),
        (503, None, SendOutcome.TEMPORARY),
        (401, "verify.token", SendOutcome.TEMPORARY),  # a token being changed
    ],
)
async def test_a_refusal_of_max_is_the_outcome_the_sender_acts_on(
    status: int, code: str | None, outcome: SendOutcome
) -> None:
    async with FakeMax() as server:
        server.add_bot(MAX_TOKEN)
        server.user_starts(MOTHER_MAX)
        server.fail_next("POST", "messages", status, code, user_id=MOTHER_MAX)
        max_bot = MaxBot(MAX_TOKEN, server.api_url)
        try:
            refused = await MaxGateway(max_bot).send(to_mother(text="Оценки за четверть"))
            again = await MaxGateway(max_bot).send(to_mother(text="Оценки за четверть"))
        finally:
            await max_bot.close()
        delivered = server.bot_messages(MOTHER_MAX)
        assert server.internal_errors == []
    assert refused.outcome is outcome, refused
    assert again.outcome is SendOutcome.SENT  # the failure was forced once
    assert [m.text for m in delivered] == ["Оценки за четверть"]  # once, not twice


async def test_a_failed_upload_sends_nothing_and_is_tried_again() -> None:
    """A chart that cannot be uploaded: the message is not sent without it, nor half-sent."""
    async with FakeMax() as server:
        server.add_bot(MAX_TOKEN)
        server.user_starts(MOTHER_MAX)
        server.fail_next("POST", "uploads", 503)
        max_bot = MaxBot(MAX_TOKEN, server.api_url)
        message = to_mother(text="График", photo=b"\x89PNG fake")
        try:
            result = await MaxGateway(max_bot).send(message)
            sent_before = list(server.bot_messages(MOTHER_MAX))
            retried = await MaxGateway(max_bot).send(message)
        finally:
            await max_bot.close()
        delivered = server.bot_messages(MOTHER_MAX)
    assert result.outcome is SendOutcome.TEMPORARY, result
    assert sent_before == []
    assert retried.outcome is SendOutcome.SENT
    assert [[a["type"] for a in m.attachments] for m in delivered] == [["image"]]


async def test_fail_next_narrows_to_one_user_and_counts_down() -> None:
    async with FakeMax() as server:
        server.add_bot(MAX_TOKEN)
        server.user_starts(MOTHER_MAX)
        server.user_starts(MOTHER_MAX + 1)
        server.fail_next(status=500, times=2, user_id=MOTHER_MAX)
        max_bot = MaxBot(MAX_TOKEN, server.api_url)
        gateway = MaxGateway(max_bot)
        other = replace(to_mother(text="другому"), chat_id=str(FakeMax.chat_id_of(MOTHER_MAX + 1)))
        try:
            outcomes = [(await gateway.send(to_mother(text="маме"))).outcome for _ in range(3)]
            to_other = await gateway.send(other)
        finally:
            await max_bot.close()
    assert outcomes == [SendOutcome.TEMPORARY, SendOutcome.TEMPORARY, SendOutcome.SENT]
    assert to_other.outcome is SendOutcome.SENT
