"""The outbox as its recipients would read it: each stored notice rendered the way the sender
renders it when it sends it (Telegram's renderer, the account's language now)."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

from sqlalchemy import select

from bot.render import TelegramRenderer
from domain.notices import body_from_json
from storage import models as m


async def rendered_outbox(make_uow: Callable[[], Any]) -> list[SimpleNamespace]:
    """Every row of the outbox as a plain record, by id; `text` and `buttons` rendered."""
    renderer = TelegramRenderer()
    async with make_uow() as uow:
        rows = (await uow.session.scalars(select(m.OutboxRow).order_by(m.OutboxRow.id))).all()
        languages = dict((await uow.session.execute(
            select(m.AccountRow.id, m.AccountRow.language)
        )).all())  # fmt: skip
        found = [
            SimpleNamespace(**{c.name: getattr(r, c.name) for c in m.OutboxRow.__table__.columns})
            for r in rows
        ]
    for x in found:
        if x.notice is not None:
            body = body_from_json(x.notice)
            language = languages.get(x.account_id, "")
            x.text = renderer.render(body, language)
            x.buttons = renderer.render_buttons(body, language) if body.buttons else []
    return found
