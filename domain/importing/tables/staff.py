"""The check of the staff table."""

from __future__ import annotations

import re
from collections.abc import Sequence

from domain.importing.cells import parse_grades
from domain.importing.checker import Checker, Validation
from domain.importing.columns import ROLE_NAMES
from domain.importing.keys import school_key
from domain.importing.reading import Row
from domain.importing.validated import StaffRow
from domain.model import GradeRange, Role


def check_staff(v: Validation, rows: Sequence[Row]) -> None:
    stored = {school_key(s.external_id): s for s in v.snapshot.staff}
    seen: dict[object, Row] = {}
    for row in rows:
        ext = v.school_id(row, "id", "staff", new=True)
        roles = _roles(v.check, row)
        grades = v.check.cell(row, "deputy_grades", parse_grades)
        if grades is not None and Role.DEPUTY not in roles:
            v.check.fail(row, "deputy_grades", "deputy grades are given but the role deputy is not")
        old = stored.get(ext)
        if old is not None and Role.DEPUTY in roles:
            v.not_emptied(row, "deputy_grades", old.deputy_grades, None)
        # Without the role deputy there are no deputy grades to keep.
        optional = ("middle_name", "deputy_grades") if Role.DEPUTY in roles else ("middle_name",)
        last, first, middle = person_names(v.check, row)
        item = StaffRow(
            row=row,
            external_id=ext,
            last_name=last,
            first_name=first,
            middle_name=middle,
            roles=frozenset(roles),
            deputy_grades=grades if isinstance(grades, GradeRange) else None,
            keep=v.kept(row, ext in stored, *optional),
        )
        if ext and not v.check.duplicate(seen, ext, row, "id", school_key(row.get("id"))):
            v.out.staff.append(item)
    v.staff_roles.update({s.external_id: s.roles for s in v.out.staff})


def _roles(check: Checker, row: Row) -> set[Role]:
    roles: set[Role] = set()
    for part in re.split(r"[;,]", row.get("roles")):
        if not part.strip():
            continue
        role = ROLE_NAMES.get(part.strip().casefold())
        if role is None:
            check.fail(
                row,
                "roles",
                "unknown role {value}; roles are: {allowed}",
                value=part.strip(),
                allowed="teacher, deputy, director, admin, secretary",
            )
        else:
            roles.add(role)
    if not row.get("roles"):
        check.fail(row, "roles", "{column} is empty", column="roles")
    return roles


def person_names(check: Checker, row: Row) -> tuple[str, str, str]:
    return (
        check.name(row, "last_name", required=True),
        check.name(row, "first_name", required=True),
        check.name(row, "middle_name"),
    )
