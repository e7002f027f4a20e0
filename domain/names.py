"""A person's name as a message value: the parts kept apart, so that each language can put the
name in the case and agree the words around it (Russian: «для Новиковой Татьяны», «подключена»)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Protocol


class Named(Protocol):
    @property
    def last_name(self) -> str: ...

    @property
    def first_name(self) -> str: ...

    @property
    def middle_name(self) -> str: ...


@dataclass(frozen=True, slots=True)
class PersonName:
    """`short` writes the given names as initials («Соколов А. В.»); the whole names are still
    kept, since they tell a Russian name's gender."""

    last: str
    first: str = ""
    middle: str = ""
    short: bool = False

    @classmethod
    def of(cls, person: Named, *, short: bool = False) -> PersonName:
        return cls(
            last=person.last_name,
            first=person.first_name,
            middle=person.middle_name or "",
            short=short,
        )

    def parts(self) -> tuple[str, str, str]:
        return self.last, self.first, self.middle

    def written(self, last: str, first: str, middle: str) -> str:
        """The name from (possibly declined) parts, whole or with initials."""
        if self.short:
            initials = " ".join(f"{p[0]}." for p in (self.first, self.middle) if p)
            return f"{last} {initials}".strip()
        return " ".join(p for p in (last, first, middle) if p)

    def map(self, change: Callable[[str], str]) -> PersonName:
        """The same name with every part changed (escaped for a markup, say)."""
        return replace(
            self, last=change(self.last), first=change(self.first), middle=change(self.middle)
        )

    def __str__(self) -> str:
        return self.written(*self.parts())

    def __format__(self, spec: str) -> str:
        """Without a language there is no case to put it in: the name as it is."""
        return str(self)
