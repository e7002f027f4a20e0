"""The outbox and the record of job runs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import CursorResult, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.delivery import OutboxMessage, OutboxStatus
from domain.notices import body_from_json, body_to_json
from storage import models as m
from storage.repositories import insert_ignoring, is_postgresql


def _message(r: m.OutboxRow) -> OutboxMessage:
    return OutboxMessage(
        id=r.id,
        school_id=r.school_id,
        account_id=r.account_id,
        chat_id=r.chat_id,
        messenger=r.messenger,
        kind=r.kind,
        dedup_key=r.dedup_key,
        text=r.text,
        not_before=r.not_before,
        created_at=r.created_at,
        urgent=r.urgent,
        buttons=list(r.buttons or []),
        status=OutboxStatus(r.status),
        attempts=r.attempts,
        lease_until=r.lease_until,
        last_error=r.last_error,
        sent_at=r.sent_at,
        photo=r.photo,
        not_after=r.not_after,
        notice=None if r.notice is None else body_from_json(r.notice),
    )


def _row(x: OutboxMessage) -> dict[str, Any]:
    return {
        "school_id": x.school_id,
        "account_id": x.account_id,
        "chat_id": x.chat_id,
        "messenger": x.messenger,
        "kind": x.kind,
        "dedup_key": x.dedup_key,
        "text": x.text,
        "buttons": x.buttons,
        "urgent": x.urgent,
        "status": x.status.value,
        "attempts": x.attempts,
        "not_before": x.not_before,
        "lease_until": x.lease_until,
        "last_error": x.last_error,
        "created_at": x.created_at,
        "sent_at": x.sent_at,
        "photo": x.photo,
        "not_after": x.not_after,
        "notice": None if x.notice is None else body_to_json(x.notice),
    }


class SqlOutboxRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, messages: Sequence[OutboxMessage]) -> int:
        """Queue messages; a dedup key already queued is skipped. Returns how many were given."""
        if not messages:
            return 0
        statement = insert_ignoring(self.session, m.OutboxRow, ["dedup_key"])
        await self.session.execute(statement, [_row(x) for x in messages])
        return len(messages)

    async def claim(
        self, now: dt.datetime, limit: int, lease_until: dt.datetime
    ) -> list[OutboxMessage]:
        due = (
            select(m.OutboxRow.id)
            .where(
                or_(
                    (m.OutboxRow.status == OutboxStatus.PENDING.value)
                    & (m.OutboxRow.not_before <= now),
                    (m.OutboxRow.status == OutboxStatus.SENDING.value)
                    & (m.OutboxRow.lease_until < now),
                ),
                or_(m.OutboxRow.not_after.is_(None), m.OutboxRow.not_after > now),
            )
            .order_by(m.OutboxRow.urgent.desc(), m.OutboxRow.id)
            .limit(limit)
        )
        if is_postgresql(self.session):
            due = due.with_for_update(skip_locked=True)
        ids = list((await self.session.scalars(due)).all())
        if not ids:
            return []
        await self.session.execute(
            update(m.OutboxRow)
            .where(m.OutboxRow.id.in_(ids))
            .values(status=OutboxStatus.SENDING.value, lease_until=lease_until)
        )
        rows = await self.session.scalars(
            select(m.OutboxRow).where(m.OutboxRow.id.in_(ids)).order_by(m.OutboxRow.id)
        )
        claimed, unreadable = [], {}
        for r in rows:
            try:
                claimed.append(_message(r))
            except (KeyError, TypeError, ValueError, AttributeError) as err:
                unreadable[r.id] = f"unreadable notice: {type(err).__name__}: {err}"[:500]
        for row_id, error in unreadable.items():  # it will not read better next time
            await self.session.execute(
                update(m.OutboxRow)
                .where(m.OutboxRow.id == row_id)
                .values(status=OutboxStatus.FAILED.value, lease_until=None, last_error=error)
            )
        # The language each is rendered in: the account's now (a second query: SQLite's
        # UPDATE … RETURNING gives no joined column, and one way for both databases is simpler).
        accounts = {x.account_id for x in claimed}
        found = await self.session.execute(
            select(m.AccountRow.id, m.AccountRow.language).where(m.AccountRow.id.in_(accounts))
        )
        languages = {account_id: language for account_id, language in found.all()}
        for x in claimed:
            x.claim = lease_until
            x.language = languages.get(x.account_id) or ""
        return claimed

    async def expire(self, now: dt.datetime) -> int:
        """Waiting past its `not_after` (queued, or claimed by a sender whose lease ran out):
        `expired`, never to be sent."""
        done = await self.session.execute(
            update(m.OutboxRow)
            .where(
                m.OutboxRow.not_after <= now,
                or_(
                    m.OutboxRow.status == OutboxStatus.PENDING.value,
                    (m.OutboxRow.status == OutboxStatus.SENDING.value)
                    & (m.OutboxRow.lease_until < now),
                ),
            )
            .values(status=OutboxStatus.EXPIRED.value, lease_until=None)
        )
        return int(cast("CursorResult[Any]", done).rowcount or 0)

    async def mark_sent(self, ids: Sequence[int], at: dt.datetime) -> None:
        """Telegram took them, so `sent` whoever claims them now (even another sender after
        this one's lease ran out: it was delivered); a row already `sent` keeps its moment."""
        if ids:
            await self.session.execute(
                update(m.OutboxRow)
                .where(m.OutboxRow.id.in_(list(ids)), m.OutboxRow.status != OutboxStatus.SENT.value)
                .values(status=OutboxStatus.SENT.value, sent_at=at, lease_until=None)
            )

    async def save(self, messages: Sequence[OutboxMessage]) -> int:
        """What became of messages a sender claimed (a failure, or back in the queue), written
        only where the row is still `sending` under the lease the message was claimed with.
        An outcome heard after the lease ran out and another sender claimed the row (or sent
        it) would undo that sender's claim: the row claimable by a third, an attempt counted
        twice. Returns how many were not written so."""
        refused = 0
        for x in messages:
            if x.claim is None:
                refused += 1
                continue
            done = await self.session.execute(
                update(m.OutboxRow)
                .where(
                    m.OutboxRow.id == x.id,
                    m.OutboxRow.status == OutboxStatus.SENDING.value,
                    m.OutboxRow.lease_until == x.claim,
                )
                .values(**_row(x))
            )
            if cast("CursorResult[Any]", done).rowcount != 1:
                refused += 1
        return refused

    async def counts(self) -> dict[str, int]:
        rows = await self.session.execute(
            select(m.OutboxRow.status, func.count()).group_by(m.OutboxRow.status)
        )
        return {status: int(count) for status, count in rows.all()}

    async def due(self, now: dt.datetime) -> int:
        count = await self.session.scalar(
            select(func.count()).where(
                m.OutboxRow.status == OutboxStatus.PENDING.value, m.OutboxRow.not_before <= now
            )
        )
        return int(count or 0)

    async def latest_failures(self, limit: int) -> list[OutboxMessage]:
        rows = await self.session.scalars(
            select(m.OutboxRow)
            .where(m.OutboxRow.status.in_([OutboxStatus.FAILED.value, OutboxStatus.BLOCKED.value]))
            .order_by(m.OutboxRow.id.desc())
            .limit(limit)
        )
        return [_message(r) for r in rows]

    async def last_status(self, account_ids: Sequence[int], kind: str) -> str | None:
        return await _last_status(self.session, account_ids, kind)

    async def mark_unreachable(self, account_id: int, at: dt.datetime) -> None:
        await self.session.execute(
            update(m.AccountRow).where(m.AccountRow.id == account_id).values(unreachable_at=at)
        )


async def _last_status(session: AsyncSession, account_ids: Sequence[int], kind: str) -> str | None:
    if not account_ids:
        return None
    return await session.scalar(
        select(m.OutboxRow.status)
        .where(m.OutboxRow.account_id.in_(list(account_ids)), m.OutboxRow.kind == kind)
        .order_by(m.OutboxRow.id.desc())
        .limit(1)
    )


class SqlJobRunRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def start(self, job: str, school_id: int, period_key: str, at: dt.datetime) -> bool:
        statement = insert_ignoring(self.session, m.JobRunRow, ["job", "school_id", "period_key"])
        inserted = await self.session.scalar(
            statement.values(
                job=job, school_id=school_id, period_key=period_key, ran_at=at
            ).returning(m.JobRunRow.id)
        )
        return inserted is not None

    async def ran(self, job: str, school_id: int, period_key: str) -> bool:
        found = await self.session.scalar(
            select(m.JobRunRow.id).where(
                m.JobRunRow.job == job,
                m.JobRunRow.school_id == school_id,
                m.JobRunRow.period_key == period_key,
            )
        )
        return found is not None

    async def set_count(self, job: str, school_id: int, period_key: str, messages: int) -> None:
        await self.session.execute(
            update(m.JobRunRow)
            .where(
                m.JobRunRow.job == job,
                m.JobRunRow.school_id == school_id,
                m.JobRunRow.period_key == period_key,
            )
            .values(messages=messages)
        )
