"""The import's tables and their columns, with the English and Russian headers."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from domain.importing.keys import INVISIBLE
from domain.model import Grading, PeriodKind, Role

# --------------------------------------------------------------------------- columns


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    ru: tuple[str, ...]
    required: bool = False


def _c(name: str, *ru: str, required: bool = False) -> Column:
    return Column(name, ru, required)


NAME_COLUMNS = (
    _c("last_name", "фамилия", required=True),
    _c("first_name", "имя", required=True),
    _c("middle_name", "отчество"),
)

TABLES: dict[str, tuple[Column, ...]] = {
    "staff": (
        _c("id", "код", required=True),
        *NAME_COLUMNS,
        _c("roles", "роли", "роль", required=True),
        _c("deputy_grades", "параллели завуча"),
    ),
    "subjects": (
        _c("name", "предмет", "название", required=True),
        _c("short_name", "сокращение"),
        _c("grading", "оценивание"),
    ),
    "classes": (
        _c("name", "класс", required=True),
        _c("grade", "параллель", required=True),
        _c("class_teacher", "классный руководитель"),
    ),
    "students": (
        _c("id", "код", required=True),
        _c("class", "класс", required=True),
        *NAME_COLUMNS,
        _c("birth_date", "дата рождения"),
        _c("enrolled_on", "дата зачисления"),
        _c("left_on", "дата выбытия"),
        _c("home_schooled", "на дому"),
    ),
    "guardians": (
        _c("id", "код", required=True),
        _c("student_id", "код ученика", required=True),
        *NAME_COLUMNS,
        _c("relation", "кем приходится"),
        _c("phone", "телефон"),
    ),
    "groups": (
        _c("class", "класс", required=True),
        _c("subject", "предмет", required=True),
        _c("group", "группа", required=True),
        _c("student_id", "код ученика", required=True),
    ),
    "assignments": (
        _c("teacher_id", "код учителя", required=True),
        _c("subject", "предмет", required=True),
        _c("class", "класс", required=True),
        _c("group", "группа"),
        _c("hours_per_week", "часов в неделю", required=True),
    ),
    "bells": (
        _c("lesson", "урок", required=True),
        _c("starts", "начало", required=True),
        _c("ends", "конец", required=True),
        _c("shift", "смена"),
    ),
    "periods": (
        _c("name", "период", "название", required=True),
        _c("kind", "тип", required=True),
        _c("grades", "параллели", required=True),
        _c("starts", "начало", "с", required=True),
        _c("ends", "конец", "по", required=True),
    ),
    "holidays": (
        _c("name", "название", "каникулы", required=True),
        _c("starts", "начало", "с", required=True),
        _c("ends", "конец", "по", required=True),
        _c("grades", "параллели"),
    ),
    "timetable": (
        _c("class", "класс", required=True),
        _c("group", "группа"),
        _c("weekday", "день", required=True),
        _c("lesson", "урок", required=True),
        _c("subject", "предмет", required=True),
        _c("teacher_id", "код учителя", required=True),
        _c("room", "кабинет"),
        _c("valid_from", "с"),
        _c("valid_to", "по"),
    ),
    "plan": (
        _c("subject", "предмет", required=True),
        _c("grade", "параллель"),
        _c("class", "класс"),
        _c("number", "№", "номер", required=True),
        _c("topic", "тема", required=True),
        _c("hours", "часов"),
        _c("kind", "вид работы"),
    ),
}

# The order rows are applied in: every table only refers to tables before it.
TABLE_ORDER: tuple[str, ...] = tuple(TABLES)

TABLE_ALIASES: dict[str, str] = {
    "staff": "staff",
    "сотрудники": "staff",
    "subjects": "subjects",
    "предметы": "subjects",
    "classes": "classes",
    "классы": "classes",
    "students": "students",
    "ученики": "students",
    "guardians": "guardians",
    "родители": "guardians",
    "представители": "guardians",
    "groups": "groups",
    "группы": "groups",
    "assignments": "assignments",
    "нагрузка": "assignments",
    "bells": "bells",
    "звонки": "bells",
    "periods": "periods",
    "периоды": "periods",
    "holidays": "holidays",
    "каникулы": "holidays",
    "timetable": "timetable",
    "расписание": "timetable",
    "plan": "plan",
    "ктп": "plan",
}


def table_for_name(name: str) -> str | None:
    """The table a file or sheet name stands for, or None when it is not one of ours."""
    return TABLE_ALIASES.get(name.strip().casefold())


def header_key(text: str) -> str:
    return re.sub(r"\s+", " ", INVISIBLE.sub("", text).strip().casefold().replace("ё", "е"))


def column_lookup(columns: Iterable[Column]) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for col in columns:
        lookup[header_key(col.name)] = col.name
        for alias in col.ru:
            lookup[header_key(alias)] = col.name
    return lookup


ROLE_NAMES: dict[str, Role] = {
    "teacher": Role.TEACHER,
    "учитель": Role.TEACHER,
    "deputy": Role.DEPUTY,
    "завуч": Role.DEPUTY,
    "director": Role.DIRECTOR,
    "директор": Role.DIRECTOR,
    "admin": Role.ADMIN,
    "администратор": Role.ADMIN,
    "secretary": Role.SECRETARY,
    "секретарь": Role.SECRETARY,
}

GRADING_NAMES: dict[str, Grading] = {
    "marks": Grading.MARKS,
    "отметки": Grading.MARKS,
    "pass_fail": Grading.PASS_FAIL,
    "зачёт": Grading.PASS_FAIL,
    "зачет": Grading.PASS_FAIL,
    "none": Grading.NONE,
    "без оценок": Grading.NONE,
}

PERIOD_KIND_NAMES: dict[str, PeriodKind] = {
    "quarter": PeriodKind.QUARTER,
    "четверть": PeriodKind.QUARTER,
    "half": PeriodKind.HALF,
    "полугодие": PeriodKind.HALF,
    "year": PeriodKind.YEAR,
    "год": PeriodKind.YEAR,
}

BOOL_NAMES: dict[str, bool] = {
    "1": True,
    "0": False,
    "да": True,
    "нет": False,
    "yes": True,
    "no": False,
    "true": True,
    "false": False,
    "": False,
}
