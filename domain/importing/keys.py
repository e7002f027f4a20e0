"""Keys that make a re-import update rather than duplicate: ids, names, classes compared loosely."""

from __future__ import annotations

import re

# Characters that print as nothing: a zero-width space pasted from a web page, a BOM left in the
# middle of a file, direction marks. In a key they would make «S1» and «S1​» two people.
INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]")


def clean_name(text: str) -> str:
    return re.sub(r"\s+", " ", INVISIBLE.sub("", text)).strip()


def school_key(text: str) -> str:
    """A school's own id as a key: «S1», « S1 » and «S1» with a zero-width space are one id."""
    return clean_name(text)


# After casefold: Cyrillic letters that look like Latin ones (а/a, е/e, о/o, р/p, с/c, т/t …).
_CYRILLIC_LOOKALIKES = str.maketrans("авекмнорстухё", "abekmhopctyxe")


def id_key(text: str) -> str:
    """How ids compare: «S0003», «s0003», «S 0003» and «С0003» (a Cyrillic С) are one id."""
    return re.sub(r"\s+", "", INVISIBLE.sub("", text)).casefold().translate(_CYRILLIC_LOOKALIKES)


def fold(text: str) -> str:
    """Keys of names compare without case, extra spaces or ё/е differences."""
    return clean_name(text).casefold().replace("ё", "е")


_LATIN_LOOKALIKES = str.maketrans("ABEKMHOPCTYX", "АВЕКМНОРСТУХ")


def class_key(text: str) -> str:
    """«5 а», «5А», «5-А» and «5a» (Latin) name the same class."""
    cleaned = re.sub(r"[\s\-–—]+", "", INVISIBLE.sub("", text)).upper()
    return cleaned.translate(_LATIN_LOOKALIKES)


def class_name(text: str) -> str:
    """How a class is stored: «5 а», «5-A» (Latin) and «5А» are all kept as «5А».

    Only a grade and one letter has a usual form; any other name is kept as written (its key
    still ignores case and spaces).
    """
    name = clean_name(text)
    m = re.fullmatch(r"(\d{1,2})\s*[-–—]?\s*([^\W\d_])", name)
    if m is None:
        return name
    return m.group(1) + m.group(2).upper().translate(_LATIN_LOOKALIKES)
