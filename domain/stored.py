"""Values read back from a JSON settings column, typed as they are used.

A settings column holds what `to_dict` wrote, but its type is only `object` to the checker;
these functions narrow a value to the type a setting has, and refuse (TypeError, as `int()`
itself does) one that cannot be it.
"""

from __future__ import annotations

from typing import SupportsIndex, SupportsInt


def as_int(value: object) -> int:
    """`int(value)` for what `int()` takes (a number or its text)."""
    if isinstance(value, (str, bytes, bytearray, SupportsInt, SupportsIndex)):
        return int(value)
    raise TypeError(f"int() argument must be a string or a number, not {type(value).__name__!r}")


def as_items(value: object) -> tuple[object, ...]:
    """`tuple(value)` for a list or tuple."""
    if isinstance(value, (list, tuple)):
        return tuple(value)
    raise TypeError(f"a list was expected, not {type(value).__name__!r}")
