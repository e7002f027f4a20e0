"""The check of the guardians table."""

from __future__ import annotations

from collections.abc import Sequence

from domain.importing.cells import PHONE_EXAMPLE, parse_phone
from domain.importing.checker import Validation
from domain.importing.keys import fold, school_key
from domain.importing.messages import PHONES_NORMALISED
from domain.importing.reading import Row
from domain.importing.tables.staff import person_names
from domain.importing.validated import GuardianRow


def check_guardians(v: Validation, rows: Sequence[Row]) -> None:
    snap = v.snapshot
    stored = {g.id: school_key(g.external_id) for g in snap.guardians}
    pupils = {p.id: school_key(p.external_id) for p in snap.pupils}
    links = {
        (stored.get(g.guardian_id), pupils.get(g.pupil_id)): g.relation for g in snap.guardianships
    }
    stored_ids = set(stored.values())
    names: dict[str, tuple[tuple[str, str, str], Row | None]] = {
        school_key(g.external_id): (
            (fold(g.last_name), fold(g.first_name), fold(g.middle_name)),
            None,
        )
        for g in snap.guardians
    }
    phones: dict[str, tuple[str, Row]] = {}
    seen: dict[object, Row] = {}
    for row in rows:
        ext = v.school_id(row, "id", "guardian", new=True)
        student = v.known_pupil(row)
        last, first, middle = person_names(v.check, row)
        phone = _phone(v, row)
        link = (ext, student)
        keep = (
            v.kept(row, ext in stored_ids, "middle_name", "phone")
            | v.kept(row, link in links, "relation")
            | v.empty_kept(row, "relation", links.get(link))
        )
        item = GuardianRow(
            row=row,
            external_id=ext,
            student_id=student,
            last_name=last,
            first_name=first,
            middle_name=middle,
            relation=v.check.text(row, "relation", limit=50),
            phone=phone,
            keep=keep,
        )
        if ext:
            _same_guardian(v, item, names, phones)
        if (
            ext
            and student
            and not v.check.duplicate(seen, (ext, student), row, "student_id", student)
        ):
            v.out.guardians.append(item)
    # A guardian of two children is one person: the phone given on any of their rows is theirs.
    for item in v.out.guardians:
        if not item.phone and item.external_id in phones:
            item.phone = phones[item.external_id][0]


def _phone(v: Validation, row: Row) -> str:
    phone = v.check.cell(row, "phone", parse_phone)
    if not isinstance(phone, str):
        return ""
    if phone != row.get("phone"):
        v.tally(row, "phone", PHONES_NORMALISED, example=PHONE_EXAMPLE)
    return phone


def _same_guardian(
    v: Validation,
    item: GuardianRow,
    names: dict[str, tuple[tuple[str, str, str], Row | None]],
    phones: dict[str, tuple[str, Row]],
) -> None:
    """Rows of one guardian id must agree on the name and the phone."""
    row, ext = item.row, item.external_id
    folded = (fold(item.last_name), fold(item.first_name), fold(item.middle_name))
    earlier = names.get(ext)
    if earlier is not None and earlier[1] is not None and earlier[0] != folded:
        v.check.fail(
            row,
            "last_name",
            "guardian {value} has another name on row {first}",
            value=ext,
            first=earlier[1].number,
        )
    else:
        names[ext] = (folded, row)
    if item.phone:
        known = phones.setdefault(ext, (item.phone, row))
        if known[0] != item.phone:
            v.check.fail(
                row,
                "phone",
                "guardian {value} has another phone on row {first}",
                value=ext,
                first=known[1].number,
            )
