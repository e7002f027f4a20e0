"""MAX's renderer (its html, its limits, labels in the reader's language), the gateway's reading
of MAX's refusals, and the composition root registering MAX only when a token is configured."""

from __future__ import annotations

import pytest
from maxo.errors import (
    MaxBotBadGatewayError,
    MaxBotBadRequestError,
    MaxBotForbiddenError,
    MaxBotNetworkError,
    MaxBotNotFoundError,
    MaxBotTooManyRequestsError,
    MaxBotUnauthorizedError,
    MaxBotUnknownServerError,
    MaxoError,
)

from app.config import Settings
from app.runtime import Messengers, build_max_bot, messengers
from bot.main import build_bot
from bot.max import payloads
from bot.max.gateway import MaxGateway, outcome_of
from bot.max.render import BUTTONS_LIMIT, ROW_LIMIT, ROWS_LIMIT, TEXT_LIMIT, MaxRenderer
from domain.delivery import SendOutcome
from domain.intents import AcknowledgeTermMarks, OpenRemark
from domain.notices import NoticeBody
from domain.text import Msg, strong
from domain.usecases.family_jobs import ACK_BUTTON


def test_term_marks_button_in_the_readers_language_with_max_payload() -> None:
    notice = NoticeBody(lines=(), buttons=(((ACK_BUTTON, AcknowledgeTermMarks(12)),),))
    renderer = MaxRenderer()
    [[ru]] = renderer.render_buttons(notice, "ru")
    [[en]] = renderer.render_buttons(notice, "en")
    assert ru == {"text": "✅ Ознакомлен(а)", "data": "seen:12"}
    assert en == {"text": "✅ I have seen them", "data": "seen:12"}
    assert payloads.decode(ru["data"]) == AcknowledgeTermMarks(12)


def test_text_is_html_escaped_and_within_max_limit() -> None:
    line = Msg("{name}, {class_name}", (("name", strong("<Вера>")), ("class_name", "7А")))
    renderer = MaxRenderer()
    assert renderer.render(NoticeBody(lines=(line,)), "ru") == "<b>&lt;Вера&gt;</b>, 7А"
    long = NoticeBody(lines=tuple(Msg("x" * 99 + str(i % 10)) for i in range(60)))
    text = renderer.render(long, "ru")
    assert len(text) <= TEXT_LIMIT and text.endswith("\n…")


def keyboard(rows: int, width: int) -> list[list[dict[str, str]]]:
    buttons = tuple(
        tuple((f"{r}.{c}", OpenRemark(r * 100 + c + 1)) for c in range(width)) for r in range(rows)
    )
    return MaxRenderer().render_buttons(NoticeBody(lines=(), buttons=buttons), "ru")


def test_keyboard_within_max_limits() -> None:
    wide = keyboard(40, 10)  # each row split in 7 and 3, in order, up to 30 rows
    assert len(wide) == ROWS_LIMIT and sum(map(len, wide)) == 15 * 10
    assert all(1 <= len(row) <= ROW_LIMIT for row in wide)
    assert wide[0][0]["text"] == "0.0" and wide[1][0]["text"] == "0.7"
    full = keyboard(35, 7)
    assert len(full) == ROWS_LIMIT and sum(map(len, full)) == BUTTONS_LIMIT
    assert keyboard(3, 2) == [row[:2] for row in full[:3]]


def refusal(kind: type[MaxoError], code: str = "", message: str = "") -> MaxoError:
    if kind is MaxBotNetworkError:
        return MaxBotNetworkError(message)
    return kind(code, "", message, None)  # code, error, message, raw data


@pytest.mark.parametrize(
    ("error", "outcome"),
    [
        (refusal(MaxBotTooManyRequestsError, "too.many.requests"), SendOutcome.RETRY_AFTER),
        (refusal(MaxBotUnknownServerError, "internal.error"), SendOutcome.TEMPORARY),
        (refusal(MaxBotBadGatewayError), SendOutcome.TEMPORARY),
        (refusal(MaxBotNetworkError, message="connection reset"), SendOutcome.TEMPORARY),
        (refusal(MaxBotUnauthorizedError, "verify.token"), SendOutcome.TEMPORARY),
        (refusal(MaxBotForbiddenError, "access.denied"), SendOutcome.BLOCKED),
        (refusal(MaxBotBadRequestError, "error.dialog.suspended", "blocked"), SendOutcome.BLOCKED),
        (refusal(MaxBotNotFoundError, "not.found", "Chat 5 not found"), SendOutcome.BLOCKED),
        (refusal(MaxBotNotFoundError, "not.found", "Path /x not found"), SendOutcome.PERMANENT),
        (refusal(MaxBotBadRequestError, "proto.payload", "text: size"), SendOutcome.PERMANENT),
    ],
)
def test_max_refusals_map_to_outcomes(error: MaxoError, outcome: SendOutcome) -> None:
    result = outcome_of(error)
    assert result.outcome is outcome
    assert result.error
    if outcome is SendOutcome.RETRY_AFTER:
        assert result.retry_after >= 1


async def test_max_is_registered_only_with_a_token() -> None:
    bot = build_bot("555002:runtime-test")
    try:
        without = Settings(max_token="")
        assert build_max_bot(without) is None
        assert set(messengers(without, bot).gateways) == {"telegram"}
        settings = Settings(max_token="t", max_api_url="http://127.0.0.1:1/")
        max_bot = build_max_bot(settings)
        assert max_bot is not None and max_bot.api_url == "http://127.0.0.1:1/"
        found: Messengers = messengers(settings, bot, max_bot)
        assert set(found.gateways) == set(found.renderers) == set(found.limiters)
        assert set(found.gateways) == {"telegram", "max"}
        assert isinstance(found.gateways["max"], MaxGateway)
        assert isinstance(found.renderers["max"], MaxRenderer)
        assert found.limiters["max"].per_second == 30
    finally:
        await bot.session.close()
