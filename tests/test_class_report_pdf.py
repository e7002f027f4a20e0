"""The class report and the control figures as PDF: pure renderers, no database."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from reportlab.platypus import Paragraph

from domain.forecast import Forecast, MarkInPeriod, forecast
from domain.grading import GradingSettings
from domain.model import GradeRange, SchoolClass
from domain.usecases.class_teacher import AttendanceLine, ClassReport, ProgressLine
from domain.usecases.control import ControlReport, Figures
from reports.class_report_pdf import (
    attendance_table,
    paragraph_styles,
    render_class_report,
    render_control_report,
)
from reports.tables import class_report_xlsx, control_xlsx

SCHOOL = "МБОУ «Средняя общеобразовательная школа №1»"
FIRST, LAST = dt.date(2025, 9, 1), dt.date(2025, 10, 26)
SUBJECTS = [
    "Алгебра",
    "Геометрия",
    "Русский язык",
    "Литература",
    "Английский язык",
    "История",
    "Обществознание",
    "География",
    "Биология",
    "Физика",
    "Химия",
    "Информатика",
    "Музыка",
    "Изобразительное искусство",
    "Технология",
    "Физическая культура",
    "Основы безопасности и защиты Родины",
    "Вероятность и статистика",
]


def predict(values: list[str], missed: int = 2) -> Forecast:
    marks = [MarkInPeriod(v, "control" if i % 4 == 3 else "oral", Decimal(1 + (i % 4 == 3)))
             for i, v in enumerate(values)]  # fmt: skip
    return forecast(
        marks,
        settings=GradingSettings(),
        hours_per_week=Decimal(3),
        lessons_held=20,
        lessons_missed=missed,
        lessons_left=10,
    )


def line(pupil_id: int, name: str, subject: str, f: Forecast) -> ProgressLine:
    return ProgressLine(
        pupil_id=pupil_id, name=name, subject=subject, mean=f.mean, forecast=f, marks=f.marks_count
    )


def small_report() -> ClassReport:
    names = {
        1: "Иванов Пётр",
        2: "Константинопольская Александра-Мария Вячеславовна",
        3: "Щукина Ёлка",
    }
    attendance = [
        AttendanceLine(
            pupil_id=1, name=names[1], lessons_missed=5, days_missed=1, ill=3, no_reason=1,
            unknown=1, late=1,
        ),
        AttendanceLine(
            pupil_id=2, name=names[2], lessons_missed=14, days_missed=2, valid=6, no_reason=8,
            late=4,
        ),
        AttendanceLine(pupil_id=3, name=names[3]),
    ]  # fmt: skip
    good = predict(["5", "4", "5", "4", "5"])
    poor = predict(["2", "2", "3", "2", "2"])  # at risk of 2
    few = predict(["4"], missed=15)  # at risk of «н/а»
    progress = [
        line(1, names[1], "Алгебра", good),
        line(1, names[1], "Русский язык", poor),
        line(2, names[2], "Алгебра", few),
        line(2, names[2], "Русский язык", good),
        line(3, names[3], "Алгебра", good),
    ]
    return ClassReport(
        school_class=SchoolClass(id=1, school_id=1, name="7Б", grade=7),
        first=FIRST,
        last=LAST,
        attendance=attendance,
        progress=progress,
    )


def big_report() -> ClassReport:
    attendance, progress = [], []
    patterns = (["5", "4", "5", "4", "5"], ["3", "4", "3", "3"], ["2", "3", "2", "2"], ["4"])
    for pupil in range(1, 41):
        name = f"Ученикова-Длиннофамильная Анастасия {pupil}"
        attendance.append(
            AttendanceLine(
                pupil_id=pupil, name=name, lessons_missed=pupil % 7, days_missed=pupil % 3,
                ill=1, no_reason=pupil % 5, late=1,
            )
        )  # fmt: skip
        for n, subject in enumerate(SUBJECTS):
            values = patterns[(pupil + n) % 4]
            progress.append(line(pupil, name, subject, predict(values, missed=pupil % 16)))
    return ClassReport(
        school_class=SchoolClass(id=2, school_id=1, name="11А", grade=11),
        first=FIRST,
        last=LAST,
        attendance=attendance,
        progress=progress,
    )


def control_report() -> ControlReport:
    t1 = Figures(
        name="Иванова А. П.",
        lessons=40,
        on_time=35,
        with_homework=30,
        ktp_given=38,
        pupil_subjects=120,
        no_marks=6,
        one_mark=20,
    )
    t2 = Figures(
        name="Петров С. С.",
        lessons=0,
        on_time=0,
        with_homework=0,
        ktp_given=0,
        pupil_subjects=0,
        no_marks=0,
        one_mark=0,
    )  # nothing held: percentages are «—»
    total = Figures(
        name="",
        lessons=40,
        on_time=35,
        with_homework=30,
        ktp_given=38,
        pupil_subjects=120,
        no_marks=6,
        one_mark=20,
    )
    classes = [
        Figures(
            name="7А",
            lessons=25,
            on_time=20,
            with_homework=20,
            ktp_given=24,
            pupil_subjects=70,
            no_marks=4,
            one_mark=12,
        ),
        Figures(
            name="7Б",
            lessons=15,
            on_time=15,
            with_homework=10,
            ktp_given=14,
            pupil_subjects=50,
            no_marks=2,
            one_mark=8,
        ),
    ]
    return ControlReport(
        grades=GradeRange(5, 9),
        first=FIRST,
        last=LAST,
        teachers=[t1, t2],
        classes=classes,
        total=total,
    )


def page_count(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf))


def pdf_text(pdf: bytes, tmp_path: Path) -> str | None:
    if not shutil.which("pdftotext"):  # a closer look where poppler is installed
        return None
    out = tmp_path / "report.pdf"
    out.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_class_report_is_a_pdf_and_invariant_is_the_same_bytes() -> None:
    report = small_report()
    pdf = render_class_report(report, SCHOOL, invariant=True)
    assert pdf.startswith(b"%PDF") and page_count(pdf) == 1
    assert b"DejaVuSans" in pdf  # the embedded font that has Cyrillic
    assert render_class_report(report, SCHOOL, invariant=True) == pdf
    assert render_class_report(report, "Другая школа", invariant=True) != pdf
    assert render_class_report(report, SCHOOL).startswith(b"%PDF")


def pdf_title(pdf: bytes) -> str:
    """The document's title as reportlab stores it: a PDF string of UTF-16 with a BOM."""
    m = re.search(rb"/Title \((.*?)(?<!\\)\) /", pdf, re.S)
    assert m, "the PDF has no title"
    raw, out, i = m.group(1), bytearray(), 0
    while i < len(raw):
        if raw[i : i + 1] == b"\\":
            octal = re.match(rb"[0-7]{1,3}", raw[i + 1 : i + 4])
            if octal:
                out.append(int(octal.group(), 8))
                i += 1 + len(octal.group())
                continue
            out += raw[i + 1 : i + 2]
            i += 2
            continue
        out += raw[i : i + 1]
        i += 1
    return out.decode("utf-16")


def test_a_one_day_report_gives_one_date() -> None:
    """Issue 16.9: a report of one day is dated «26.10.2025», not «26.10.2025 – 26.10.2025»
    (its title; the heading on the page says the same dates)."""
    day = dt.date(2025, 10, 26)
    report = dataclasses.replace(small_report(), first=day, last=day)
    assert pdf_title(render_class_report(report, SCHOOL)) == "Отчёт по классу 7Б: 26.10.2025"
    several = pdf_title(render_class_report(small_report(), SCHOOL))
    assert several == "Отчёт по классу 7Б: 01.09.2025 – 26.10.2025"


def test_class_report_text(tmp_path: Path) -> None:
    report = small_report()
    text = pdf_text(render_class_report(report, SCHOOL), tmp_path)
    if text is None:
        return
    for expected in (
        "Отчёт по классу 7Б",
        "01.09.2025 – 26.10.2025",
        "Иванов Пётр",
        "Щукина Ёлка",
        "Константинопольская",
        "Опозданий",
        "По болезни (Б)",
        "Алгебра",
        "Под риском",
        "стр. 1 из 1",
    ):
        assert expected in text, expected
    totals = next(row for row in text.splitlines() if "Итого" in row)
    assert totals.split()[1:] == ["19", "3", "3", "6", "9", "1", "5"]
    good = report.progress[0].mean
    assert f"{good:.2f}".replace(".", ",") + "→5" in text  # a decimal comma and the arrow
    assert "риск «2»" in text and "риск «н/а»" in text
    risks = text.split("Под риском")[1]
    assert "Иванов Пётр: Русский язык — риск «2»" in risks
    assert "Алгебра — риск «н/а»" in risks
    assert "Щукина" not in risks


def test_forty_pupils_and_eighteen_subjects_break_into_pages_with_headers(
    tmp_path: Path,
) -> None:
    report = big_report()
    pdf = render_class_report(report, SCHOOL, invariant=True)
    pages = page_count(pdf)
    assert pages >= 3
    assert render_class_report(report, SCHOOL, invariant=True) == pdf
    text = pdf_text(pdf, tmp_path)
    if text is None:
        return
    sheets = text.split("\f")[:pages]
    assert len(sheets) == pages
    assert all(f"из {pages}" in sheet for sheet in sheets)
    # every page a table runs onto starts with the table's header row again
    attendance = [s for s in sheets if re.search(r"Анастасия \d+ +\d+ +\d+", s)]
    matrix = [s for s in sheets if "→" in s]
    assert len(attendance) >= 2 and len(matrix) >= 2
    assert all("Опозданий" in s for s in attendance)
    assert all("Алгебра" in s and "Обществознание" in s for s in matrix)
    assert re.search(r"Анастасия 1\b", text) and "Анастасия 40" in text
    assert "Итого" in text and "Информатика" in text.replace("-\n", "")


def test_no_pupils_and_no_marks_still_make_a_page() -> None:
    empty = ClassReport(
        school_class=SchoolClass(id=3, school_id=1, name="1А", grade=1),
        first=FIRST,
        last=LAST,
        attendance=[],
        progress=[],
    )
    pdf = render_class_report(empty, SCHOOL, invariant=True)
    assert pdf.startswith(b"%PDF") and page_count(pdf) == 1


def test_control_report(tmp_path: Path) -> None:
    report = control_report()
    pdf = render_control_report(report, SCHOOL, invariant=True)
    assert pdf.startswith(b"%PDF") and page_count(pdf) == 1
    assert render_control_report(report, SCHOOL, invariant=True) == pdf
    text = pdf_text(pdf, tmp_path)
    if text is None:
        return
    for expected in ("По учителям", "По классам", "Иванова А. П.", "7Б", "% в срок", "Итого"):
        assert expected in text, expected
    teacher = next(row for row in text.splitlines() if "Иванова" in row)
    assert "87,5" in teacher and "75,0" in teacher and "95,0" in teacher and "16,7" in teacher
    idle = next(row for row in text.splitlines() if "Петров" in row)
    assert idle.count("—") == 5
    total = next(row for row in text.splitlines() if "Итого" in row)
    assert total.split()[1:4] == ["40", "35", "87,5"]


def test_control_report_without_lessons() -> None:
    empty = ControlReport(
        grades=GradeRange(5, 9),
        first=FIRST,
        last=LAST,
        teachers=[],
        classes=[],
        total=Figures(name=""),
    )
    assert render_control_report(empty, SCHOOL).startswith(b"%PDF")


def _cells(table: Any) -> list[list[object]]:
    return [[c.text if isinstance(c, Paragraph) else c for c in row] for row in table._cellvalues]


def test_the_attendance_table_has_its_own_column_for_a_reason_not_entered_yet() -> None:
    """An absence the class teacher has not coded yet is not «Н»: the PDF's attendance table
    and the spreadsheet's sheet show it in a column of its own, and both end with «Итого»."""
    report = small_report()
    [table] = attendance_table(report, paragraph_styles(9))
    cells = _cells(table)
    assert cells[0][5:7] == ["Без уважительной (Н)", "Причина ещё не указана"]
    assert cells[1] == ["Иванов Пётр", "5", "1", "3", "0", "1", "1", "1"]
    assert cells[-1] == ["Итого", "19", "3", "3", "6", "9", "1", "5"]
    book = load_workbook(io.BytesIO(class_report_xlsx(report)))
    rows = [[c.value for c in row] for row in book["Посещаемость"].iter_rows()]
    assert rows[0] == [str(c) for c in cells[0]]
    assert rows[1] == ["Иванов Пётр", 5, 1, 3, 0, 1, 1, 1]
    assert rows[-1] == ["Итого", 19, 3, 3, 6, 9, 1, 5]
    assert all(c.font.bold for c in book["Посещаемость"][len(rows)])


def test_pupils_at_risk_once_each_with_their_subjects_and_risks() -> None:
    report = small_report()
    extra = predict(["2"], missed=15)  # at risk of «2» and of «н/а»
    report.progress.append(line(1, "Иванов Пётр", "Геометрия", extra))
    assert report.at_risk_text() == (
        "Иванов Пётр: Русский язык «2», Геометрия «2», «н/а»; "
        "Константинопольская Александра-Мария Вячеславовна: Алгебра «н/а»"
    )


def test_the_control_spreadsheet_totals_row_is_named_as_in_the_pdf() -> None:
    book = load_workbook(io.BytesIO(control_xlsx(control_report())))
    rows = [[c.value for c in row] for row in book["По учителям"].iter_rows()]
    assert rows[-1][:3] == ["Итого", 40, 35]
