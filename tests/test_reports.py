"""The digest's chart (PNG) and the printable digest (PDF): pure renderers, no database."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import struct
import subprocess
from decimal import Decimal
from pathlib import Path

from domain.forecast import MarkInPeriod, forecast
from domain.grading import GradingSettings
from domain.model import GradeRange, Grading, Period, PeriodKind, Subject
from domain.usecases.diary import SubjectMarks
from reports.charts import PillowCharts, mean_line, mean_text, numeric_marks
from reports.digest_pdf import PrintedDigest, render_digests

PERIOD = Period(
    id=1, school_id=1, school_year_id=1, name="1 четверть", kind=PeriodKind.QUARTER,
    grades=GradeRange(1, 9), starts=dt.date(2025, 9, 1), ends=dt.date(2025, 10, 26),
)  # fmt: skip
KINDS = {"oral": ("Ответ на уроке", Decimal(1)), "control": ("Контрольная работа", Decimal(2))}
KIND_NAMES = {code: name for code, (name, _) in KINDS.items()}
WEIGHTS = {name: weight for name, weight in KINDS.values()}
PNG = b"\x89PNG\r\n\x1a\n"


def subject(number: int, name: str, values: list[str], term: str | None = None) -> SubjectMarks:
    """Marks every few days from the period's start; every fourth is a control work."""
    marks = []
    given = []
    for i, value in enumerate(values):
        kind = "control" if i % 4 == 3 else "oral"
        day = PERIOD.starts + dt.timedelta(days=(3 * i + number) % 55)
        marks.append((day, value, KINDS[kind][0]))
        given.append(MarkInPeriod(value, kind, KINDS[kind][1]))
    prediction = forecast(
        given,
        settings=GradingSettings(),
        hours_per_week=Decimal(3),
        lessons_held=20,
        lessons_missed=2,
        lessons_left=10,
    )
    return SubjectMarks(
        subject=Subject(id=number, school_id=1, name=name),
        marks=marks,
        forecast=prediction,
        term_mark=term,
    )


SUBJECTS = [
    subject(1, "Алгебра", ["5", "4", "5", "3", "4", "5"]),
    subject(2, "Русский язык", ["3", "3", "4", "2", "3"]),
    subject(3, "Литература", ["5", "5", "5"], term="5"),
    subject(4, "Английский язык (вторая подгруппа, углублённый уровень)", ["2", "4", "5", "1"]),
]


def png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == PNG
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def telegram_accepts(png: bytes) -> bool:
    """sendPhoto: width + height ≤ 10000, sides at most 20:1, under 10 MB."""
    width, height = png_size(png)
    return (
        width + height <= 10000
        and max(width, height) / min(width, height) <= 20
        and len(png) < 10 * 1024 * 1024
    )


def page_count(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf))


def digest(name: str, subjects: list[SubjectMarks], **changes: object) -> PrintedDigest:
    values: dict[str, object] = {
        "pupil_name": name,
        "class_name": "7Б",
        "school_name": "МБОУ «Средняя общеобразовательная школа № 12»",
        "period": PERIOD,
        "first": dt.date(2025, 10, 13),
        "last": dt.date(2025, 10, 26),
        "subjects": subjects,
        "absences": (5, 2, 1),
        "remarks": [(dt.date(2025, 10, 14), "Не выполнил домашнее задание по алгебре.")],
        "upcoming": ["Алгебра: Контрольная работа № 2 «Линейные уравнения»"],
        "kind_names": KIND_NAMES,
    }
    values.update(changes)
    # the fields come from a dict of mixed types, each right for its field
    return PrintedDigest(**values)  # type: ignore[arg-type]


# --- the chart ------------------------------------------------------------------------------


def test_chart_is_a_png_telegram_accepts() -> None:
    png = PillowCharts().chart("Иванов Пётр", SUBJECTS, PERIOD, WEIGHTS)
    width, height = png_size(png)
    assert width == 780 and 300 < height < 2600
    assert telegram_accepts(png)
    # a palette PNG: a district's digests store and send tens of thousands of these
    assert len(png) < 40_000  # four phone-sized panels


def test_chart_is_deterministic_and_follows_the_marks() -> None:
    charts = PillowCharts()
    png = charts.chart("Иванов Пётр", SUBJECTS, PERIOD, WEIGHTS)
    assert charts.chart("Иванов Пётр", SUBJECTS, PERIOD, WEIGHTS) == png
    assert PillowCharts().chart("Иванов Пётр", list(SUBJECTS), PERIOD, WEIGHTS) == png
    changed = [*SUBJECTS[:-1], subject(4, SUBJECTS[-1].subject.name, ["2", "4", "5", "5"])]
    assert charts.chart("Иванов Пётр", changed, PERIOD, WEIGHTS) != png
    assert charts.chart("Петров Иван", SUBJECTS, PERIOD, WEIGHTS) != png


def test_the_charts_line_ends_on_the_mean_in_its_title() -> None:
    """The line is the weighted running mean: its last point is the forecast's mean the
    panel's title shows (every fourth mark is a control work weighing 2)."""
    for s in SUBJECTS:
        line = mean_line(numeric_marks(s.marks, PERIOD), WEIGHTS)
        assert s.forecast is not None and line[-1][1] == s.forecast.mean, s.subject.name
    russian = mean_line(numeric_marks(SUBJECTS[1].marks, PERIOD), WEIGHTS)
    assert [m for _, m in russian] == [
        Decimal("3.00"),
        Decimal("3.00"),
        Decimal("3.33"),
        Decimal("2.80"),  # the control work's 2 weighs twice: (3 + 3 + 4 + 2·2) / 5
        Decimal("2.83"),
    ]


def test_the_charts_numbers_are_written_in_the_readers_language() -> None:
    """4,45 in a Russian chart, 4.45 in an English one (`locales.number`): the means in the
    panels' titles and at the end of their lines."""
    assert mean_text(Decimal("4.45"), "ru") == "4,45"
    assert mean_text(Decimal("4.45"), "en") == "4.45"
    charts = PillowCharts()
    russian = charts.chart("Иванов Пётр", SUBJECTS, PERIOD, WEIGHTS)
    assert charts.chart("Иванов Пётр", SUBJECTS, PERIOD, WEIGHTS, language="ru") == russian
    english = charts.chart("Иванов Пётр", SUBJECTS, PERIOD, WEIGHTS, language="en")
    assert english != russian
    # only the numbers differ: a chart without means is the same picture in both
    assert charts.chart("Иванов Пётр", [], PERIOD, WEIGHTS, language="en") == charts.chart(
        "Иванов Пётр", [], PERIOD, WEIGHTS
    )


def test_chart_grows_with_subjects_and_stays_within_limits() -> None:
    charts = PillowCharts()
    two = png_size(charts.chart("Иванов Пётр", SUBJECTS[:2], PERIOD, WEIGHTS))
    four = png_size(charts.chart("Иванов Пётр", SUBJECTS, PERIOD, WEIGHTS))
    assert two[1] < four[1]
    many = [subject(n, f"Предмет {n}", ["5", "4", "3"] * 5) for n in range(60)]
    png = charts.chart("Иванов Пётр", many, PERIOD, WEIGHTS)
    assert telegram_accepts(png)
    assert png_size(png)[1] <= 2560  # what Telegram shows unscaled


def test_chart_without_numeric_marks() -> None:
    charts = PillowCharts()
    empty = charts.chart("Иванов Пётр", [], PERIOD, WEIGHTS)
    passes = SubjectMarks(
        subject=Subject(id=9, school_id=1, name="Физическая культура", grading=Grading.PASS_FAIL),
        marks=[(dt.date(2025, 9, 10), "зач", "Норматив")],
        forecast=None,
    )
    assert charts.chart("Иванов Пётр", [passes], PERIOD, WEIGHTS) == empty
    width, height = png_size(empty)
    assert width <= 780 and height < 300
    assert telegram_accepts(empty)


# --- the printed digest ---------------------------------------------------------------------


def test_one_page_per_pupil() -> None:
    pupils = [digest(name, SUBJECTS) for name in ("Иванов Пётр", "Петрова Анна", "Сидоров Илья")]
    pdf = render_digests(pupils, invariant=True)
    assert pdf.startswith(b"%PDF")
    assert page_count(pdf) == 3
    assert page_count(render_digests(pupils[:1])) == 1


def test_invariant_pdf_is_the_same_bytes() -> None:
    pupils = [digest("Иванов Пётр", SUBJECTS), digest("Петрова Анна", SUBJECTS[:2])]
    pdf = render_digests(pupils, invariant=True)
    assert render_digests(pupils, invariant=True) == pdf
    assert render_digests(pupils[:1], invariant=True) != pdf
    assert render_digests(pupils, "en", invariant=True) != pdf


def test_crowded_pages_still_fit_one_page_each() -> None:
    twenty = [
        subject(n, f"Предмет номер {n} с довольно длинным названием", ["5", "4", "3", "2"] * 6)
        for n in range(20)
    ]
    long_remark = "Очень длинное замечание учителя о поведении на уроке. " * 6
    crowded = digest(
        "Константинопольская Александра-Мария Вячеславовна",
        twenty,
        remarks=[(dt.date(2025, 10, 1 + n % 25), long_remark) for n in range(40)],
        upcoming=[f"Предмет {n}: контрольная работа" for n in range(20)],
    )
    bare = digest("Без Отметок", [], absences=(0, 0, 0), remarks=[], upcoming=[])
    pdf = render_digests([crowded, bare, digest("Иванов Пётр", twenty)], invariant=True)
    assert page_count(pdf) == 3


def test_no_pupils_is_still_a_pdf() -> None:
    pdf = render_digests([])
    assert pdf.startswith(b"%PDF") and page_count(pdf) == 1


def test_text_of_the_page(tmp_path: Path) -> None:
    if not shutil.which("pdftotext"):  # a closer look where poppler is installed
        return
    pdf = render_digests([digest("Иванов Пётр", SUBJECTS), digest("Петрова Анна", [])])
    out = tmp_path / "digest.pdf"
    out.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True
    ).stdout
    first, second = text.split("\f")[:2]
    # the first subject is given marks, so it has a forecast
    mean = SUBJECTS[0].forecast.mean  # type: ignore[union-attr]
    for expected in ("Иванов Пётр", "7Б", "Алгебра", "Литература", "1 четверть"):
        assert expected in first
    assert f"{mean:.2f}".replace(".", ",") in first  # a decimal comma in Russian
    assert "Ознакомлен(а):" in first and "Ознакомлен(а):" in second
    assert "Пропущено уроков: 5, дней: 2; опозданий: 1." in first
    assert "Не выполнил домашнее задание" in first
    assert "Линейные уравнения" in first
    assert "Петрова Анна" in second and "Отметок за период пока нет" in second
