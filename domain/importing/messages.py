"""The msgids of the import's counted warnings, marked for gettext and translated when shown."""

from __future__ import annotations


def N_(msgid: str) -> str:
    """gettext's marker: translated when the warning is shown."""
    return msgid


# Warnings counted per file and column, said once with the count.
ABSENT_KEPT = N_("no such column in the file: {count} stored row(s) keep their value")
EMPTY_KEPT = N_("empty on {count} row(s) that have a stored value: it is kept")
EMPTY_REFUSED = N_(
    "{column} may not be empty: the stored value is {value}; write it, or the new value"
)
PHONES_NORMALISED = N_("{count} phone number(s) are stored in one form, such as {example}")
IDS_RESOLVED = N_(
    "{count} id(s) written another way are ids already known, such as {value} as {id}"
)
IDS_AMBIGUOUS = N_("{value} could be any of the stored ids {allowed}: write one of them exactly")
CLASSES_NORMALISED = N_(
    "{count} class name(s) are stored in the usual form, such as {value} as {name}"
)
