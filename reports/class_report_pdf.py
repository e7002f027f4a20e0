"""The class report and the control figures as PDF, for a class teacher or a deputy to print.

Both renderers are pure: report in, PDF bytes out, A4 landscape, in Russian like the school's
paperwork and with the columns of the spreadsheets in `reports.tables`.

`render_class_report`: the attendance table (with a totals row), the progress matrix pupil ×
subject with the mean and the forecast mark in each cell («4,35→4», risks set in bold on a
coloured background and named under the mark, so that they survive a black-and-white printer),
and the list of pupils at risk. `render_control_report`: the control figures by teacher (with a
totals row) and by class. Long tables break across pages with their header rows repeated; the
matrix shrinks its type as subjects are added and turns the subject names upright when they no
longer fit across the columns. The fonts shipped in `reports/fonts` render Cyrillic.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.colors import Color, black
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    LongTable,
    PageTemplate,
    Paragraph,
    Spacer,
    TableStyle,
)

from domain.clock import day_range
from domain.forecast import Forecast
from domain.usecases.class_teacher import ClassReport, ProgressLine
from domain.usecases.control import ControlReport, Figures
from locales import number as locale_number
from reports.invitations import BOLD, REGULAR, register_fonts, wrap
from reports.tables import ATTENDANCE_FIGURES, ATTENDANCE_HEADER, CONTROL_HEADER

PAGE = landscape(A4)
MARGIN = 12 * mm
FOOTER_SPACE = 8 * mm
WIDTH = PAGE[0] - 2 * MARGIN
PAD = 2.0  # points of padding on each side of a cell

GREY = Color(0.45, 0.45, 0.45)
LIGHT = Color(0.95, 0.95, 0.95)
HEADER_FILL = Color(0.86, 0.86, 0.86)
TOTAL_FILL = Color(0.9, 0.9, 0.9)
RULE = Color(0.6, 0.6, 0.6)
RISK_2_FILL = Color(1.0, 0.80, 0.80)  # at risk of 2 (also when at risk of «н/а» as well)
RISK_NA_FILL = Color(1.0, 0.92, 0.70)  # at risk of «н/а» only

NONE = "—"
TOTAL = "Итого"
CELL_WIDEST = "5,00→5"  # the widest a matrix cell's mark gets
NOTE_WIDEST = "риск «н/а»"  # and its note under the mark
MAX_SUBJECTS = 20  # more subjects than this go into a second matrix below the first
MAX_CELL_SIZE = 9.0
MIN_CELL_SIZE = 5.5
UPRIGHT_HEIGHTS = tuple(h * mm for h in (16, 20, 24, 28, 32, 38, 45))


# --------------------------------------------------------------------------- the document


def paragraph_styles(size: float) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle(
        "base",
        fontName=REGULAR,
        fontSize=size,
        leading=size * 1.2,
        embeddedHyphenation=1,  # «Петрова-Водкина», «Ученико-предметов» break after the hyphen
    )
    return {
        "school": ParagraphStyle("school", base, fontSize=9, leading=11, textColor=GREY),
        "title": ParagraphStyle("title", base, fontName=BOLD, fontSize=15, leading=19),
        "subtitle": ParagraphStyle("subtitle", base, fontSize=10, leading=13, spaceAfter=4),
        "heading": ParagraphStyle(
            "heading",
            base,
            fontName=BOLD,
            fontSize=12,
            leading=15,
            spaceBefore=8,
            spaceAfter=4,
        ),
        "text": ParagraphStyle("text", base, fontSize=9, leading=11.5),
        "note": ParagraphStyle("note", base, fontSize=7.5, leading=9.5, textColor=GREY),
        "cell": ParagraphStyle("cell", base, alignment=TA_LEFT),
        "head": ParagraphStyle("head", base, fontName=BOLD, alignment=TA_CENTER),
        "head_left": ParagraphStyle("head_left", base, fontName=BOLD, alignment=TA_LEFT),
        "mark": ParagraphStyle("mark", base, alignment=TA_CENTER),
    }


class _NumberedCanvas(Canvas):
    """A canvas that holds its pages back until the end to write «стр. N из M» on each."""

    def __init__(self, *args: Any, footer: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._footer = footer
        self._held: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._held.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._held)
        for number, state in enumerate(self._held, start=1):
            self.__dict__.update(state)
            self.saveState()
            self.setFont(REGULAR, 7.5)
            self.setFillColor(GREY)
            footer = self._footer
            while footer and self.stringWidth(footer, REGULAR, 7.5) > WIDTH - 30 * mm:
                footer = footer[:-2] + "…"
            self.drawString(MARGIN, MARGIN - 2 * mm, footer)
            self.drawRightString(PAGE[0] - MARGIN, MARGIN - 2 * mm, f"стр. {number} из {total}")
            self.restoreState()
            super().showPage()
        super().save()


def _build(
    story: list[Flowable], *, title: str, author: str, footer: str, invariant: bool
) -> bytes:
    register_fonts()
    buffer = io.BytesIO()
    doc = BaseDocTemplate(
        buffer,
        pagesize=PAGE,
        title=title,
        author=author,
        creator="school-journal",
        invariant=1 if invariant else 0,
        pageCompression=1,
    )
    bottom = MARGIN + FOOTER_SPACE
    frame = Frame(
        MARGIN,
        bottom,
        WIDTH,
        PAGE[1] - MARGIN - bottom,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )
    doc.addPageTemplates([PageTemplate("page", [frame])])
    doc.build(story, canvasmaker=partial(_NumberedCanvas, footer=footer))
    return buffer.getvalue()


def _comma(value: Decimal, places: int) -> str:
    return locale_number(value, "ru", places)  # the report is in Russian


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text), style)


def _heading(text: str, styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    """A section's heading, on a new page unless a few rows of its table fit under it."""
    return [CondPageBreak(35 * mm), _p(text, styles["heading"])]


def _grid(header_rows: int, body_rows: int) -> list[tuple[Any, ...]]:
    """The common look: a grey header, thin rules, light stripes on every other body row."""
    commands: list[tuple[Any, ...]] = [
        ("BACKGROUND", (0, 0), (-1, header_rows - 1), HEADER_FILL),
        ("GRID", (0, 0), (-1, -1), 0.3, RULE),
        ("BOX", (0, 0), (-1, -1), 0.6, RULE),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), PAD),
        ("RIGHTPADDING", (0, 0), (-1, -1), PAD),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
    ]
    for row in range(header_rows + 1, header_rows + body_rows, 2):
        commands.append(("BACKGROUND", (0, row), (-1, row), LIGHT))
    return commands


def _head_size(texts: Sequence[str], widths: Sequence[float], size: float, least: float) -> float:
    """The size, at most `size` and at least `least`, at which every word of the headings fits
    its column uncut."""
    for text, width in zip(texts, widths, strict=True):
        for word in text.replace("-", "- ").split():
            wide = pdfmetrics.stringWidth(word, BOLD, 1)
            if wide:
                size = min(size, (width - 2 * PAD) / wide)
    return max(least, size)


# --------------------------------------------------------------------------- the class report


def render_class_report(report: ClassReport, school_name: str, *, invariant: bool = False) -> bytes:
    """The class report as an A4 landscape PDF.

    `invariant` makes the bytes depend on the report alone (no creation time, a fixed id).
    """
    register_fonts()
    styles = paragraph_styles(9)
    cls = report.school_class.name
    dates = day_range(report.first, report.last, year=True)
    story: list[Flowable] = [
        _p(school_name, styles["school"]),
        _p(f"Отчёт по классу {cls}", styles["title"]),
        _p(f"Посещаемость и успеваемость за {dates}", styles["subtitle"]),
        *_heading("Посещаемость", styles),
    ]
    story += attendance_table(report, styles)
    story += _heading("Успеваемость", styles)
    story += _progress(report, styles)
    story += _heading("Под риском", styles)
    story += _at_risk(report, styles)
    return _build(
        story,
        title=f"Отчёт по классу {cls}: {dates}",
        author=school_name,
        footer=f"{school_name} · {cls} · {dates}",
        invariant=invariant,
    )


def attendance_table(report: ClassReport, styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    lines = report.attendance
    if not lines:
        return [_p("Учеников нет.", styles["text"])]
    size = 9.0
    name_w = 80 * mm
    columns = len(ATTENDANCE_FIGURES)
    widths = [name_w] + [(WIDTH - name_w) / columns] * columns
    head_style = ParagraphStyle(
        "attendance_head",
        styles["head"],
        fontSize=_head_size(ATTENDANCE_HEADER, widths, 8.5, 6),
    )
    head_style.leading = head_style.fontSize * 1.2
    cell = ParagraphStyle("attendance_cell", styles["cell"], fontSize=size, leading=size * 1.2)
    bold = ParagraphStyle("attendance_total", cell, fontName=BOLD)
    first_head = ParagraphStyle("attendance_first", head_style, alignment=TA_LEFT)
    rows: list[list[Any]] = [
        [_p(ATTENDANCE_HEADER[0], first_head), *(_p(h, head_style) for h in ATTENDANCE_HEADER[1:])]
    ]
    for a in lines:
        rows.append([_p(a.name, cell), *(str(getattr(a, attr)) for attr in ATTENDANCE_FIGURES)])
    totals = [sum(getattr(a, attr) for a in lines) for attr in ATTENDANCE_FIGURES]
    rows.append([_p(TOTAL, bold), *(str(n) for n in totals)])
    style = [
        *_grid(1, len(lines)),
        ("FONTNAME", (1, 1), (-1, -1), REGULAR),
        ("FONTSIZE", (1, 1), (-1, -1), size),
        ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
        ("RIGHTPADDING", (1, 1), (-1, -1), 4 * mm),
        ("BACKGROUND", (0, -1), (-1, -1), TOTAL_FILL),
        ("FONTNAME", (1, -1), (-1, -1), BOLD),
        ("LINEABOVE", (0, -1), (-1, -1), 0.8, GREY),
    ]
    return [LongTable(rows, colWidths=widths, repeatRows=1, style=TableStyle(style))]


@dataclass(frozen=True, slots=True)
class _Pupil:
    pupil_id: int
    name: str


def _pupils(report: ClassReport) -> list[_Pupil]:
    """The class list's order, then anyone with progress but not on it."""
    seen: dict[int, _Pupil] = {}
    for a in report.attendance:
        seen.setdefault(a.pupil_id, _Pupil(a.pupil_id, a.name))
    for p in report.progress:
        seen.setdefault(p.pupil_id, _Pupil(p.pupil_id, p.name))
    return list(seen.values())


def _risk(f: Forecast | None) -> str | None:
    """«2», «н/а» or both, as the cell's note and the list's words."""
    if f is None:
        return None
    risks = [r for r, flag in (("«2»", f.at_risk_of_2), ("«н/а»", f.at_risk_of_na)) if flag]
    return ", ".join(risks) or None


def _mark(p: ProgressLine) -> str:
    """«4,35→4»; «—» without a numeric mark."""
    mean = p.mean if p.mean is not None else (p.forecast.mean if p.forecast else None)
    if mean is None:
        return NONE
    mark = p.forecast.mark if p.forecast and p.forecast.mark else NONE
    return f"{_comma(mean, 2)}→{mark}"


def _progress(report: ClassReport, styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    subjects = list(dict.fromkeys(p.subject for p in report.progress))
    if not subjects:
        return [_p("Отметок за эти даты нет.", styles["text"])]
    pupils = _pupils(report)
    cells = {(p.pupil_id, p.subject): p for p in report.progress}
    parts = -(-len(subjects) // MAX_SUBJECTS)
    per_part = -(-len(subjects) // parts)
    story: list[Flowable] = []
    for start in range(0, len(subjects), per_part):
        if start:
            story.append(Spacer(1, 4 * mm))
        story.append(_matrix(pupils, subjects[start : start + per_part], cells, styles))
    story.append(Spacer(1, 1.5 * mm))
    story.append(
        _p(
            "В клетке: средний балл → прогноз отметки. Красный фон — риск «2», жёлтый — риск "
            "«н/а» (мало отметок и много пропусков); серым — отметок меньше минимума; "
            "«—» — нет отметок; пусто — предмет у ученика не ведётся.",
            styles["note"],
        )
    )
    return story


def _matrix(
    pupils: Sequence[_Pupil],
    subjects: Sequence[str],
    cells: dict[tuple[int, str], ProgressLine],
    styles: dict[str, ParagraphStyle],
) -> LongTable:
    count = len(subjects)
    name_w = (42 if count > 12 else 55) * mm
    column = min(30 * mm, (WIDTH - name_w) / count)
    widest = pdfmetrics.stringWidth(CELL_WIDEST, BOLD, 1)
    size = max(MIN_CELL_SIZE, min(MAX_CELL_SIZE, (column - 2 * PAD) / widest))
    note_fits = 0.97 * (column - 2 * PAD) / pdfmetrics.stringWidth(NOTE_WIDEST, REGULAR, 1)
    note_size = max(4.5, min(size * 0.8, note_fits))
    name_style = ParagraphStyle(
        "pupil", styles["cell"], fontSize=min(size + 0.5, 9), leading=min(size + 0.5, 9) * 1.15
    )
    mark_style = ParagraphStyle("mark", styles["mark"], fontSize=size, leading=size * 1.2)

    head_size = _head_size(subjects, [column] * count, min(size, 8), 6.5)
    fits_across = all(
        pdfmetrics.stringWidth(word, BOLD, head_size) <= column - 2 * PAD
        for name in subjects
        for word in name.split()
    )
    head_style = ParagraphStyle(
        "subject", styles["head"], fontSize=head_size, leading=head_size * 1.15
    )
    first_head = ParagraphStyle(
        "pupil_head", styles["head_left"], fontSize=head_size, leading=head_size * 1.15
    )
    if fits_across:
        heads: list[Flowable] = [_p(name, head_style) for name in subjects]
    else:
        heads = list(_upright(subjects, column - 2 * PAD, min(size, 7.5)))
    rows: list[list[Any]] = [[_p("Ученик", first_head), *heads]]
    commands = [*_grid(1, len(pupils)), ("VALIGN", (1, 0), (-1, 0), "BOTTOM")]
    for r, pupil in enumerate(pupils, start=1):
        row: list[Any] = [_p(pupil.name, name_style)]
        for c, subject in enumerate(subjects, start=1):
            line = cells.get((pupil.pupil_id, subject))
            if line is None:
                row.append("")
                continue
            f = line.forecast
            risk = _risk(f)
            text = escape(_mark(line))
            if risk:
                text = f'<font name="{BOLD}">{text}</font>'
                note = escape(f"риск\u00a0{risk}")  # «риск» stays with the first risk
                text += f'<br/><font size="{note_size:.2f}">{note}</font>'
                fill = RISK_2_FILL if f is not None and f.at_risk_of_2 else RISK_NA_FILL
                commands.append(("BACKGROUND", (c, r), (c, r), fill))
            elif f is not None and f.too_few_marks:
                text = f'<font color="#737373">{text}</font>'
            row.append(Paragraph(text, mark_style))
        rows.append(row)
    widths = [name_w] + [column] * count
    return LongTable(
        rows, colWidths=widths, repeatRows=1, style=TableStyle(commands), hAlign="LEFT"
    )


class _Upright(Flowable):
    """A subject's name turned to read upwards, in as many lines as the column takes."""

    def __init__(self, lines: list[str], size: float, height: float) -> None:
        super().__init__()
        self.lines = lines
        self.size = size
        self.leading = size * 1.15
        self.height_needed = height

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return len(self.lines) * self.leading, self.height_needed

    def draw(self) -> None:
        canvas = self.canv
        canvas.saveState()
        canvas.setFont(BOLD, self.size)
        canvas.setFillColor(black)
        canvas.rotate(90)  # x now runs up the page, y to the left
        for index, line in enumerate(self.lines):
            baseline = (index + 1) * self.leading - 0.25 * self.size
            canvas.drawString(0, -baseline, line)
        canvas.restoreState()


def _split_words(text: str, size: float, length: float, cut: bool) -> list[str] | None:
    """Lines of at most `length` broken at spaces; a word longer than a line is cut with a
    hyphen when `cut` is set, else there are no such lines (None)."""
    if not cut and any(pdfmetrics.stringWidth(w, BOLD, size) > length for w in text.split()):
        return None
    return wrap(text, BOLD, size, length, hyphen="-") or [""]


def _upright(subjects: Sequence[str], across: float, largest: float) -> list[_Upright]:
    """Upright headings of one height: the lowest at which every name fits, whole words only,
    in the lines the column has room for; failing that, in smaller type; failing that, with
    long words cut; and at the smallest type and the tallest height the rest is cut off."""
    for cut in (False, True):
        size = largest
        while True:
            room = max(1, int(across // (size * 1.15)))
            for height in UPRIGHT_HEIGHTS:
                split = [_split_words(name, size, height, cut) for name in subjects]
                if all(lines is not None and len(lines) <= room for lines in split):
                    return [_Upright(lines, size, height) for lines in split if lines]
            if size <= MIN_CELL_SIZE:
                break
            size = max(MIN_CELL_SIZE, size - 0.5)
    heads = []
    for name in subjects:
        lines = _split_words(name, MIN_CELL_SIZE, UPRIGHT_HEIGHTS[-1], True) or [""]
        if len(lines) > room:
            lines = [*lines[: room - 1], lines[room - 1].rstrip("-") + "…"]
        heads.append(_Upright(lines, MIN_CELL_SIZE, UPRIGHT_HEIGHTS[-1]))
    return heads


def _at_risk(report: ClassReport, styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    risky = report.at_risk
    if not risky:
        return [_p("Никто не под риском «2» или «н/а».", styles["text"])]
    order = {p.pupil_id: n for n, p in enumerate(_pupils(report))}
    by_pupil: dict[int, list[ProgressLine]] = {}
    for p in sorted(risky, key=lambda p: order.get(p.pupil_id, len(order))):
        by_pupil.setdefault(p.pupil_id, []).append(p)
    item = ParagraphStyle(
        "risk_item", styles["text"], leftIndent=5 * mm, bulletIndent=1.5 * mm, spaceAfter=1.5
    )
    story: list[Flowable] = []
    for lines in by_pupil.values():
        parts = []
        for p in lines:
            mark = _mark(p)
            what = f"{p.subject} — риск {_risk(p.forecast)}"
            parts.append(escape(what if mark == NONE else f"{what} ({mark})"))
        name = escape(lines[0].name)
        story.append(
            Paragraph(
                f'<font name="{BOLD}">{name}</font>: ' + "; ".join(parts), item, bulletText="•"
            )
        )
    return story


# --------------------------------------------------------------------------- control figures


def _pct(value: Decimal | None) -> str:
    return NONE if value is None else _comma(value, 1)


def _figures(f: Figures, name: str | None = None) -> list[str]:
    return [
        f.name if name is None else name,
        str(f.lessons),
        str(f.on_time),
        _pct(f.on_time_pct),
        str(f.with_homework),
        _pct(f.homework_pct),
        str(f.ktp_given),
        _pct(f.ktp_pct),
        str(f.pupil_subjects),
        str(f.no_marks),
        _pct(f.no_marks_pct),
        str(f.one_mark),
        _pct(f.one_mark_pct),
    ]


def render_control_report(
    report: ControlReport, school_name: str, *, invariant: bool = False
) -> bytes:
    """The control figures as an A4 landscape PDF: by teacher (with the totals), by class.

    `invariant` makes the bytes depend on the report alone (no creation time, a fixed id).
    """
    register_fonts()
    styles = paragraph_styles(8.5)
    grades = str(report.grades).replace("-", "–")
    dates = day_range(report.first, report.last, year=True)
    story: list[Flowable] = [
        _p(school_name, styles["school"]),
        _p("Контроль ведения журнала", styles["title"]),
        _p(f"Параллели {grades} · {dates}", styles["subtitle"]),
        *_heading("По учителям", styles),
        _control_table("Учитель", report.teachers, report.total, styles),
        *_heading("По классам", styles),
        _control_table("Класс", report.classes, None, styles),
    ]
    return _build(
        story,
        title=f"Контроль ведения журнала: {dates}",
        author=school_name,
        footer=f"{school_name} · параллели {grades} · {dates}",
        invariant=invariant,
    )


def _control_table(
    first: str,
    figures: Sequence[Figures],
    total: Figures | None,
    styles: dict[str, ParagraphStyle],
) -> Flowable:
    if not figures:
        return _p("Уроков за эти даты нет.", styles["text"])
    header = [first, *CONTROL_HEADER[1:]]
    name_w = 50 * mm
    widths = [name_w] + [(WIDTH - name_w) / (len(header) - 1)] * (len(header) - 1)
    head_size = _head_size(header, widths, 8, 6)
    head = ParagraphStyle("control_head", styles["head"], fontSize=head_size)
    head.leading = head_size * 1.15
    cell = ParagraphStyle("control_cell", styles["cell"], fontSize=8.5, leading=10)
    bold = ParagraphStyle("control_total", cell, fontName=BOLD)
    first_head = ParagraphStyle("control_first", head, alignment=TA_LEFT)
    rows: list[list[Any]] = [[_p(header[0], first_head), *(_p(h, head) for h in header[1:])]]
    for f in figures:
        name, *numbers = _figures(f)
        rows.append([_p(name, cell), *numbers])
    commands = [
        *_grid(1, len(figures)),
        ("FONTNAME", (1, 1), (-1, -1), REGULAR),
        ("FONTSIZE", (1, 1), (-1, -1), 8.5),
        ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
        ("RIGHTPADDING", (1, 1), (-1, -1), 3 * mm),
    ]
    if total is not None:
        name, *numbers = _figures(total, TOTAL)
        rows.append([_p(name, bold), *numbers])
        commands += [
            ("BACKGROUND", (0, -1), (-1, -1), TOTAL_FILL),
            ("FONTNAME", (1, -1), (-1, -1), BOLD),
            ("LINEABOVE", (0, -1), (-1, -1), 0.8, GREY),
        ]
    return LongTable(rows, colWidths=widths, repeatRows=1, style=TableStyle(commands))
