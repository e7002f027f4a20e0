"""One transaction per use case, over one SQLAlchemy session."""

from __future__ import annotations

from typing import Self

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.ports import (
    AccountRepository,
    DigestRepository,
    FamilyRepository,
    JobRunRepository,
    JournalRemarkRepository,
    JournalRepository,
    OutboxRepository,
    PeopleRepository,
    SchoolDirectory,
    SchoolRepository,
)
from storage.delivery_repositories import SqlJobRunRepository, SqlOutboxRepository
from storage.digest_repositories import SqlDigestRepository
from storage.family_repositories import SqlFamilyRepository
from storage.journal_repositories import (
    SqlAccountRepository,
    SqlJournalRepository,
    SqlPeopleRepository,
)
from storage.remark_repositories import SqlJournalRemarkRepository
from storage.repositories import SqlSchoolDirectory, SqlSchoolRepository


class SqlUnitOfWork:
    """Entering opens a session; leaving without `commit()` rolls everything back."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._session: AsyncSession | None = None
        self._depth = 0

    @property
    def session(self) -> AsyncSession:
        assert self._session is not None, "the unit of work is not open"
        return self._session

    async def __aenter__(self) -> Self:
        self._depth += 1
        if self._depth == 1:
            self._session = self._sessions()
            self.schools: SchoolRepository = SqlSchoolRepository(self._session)
            self.directory: SchoolDirectory = SqlSchoolDirectory(self._session)
            self.people: PeopleRepository = SqlPeopleRepository(self._session)
            self.accounts: AccountRepository = SqlAccountRepository(self._session)
            self.journal: JournalRepository = SqlJournalRepository(self._session)
            self.outbox: OutboxRepository = SqlOutboxRepository(self._session)
            self.jobs: JobRunRepository = SqlJobRunRepository(self._session)
            self.family: FamilyRepository = SqlFamilyRepository(self._session)
            self.remarks: JournalRemarkRepository = SqlJournalRemarkRepository(self._session)
            self.digests: DigestRepository = SqlDigestRepository(self._session)
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._depth -= 1
        if self._depth == 0 and self._session is not None:
            try:
                await self._session.rollback()
            finally:
                await self._session.close()
                self._session = None

    async def commit(self) -> None:
        await self.session.commit()

    async def rollback(self) -> None:
        await self.session.rollback()
