"""A school with one account (and chat) per message and every message due now: what the
sender's crash and outage tests, and the outage benchmark, give the sender to deliver."""

from __future__ import annotations

import datetime as dt

from domain.delivery import OutboxMessage
from domain.people import Account
from domain.usecases.schools import create_school
from storage.database import create_engine, session_factory
from storage.uow import SqlUnitOfWork


async def fill_outbox(url: str, *, first_chat: int, messages: int, kind: str) -> None:
    """Chats first_chat … first_chat + messages − 1; each message's text names its chat."""
    engine = create_engine(url)
    try:
        make_uow = lambda: SqlUnitOfWork(session_factory(engine))  # noqa: E731
        school = await create_school(make_uow(), "Школа", "Europe/Moscow")
        assert school.id is not None
        now = dt.datetime.now(dt.UTC)
        async with make_uow() as uow:
            accounts = []
            for chat in range(first_chat, first_chat + messages):
                account = await uow.accounts.add(
                    Account(
                        id=None, messenger="telegram", user_id=str(chat), chat_id=str(chat),
                        display_name=f"№{chat - first_chat}", created_at=now,
                    )
                )  # fmt: skip
                assert account.id is not None
                accounts.append((account.id, account.chat_id))
            await uow.outbox.add(
                [
                    OutboxMessage(
                        id=None, school_id=school.id, account_id=account_id, chat_id=chat_id,
                        messenger="telegram", kind=kind, dedup_key=f"{kind}:{account_id}",
                        text=f"Сообщение для {chat_id}", not_before=now, created_at=now,
                    )
                    for account_id, chat_id in accounts
                ]
            )  # fmt: skip
            await uow.commit()
    finally:
        await engine.dispose()


async def outbox_counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        async with SqlUnitOfWork(session_factory(engine)) as uow:
            return await uow.outbox.counts()
    finally:
        await engine.dispose()
