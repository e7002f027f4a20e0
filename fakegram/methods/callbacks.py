"""answerCallbackQuery."""

from __future__ import annotations

from typing import Any

from fakegram.errors import QUERY_TOO_OLD, bad
from fakegram.limits import CALLBACK_ANSWER_LIMIT
from fakegram.parsers import Params
from fakegram.state import Bot, CallbackAnswer, ServerState


async def answer_callback_query(state: ServerState, bot: Bot, params: Params) -> Any:
    query_id = params.str("callback_query_id")
    text = params.str("text")
    if text is not None and len(text) > CALLBACK_ANSWER_LIMIT:
        raise bad("MESSAGE_TOO_LONG")
    query = bot.queries.get(query_id or "")
    expired = (
        query is not None
        and state.callback_query_timeout is not None
        and state.clock() - query.created > state.callback_query_timeout
    )
    if query is None or query.answered or expired:
        raise bad(QUERY_TOO_OLD)
    query.answered = True
    bot.answers.append(
        CallbackAnswer(
            query_id=query_id or "",
            user_id=query.user_id,
            message_id=query.message_id,
            text=text or None,
            show_alert=params.bool("show_alert"),
            url=params.str("url"),
            at=state.clock(),
        )
    )
    state.notify(bot, query.user_id)
    return True
