"""Russian grammar for the catalogs: names in their case and words that agree with a person's
gender, written in the translation itself, as in «замечание для {name:gen}» or
«{name} не {name:g:подключён/подключена}». The declension is pytrovich's (Petrovich rules), not
hand-made endings."""

from __future__ import annotations

import functools

from pytrovich.detector import PetrovichGenderDetector
from pytrovich.enums import Case, Gender, NamePart
from pytrovich.maker import PetrovichDeclinationMaker

from domain.names import PersonName

CASES = {
    "nom": Case.NOMINATIVE,
    "gen": Case.GENITIVE,
    "dat": Case.DATIVE,
    "acc": Case.ACCUSATIVE,
    "ins": Case.INSTRUMENTAL,
    "pre": Case.PREPOSITIONAL,
}
PARTS = (NamePart.LASTNAME, NamePart.FIRSTNAME, NamePart.MIDDLENAME)


@functools.cache
def _maker() -> PetrovichDeclinationMaker:
    return PetrovichDeclinationMaker()


@functools.cache
def _detector() -> PetrovichGenderDetector:
    return PetrovichGenderDetector()


@functools.lru_cache(maxsize=4096)
def gender(name: PersonName) -> Gender:
    """From the patronymic where there is one (it always tells), else the first and last names."""
    try:
        return _detector().detect(
            firstname=name.first or None,
            middlename=name.middle or None,
            lastname=name.last or None,
        )
    except Exception:  # a name pytrovich cannot read (Latin letters, signs): no gender
        return Gender.ANDROGYNOUS


@functools.lru_cache(maxsize=4096)
def declined(name: PersonName, case: Case) -> str:
    if case is Case.NOMINATIVE:
        return str(name)
    sex = gender(name)
    known = sex is not Gender.ANDROGYNOUS
    parts = []
    for part, text in zip(PARTS, name.parts(), strict=True):
        try:
            parts.append(
                _maker().make(part, sex if known else Gender.MALE, case, text, known_gender=known)
                if text
                else text
            )
        except Exception:  # a foreign or odd name is left as written, never a failure
            parts.append(text)
    return name.written(*parts)


class RussianName:
    """A PersonName as the Russian catalog formats it: `{name}`, `{name:gen}` (any of CASES), and
    `{name:g:подключён/подключена}` — the masculine or feminine word, both with «(а)» style
    `подключён(а)` when the gender cannot be told."""

    __slots__ = ("name",)

    def __init__(self, name: PersonName) -> None:
        self.name = name

    def __str__(self) -> str:
        return str(self.name)

    def __format__(self, spec: str) -> str:
        if spec.startswith("g:"):
            masculine, _, feminine = spec[2:].partition("/")
            sex = gender(self.name)
            if sex is Gender.MALE:
                return masculine
            if sex is Gender.FEMALE:
                return feminine
            return f"{masculine}/{feminine}"
        case = CASES.get(spec)
        if case is None:
            return str(self.name)
        return declined(self.name, case)
