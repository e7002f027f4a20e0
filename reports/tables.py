"""Spreadsheets a deputy or a class teacher opens on a desktop: class reports, control figures."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from domain.usecases.class_teacher import ClassReport
from domain.usecases.control import ControlReport, Figures

TOTAL = "Итого"
ATTENDANCE_HEADER = (
    "Ученик",
    "Пропущено уроков",
    "Пропущено дней",
    "По болезни (Б)",
    "Уважительная (У)",
    "Без уважительной (Н)",
    "Причина ещё не указана",
    "Опозданий",
)
# The attendance line's figures, column by column after the name.
ATTENDANCE_FIGURES = (
    "lessons_missed",
    "days_missed",
    "ill",
    "valid",
    "no_reason",
    "unknown",
    "late",
)


def _sheet(
    book: Workbook,
    title: str,
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    total: Sequence[object] | None = None,
) -> None:
    """A sheet with a bold header row and, when given, a bold «Итого» row under the rows."""
    sheet = book.create_sheet(title[:31])
    sheet.append(list(header))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        sheet.append(["" if v is None else v for v in row])
    if total is not None:
        sheet.append(["" if v is None else v for v in total])
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
    for index, title_text in enumerate(header, start=1):
        width = max(
            [len(str(title_text))]
            + [len(str(c.value or "")) for c in sheet[get_column_letter(index)]]
        )
        sheet.column_dimensions[get_column_letter(index)].width = min(45, max(8, width + 2))
    sheet.freeze_panes = "A2"


def _bytes(book: Workbook) -> bytes:
    del book[book.sheetnames[0]]
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def class_report_xlsx(report: ClassReport) -> bytes:
    book = Workbook()
    _sheet(
        book,
        "Посещаемость",
        ATTENDANCE_HEADER,
        [[a.name, *(getattr(a, f) for f in ATTENDANCE_FIGURES)] for a in report.attendance],
        [TOTAL, *(sum(getattr(a, f) for a in report.attendance) for f in ATTENDANCE_FIGURES)],
    )
    _sheet(
        book,
        "Успеваемость",
        [
            "Ученик",
            "Предмет",
            "Отметок",
            "Средний балл",
            "Прогноз",
            "Риск «2»",
            "Риск «н/а»",
            "Мало отметок",
        ],
        [
            (
                p.name,
                p.subject,
                p.marks,
                float(p.mean) if p.mean is not None else None,
                p.forecast.mark if p.forecast else None,
                "да" if p.forecast and p.forecast.at_risk_of_2 else "",
                "да" if p.forecast and p.forecast.at_risk_of_na else "",
                "да" if p.forecast and p.forecast.too_few_marks else "",
            )
            for p in report.progress
        ],
    )
    return _bytes(book)


def _figures_row(f: Figures) -> list[object]:
    def pct(value: Decimal | None) -> float | None:
        return float(value) if value is not None else None

    return [
        f.name,
        f.lessons,
        f.on_time,
        pct(f.on_time_pct),
        f.with_homework,
        pct(f.homework_pct),
        f.ktp_given,
        pct(f.ktp_pct),
        f.pupil_subjects,
        f.no_marks,
        pct(f.no_marks_pct),
        f.one_mark,
        pct(f.one_mark_pct),
    ]


CONTROL_HEADER = [
    "",
    "Уроков проведено",
    "Заполнено в срок",
    "% в срок",
    "С домашним заданием",
    "% ДЗ",
    "Уроков по КТП",
    "% КТП",
    "Ученико-предметов",
    "Без отметок",
    "% без отметок",
    "С одной отметкой",
    "% с одной отметкой",
]


def control_xlsx(report: ControlReport) -> bytes:
    book = Workbook()
    _sheet(
        book,
        "По учителям",
        ["Учитель", *CONTROL_HEADER[1:]],
        [_figures_row(f) for f in report.teachers],
        [TOTAL, *_figures_row(report.total)[1:]],
    )
    _sheet(
        book,
        "По классам",
        ["Класс", *CONTROL_HEADER[1:]],
        [_figures_row(f) for f in report.classes],
    )
    return _bytes(book)
