"""What the applier's steps share: the report's counts and merging incoming records into
stored ones."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any, Protocol

from domain.importing import ImportProblem


@dataclass(slots=True)
class TableCounts:
    added: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass(slots=True)
class ImportReport:
    """What an import did, per table, in the order a secretary reads it, and its warnings:
    what it ignored (a column, a file), normalised (a phone, a class name) or kept as stored
    (a column the files lack)."""

    tables: dict[str, TableCounts] = field(default_factory=dict)
    warnings: list[ImportProblem] = field(default_factory=list)

    def counts(self, table: str) -> TableCounts:
        return self.tables.setdefault(table, TableCounts())


class StoredEntity(Protocol):
    """A stored record: its id is None until saved, then set in place by the directory."""

    @property
    def id(self) -> int | None: ...


def stored_id(entity: StoredEntity) -> int:
    """The id of a record this import has saved or found stored (set by then)."""
    assert entity.id is not None
    return entity.id


# A validated row's `keep` names import columns; these are the entity fields they fill.
FIELD_OF_COLUMN = {"class_teacher": "class_teacher_id", "kind": "work_kind"}


def _kept_fields(entity: Any, keep: frozenset[str]) -> list[str]:
    names = {f.name for f in fields(entity)}
    return [f for f in (FIELD_OF_COLUMN.get(c, c) for c in keep) if f in names]


def merge[T: StoredEntity, K: Hashable](
    existing: Sequence[T],
    incoming: Sequence[T],
    key: Callable[[T], K],
    keeps: Sequence[frozenset[str]] | None = None,
) -> tuple[list[T], list[T], int, dict[K, T]]:
    """Split incoming entities into inserts and real updates; an update keeps the stored id
    and, for the columns in its `keeps` entry, the stored values (the file did not give them)."""
    by_key: dict[K, T] = {key(e): e for e in existing}
    inserts: list[T] = []
    updates: list[T] = []
    unchanged = 0
    for index, item in enumerate(incoming):
        k = key(item)
        old = by_key.get(k)
        if old is None:
            inserts.append(item)
            by_key[k] = item
            continue
        keep = keeps[index] if keeps is not None else frozenset()
        stored = {f: getattr(old, f) for f in _kept_fields(old, keep)}
        # the records are dataclasses; a Protocol bound cannot say so to replace()
        merged = replace(item, id=old.id, **stored)  # type: ignore[type-var]
        if merged == old:
            unchanged += 1
        else:
            updates.append(merged)
            by_key[k] = merged
    return inserts, updates, unchanged, by_key
