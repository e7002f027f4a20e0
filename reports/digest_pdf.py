"""The printable digest: one A4 page per pupil for a class teacher to hand out at a meeting.

`render_digests` is pure: digests in, PDF bytes out. A page has the school, class, pupil and
dates; a table of subjects with the period's marks (their dates in small type), the mean, the
forecast mark, what it takes to reach the next mark and the term mark; the absences, the
teachers' remarks, their comments to the new marks, the control works coming up and a line for
the guardian's signature. A page with many subjects or long texts is set in smaller type until
it fits; a pupil with 20 subjects still gets one page. The fonts shipped in `reports/fonts`
render Cyrillic.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from reportlab.lib.colors import Color, black
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from domain.clock import day_range
from domain.forecast import describe
from domain.model import Grading, Period
from domain.usecases.diary import SubjectMarks
from locales import N_, Translator, translator
from reports.invitations import BOLD, REGULAR, register_fonts, wrap

MARGIN = 15 * mm
SIGNATURE_SPACE = 14 * mm  # the signature line's strip above the bottom margin
MIN_SCALE = 0.5
GREY = Color(0.45, 0.45, 0.45)
LIGHT = Color(0.94, 0.94, 0.94)
HEADER_FILL = Color(0.86, 0.86, 0.86)
RULE = Color(0.6, 0.6, 0.6)
MEAN_MSGID = "Mean {mean}: mark {mark}"  # the table has the mean and the mark in columns
RISK_MSGIDS = ("At risk of 2", "At risk of «н/а»: too few marks and many lessons missed")

# The paperwork's words (msgids; the catalogs give them in the reader's language, as they do
# the forecast lines).
LABELS: dict[str, str] = {
    "title": N_("Progress report"),
    "line": N_("Class {cls} · {period}: {dates} · report for {days}"),
    "new": N_("Marks in bold: {days}."),
    "subject": N_("Subject"),
    "marks": N_("Marks (the date under each)"),
    "mean": N_("Mean"),
    "forecast": N_("Forecast"),
    "needs": N_("What it takes"),
    "term": N_("Term"),
    "nothing": N_("No marks in the period yet."),
    "absences": N_("Lessons missed: {missed}, days missed: {days}; late: {late}."),
    "no_absences": N_("No absences, never late."),
    "remarks": N_("Teachers' remarks"),
    "comments": N_("Teachers' comments to marks"),
    "upcoming": N_("Control works coming up"),
    "more": N_("… and {count} more"),
    "signature": N_("Seen by: ______________________ / date ______________"),
    "document": N_("Progress reports"),
    "empty": N_("No pupils."),
}


def labels_in(t: Translator) -> dict[str, str]:
    """The labels in `t`'s language, their {placeholders} left to fill."""
    return {key: t(msgid) for key, msgid in LABELS.items()}


@dataclass(frozen=True, slots=True)
class PrintedDigest:
    """One pupil's page."""

    pupil_name: str
    class_name: str
    school_name: str
    period: Period
    first: date  # the marks from `first` to `last` are the new ones, set in bold
    last: date
    subjects: Sequence[SubjectMarks]
    absences: tuple[int, int, int]  # lessons missed, days missed, late
    remarks: Sequence[tuple[date, str] | tuple[date, str, str]]  # (day, text[, teacher])
    upcoming: Sequence[str]  # control works coming up
    kind_names: Mapping[str, str] = field(default_factory=dict)  # work kind code → name


def render_digests(
    digests: Sequence[PrintedDigest], language: str = "ru", *, invariant: bool = False
) -> bytes:
    """A PDF with one A4 page per digest.

    `invariant` makes the bytes depend on the digests alone (no creation time, a fixed id).
    """
    register_fonts()
    t = translator(language)
    labels = labels_in(t)
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=1 if invariant else 0, pageCompression=1)
    classes = ", ".join(dict.fromkeys(d.class_name for d in digests))
    canvas.setTitle(f"{labels['document']}: {classes}" if classes else labels["document"])
    canvas.setAuthor(digests[0].school_name if digests else "")
    canvas.setCreator("school-journal")
    for digest in digests:
        page = DigestPage(digest, t, labels)
        page.fit()
        page.layout(canvas)
        canvas.showPage()
    if not digests:
        canvas.setFont(REGULAR, 11)
        canvas.drawString(MARGIN, A4[1] - MARGIN - 11, labels["empty"])
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _day(d: date) -> str:
    return d.strftime("%d.%m.%Y")


def _words_fit(text: str, font: str, size: float, width: float) -> float:
    """The size, at most `size`, at which each word of `text` fits in `width` uncut."""
    widest = max((pdfmetrics.stringWidth(w, font, 1) for w in text.split()), default=0)
    return min(size, width / widest) if widest else size


class DigestPage:
    """One pupil's page, laid out at a scale of the normal type sizes.

    `layout` with no canvas only measures: it returns the y under the content, so that `fit`
    can find the largest scale (and, at the smallest, the most remarks) that fits above the
    signature line.
    """

    def __init__(self, digest: PrintedDigest, t: Translator, labels: dict[str, str]) -> None:
        self.d = digest
        self.t = t
        self.labels = labels
        self.scale = 1.0
        self.remarks = len(digest.remarks)
        self.upcoming = len(digest.upcoming)
        self.rows = [s for s in digest.subjects if s.subject.grading is not Grading.NONE or s.marks]
        self.comment_items = [  # the teachers' comments to the new marks
            f"{_day(c.day)} · {row.subject.name} · {c.value} — {c.text}"
            for row in self.rows
            for c in row.comments
            if digest.first <= c.day <= digest.last
        ]
        self.comments = len(self.comment_items)
        self.with_term = any(s.term_mark for s in self.rows)
        width = A4[0] - 2 * MARGIN
        shares = (
            (0.19, 0.37, 0.08, 0.08, 0.21, 0.07)
            if self.with_term
            else (0.20, 0.40, 0.08, 0.08, 0.24)
        )
        self.columns = [share * width for share in shares]

    def fit(self) -> None:
        """The largest scale (in hundredths) at which the page fits; at the smallest, drop
        remarks, then comments to marks, then control works from the end until it does."""
        if self._fits(1.0):
            return
        low, high = round(MIN_SCALE * 100), 100  # fits at `low` (else trimmed), not at `high`
        if self._fits(MIN_SCALE):
            while high - low > 1:
                middle = (low + high) // 2
                if self._fits(middle / 100):
                    low = middle
                else:
                    high = middle
        self.scale = low / 100
        while not self._fits(self.scale) and (self.remarks or self.comments or self.upcoming):
            if self.remarks:
                self.remarks -= 1
            elif self.comments:
                self.comments -= 1
            else:
                self.upcoming -= 1

    def _fits(self, scale: float) -> bool:
        self.scale = scale
        return self.layout(None) >= MARGIN + SIGNATURE_SPACE

    # ------------------------------------------------------------------ the page

    def layout(self, canvas: Canvas | None) -> float:
        d, s, labels = self.d, self.scale, self.labels
        left = MARGIN
        width = A4[0] - 2 * MARGIN
        top = A4[1] - MARGIN
        top = self._text(canvas, d.school_name, REGULAR, 9 * s, left, top, width, GREY)
        title = f"{labels['title']} · {d.period.name}"
        top = self._text(canvas, title, BOLD, 15 * s, left, top - 2 * s, width)
        top = self._text(canvas, d.pupil_name, BOLD, 13 * s, left, top - 2 * s, width)
        line = labels["line"].format(
            cls=d.class_name,
            period=d.period.name,
            dates=day_range(d.period.starts, d.period.ends, year=True),
            days=day_range(d.first, d.last, year=True),
        )
        top = self._text(canvas, line, REGULAR, 9 * s, left, top, width)
        top -= 6 * s

        if self.rows:
            top = self._table(canvas, left, top)
            if any(day < d.first for row in self.rows for day, _, _ in row.marks):
                new = labels["new"].format(days=day_range(d.first, d.last, year=True))
                top = self._text(canvas, new, REGULAR, 7.5 * s, left, top - 1 * s, width, GREY)
        else:
            top = self._text(canvas, labels["nothing"], REGULAR, 10 * s, left, top, width)
        top -= 6 * s

        missed, days, late = d.absences
        absences = (
            labels["absences"].format(missed=missed, days=days, late=late)
            if missed or days or late
            else labels["no_absences"]
        )
        top = self._text(canvas, absences, REGULAR, 9.5 * s, left, top, width)
        top = self._list(
            canvas,
            labels["remarks"],
            [_remark(*remark) for remark in d.remarks],
            self.remarks,
            left,
            top,
            width,
        )
        top = self._list(
            canvas, labels["comments"], self.comment_items, self.comments, left, top, width
        )
        top = self._list(
            canvas, labels["upcoming"], list(d.upcoming), self.upcoming, left, top, width
        )
        if canvas is not None:
            canvas.setFillColor(black)
            canvas.setFont(REGULAR, 10)
            canvas.drawString(left, MARGIN + 3 * mm, labels["signature"])
        return top

    def _list(
        self,
        canvas: Canvas | None,
        heading: str,
        items: list[str],
        shown: int,
        left: float,
        top: float,
        width: float,
    ) -> float:
        """A bold heading and the first `shown` items, each wrapped under a bullet."""
        if not items:
            return top
        s = self.scale
        top = self._text(canvas, f"{heading}:", BOLD, 9.5 * s, left, top - 5 * s, width)
        indent = 4 * mm * s
        for item in items[:shown]:
            if canvas is not None:
                canvas.setFillColor(black)
                canvas.setFont(REGULAR, 9 * s)
                canvas.drawString(left + indent / 3, top - 9 * s * 1.2 + 0.2 * 9 * s, "•")
            top = self._text(canvas, item, REGULAR, 9 * s, left + indent, top, width - indent)
        if shown < len(items):
            more = self.labels["more"].format(count=len(items) - shown)
            top = self._text(canvas, more, REGULAR, 9 * s, left + indent, top, width - indent)
        return top

    def _text(
        self,
        canvas: Canvas | None,
        text: str,
        font: str,
        size: float,
        x: float,
        top: float,
        width: float,
        colour: Color = black,
        align: str = "left",
    ) -> float:
        """`text` wrapped to `width` below `top`; returns the y under the last line."""
        leading = size * 1.2
        if canvas is not None:
            canvas.setFillColor(colour)
            canvas.setFont(font, size)
        for line in wrap(text, font, size, width) or [""]:
            top -= leading
            if canvas is None:
                continue
            baseline = top + (leading - size) / 2 + size * 0.1
            if align == "center":
                canvas.drawCentredString(x + width / 2, baseline, line)
            else:
                canvas.drawString(x, baseline, line)
        return top

    # ------------------------------------------------------------------ the table

    def _table(self, canvas: Canvas | None, left: float, top: float) -> float:
        labels = self.labels
        heads = [labels["subject"], labels["marks"], labels["mean"], labels["forecast"]]
        heads.append(labels["needs"])
        if self.with_term:
            heads.append(labels["term"])
        s = self.scale
        pad = 2.5 * s
        size = 7.5 * s
        sizes = [
            _words_fit(head, BOLD, size, w - 2 * pad)
            for head, w in zip(heads, self.columns, strict=True)
        ]
        heights = [
            top - self._text(None, head, BOLD, head_size, 0, top, w - 2 * pad)
            for head, head_size, w in zip(heads, sizes, self.columns, strict=True)
        ]
        head_h = max(heights) + 2 * pad
        table_top = top
        if canvas is not None:
            canvas.setFillColor(HEADER_FILL)
            canvas.rect(left, top - head_h, sum(self.columns), head_h, stroke=0, fill=1)
            x = left
            for head, head_size, w in zip(heads, sizes, self.columns, strict=True):
                self._text(canvas, head, BOLD, head_size, x + pad, top - pad, w - 2 * pad)
                x += w
        top -= head_h
        for index, row in enumerate(self.rows):
            height = self._row(None, row, left, top) + 2 * pad
            if canvas is not None:
                if index % 2:
                    canvas.setFillColor(LIGHT)
                    canvas.rect(left, top - height, sum(self.columns), height, stroke=0, fill=1)
                self._row(canvas, row, left, top)
                canvas.setStrokeColor(RULE)
                canvas.setLineWidth(0.3)
                canvas.line(left, top, left + sum(self.columns), top)
            top -= height
        if canvas is not None:
            canvas.setStrokeColor(RULE)
            canvas.setLineWidth(0.6)
            canvas.rect(left, top, sum(self.columns), table_top - top, stroke=1, fill=0)
            canvas.setLineWidth(0.3)
            x = left
            for w in self.columns[:-1]:
                x += w
                canvas.line(x, top, x, table_top)
        return top

    def _row(self, canvas: Canvas | None, row: SubjectMarks, left: float, top: float) -> float:
        """Draw one subject's row (or only measure it); returns its height without padding."""
        s = self.scale
        pad = 2.5 * s
        size = 8.5 * s
        cells = []
        x = left
        for w in self.columns:
            cells.append((x + pad, w - 2 * pad))
            x += w
        inner = top - pad
        f = row.forecast
        (x0, w0), (x1, w1), (x2, w2), (x3, w3), (x4, w4) = cells[:5]
        mean = self._mean(f.mean) if f is not None and f.mean is not None else "—"
        mark = f.mark if f is not None and f.mark is not None else "—"
        bottoms = [
            self._text(canvas, row.subject.name, REGULAR, size, x0, inner, w0),
            self._marks(canvas, row, x1, inner, w1),
            self._text(canvas, mean, REGULAR, size, x2, inner, w2, align="center"),
            self._text(canvas, mark, BOLD, 11 * s, x3, inner, w3, align="center"),
        ]
        bottom = inner
        for msgid, params in describe(f) if f is not None else []:
            if msgid == MEAN_MSGID:
                continue
            values = dict(params)
            if "kind" in values:
                values["kind"] = self.d.kind_names.get(str(values["kind"]), values["kind"])
            text = self.t(msgid, **values)
            font = BOLD if msgid in RISK_MSGIDS else REGULAR
            bottom = self._text(canvas, text, font, 7.5 * s, x4, bottom, w4)
        bottoms.append(bottom)
        if self.with_term:
            x5, w5 = cells[5]
            term = row.term_mark or ""
            bottoms.append(self._text(canvas, term, BOLD, 11 * s, x5, inner, w5, align="center"))
        return top - min(bottoms) - pad

    def _mean(self, mean: Decimal) -> str:
        return self.t.number(mean, 2)

    def _marks(
        self, canvas: Canvas | None, row: SubjectMarks, x: float, top: float, width: float
    ) -> float:
        """The marks left to right, each with its date in small type under it, wrapping."""
        if not row.marks:
            return self._text(canvas, "—", REGULAR, 8.5 * self.scale, x, top, width)
        s = self.scale
        value_size, date_size = 9.5 * s, 5.5 * s
        gap = 3.5 * s
        line_h = value_size * 1.1 + date_size * 1.25 + 1.5 * s
        cursor, line_top = x, top
        for day, value, _ in row.marks:
            new = self.d.first <= day <= self.d.last
            font = BOLD if new else REGULAR
            label = day.strftime("%d.%m")
            item_w = max(
                pdfmetrics.stringWidth(value, font, value_size),
                pdfmetrics.stringWidth(label, REGULAR, date_size),
            )
            if cursor > x and cursor + item_w > x + width:
                cursor, line_top = x, line_top - line_h
            if canvas is not None:
                middle = cursor + item_w / 2
                canvas.setFillColor(black if new else GREY)
                canvas.setFont(font, value_size)
                canvas.drawCentredString(middle, line_top - value_size * 0.95, value)
                canvas.setFillColor(GREY)
                canvas.setFont(REGULAR, date_size)
                canvas.drawCentredString(middle, line_top - line_h + 1.5 * s, label)
            cursor += item_w + gap
        return line_top - line_h


def _remark(day: date, text: str, teacher: str = "") -> str:
    """«16.11 — Иванова А. П.: text», the teacher named when known."""
    return f"{_day(day)} — {teacher}: {text}" if teacher else f"{_day(day)} — {text}"
