"""What the use cases need from the outside world, as Protocols the adapters implement."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Protocol, Self

from domain.importing import SchoolSnapshot
from domain.model import School, WorkKind


class Clock(Protocol):
    """Where «now» comes from; tests pass a fixed one."""

    def now(self) -> dt.datetime: ...


class SchoolRepository(Protocol):
    async def add(self, school: School) -> School: ...

    async def get(self, school_id: int) -> School | None: ...

    async def by_name(self, name: str) -> School | None: ...

    async def all(self) -> list[School]: ...

    async def add_work_kinds(self, kinds: Sequence[WorkKind]) -> None: ...

    async def work_kinds(self, school_id: int) -> list[WorkKind]: ...


class SchoolDirectory(Protocol):
    """The school's lists as the importer reads and writes them."""

    async def snapshot(self, school_id: int) -> SchoolSnapshot: ...

    async def save(self, inserts: Sequence[object], updates: Sequence[object]) -> None:
        """Insert new entities (setting their ids) and update changed ones, of one kind."""
        ...

    async def add_subgroup_members(
        self, school_id: int, pairs: Sequence[tuple[int, int]]
    ) -> None: ...

    async def remove_subgroup_members(self, pairs: Sequence[tuple[int, int]]) -> None: ...


class UnitOfWork(Protocol):
    """One transaction per use case: commit keeps everything, anything else keeps nothing."""

    schools: SchoolRepository
    directory: SchoolDirectory

    async def __aenter__(self) -> Self: ...

    async def __aexit__(self, *exc: object) -> None: ...

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...
