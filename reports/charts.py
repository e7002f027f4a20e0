"""A picture of a pupil's marks over the period, sent with the digest.

`PillowCharts.chart` is pure: marks in, PNG bytes out, the same bytes for the same marks. One
panel per subject with numeric marks, one under another, sized for a phone: the picture is twice
390 px wide, so its type reads at 12–15 px on the narrowest phone. A panel has the marks as dots
over the days of the period, a line for the running weighted mean (`domain.forecast.
running_means`, the arithmetic of the forecast), which ends on its value, and in its title the
mean and forecast mark — the line's last point. With more subjects than fit the 2560 px Telegram
shows, the ones at risk come first and the rest are named as left out. The picture stays within
what Telegram's sendPhoto accepts (width + height ≤ 10000, sides at most 20:1, under 10 MB). Text
is in Russian, the school's language; DejaVu renders Cyrillic. Numbers are written as the
reader's language writes them (`locales.number`: 4,45 in Russian, 4.45 in English).
"""

from __future__ import annotations

import datetime as dt
import functools
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from PIL import Image, ImageDraw, ImageFont

from domain.clock import day_range
from domain.forecast import running_means
from domain.grading import numeric
from domain.model import Period
from domain.usecases.diary import SubjectMarks
from locales import number
from reports.invitations import FONTS

SCALE = 2  # drawn twice as large, then halved (2×2 pixels averaged): smooth dots, lines, text
COLOURS = 64  # a chart has a few flat colours and their smoothed edges: a palette PNG
WIDTH = 780  # shown 390 px wide on a small phone: halved, 26 px type reads as 13 px
MARGIN = 20
GAP = 16  # between panels
HEADER = 116
PANEL_H = 300
PANEL_MIN_H = 200  # many subjects: lower panels, so that the picture stays readable
PANEL_TITLE = 48
TARGET_HEIGHT = 2560  # Telegram shows a photo at most 2560 px long; taller is scaled down
MAX_PANELS = (TARGET_HEIGHT - HEADER - MARGIN + GAP) // (PANEL_MIN_H + GAP)  # 11 panels
DOT = 8
TICK = 20  # the size of the axes' numbers and dates
END = 16  # the mean line goes on this far past its last point, where its value is written

WHITE = (255, 255, 255)
INK = (33, 37, 41)
MUTED = (120, 124, 130)
GRID = (226, 228, 232)
FAINT = (243, 244, 246)
FRAME = (208, 212, 218)
MEAN_LINE = (70, 74, 82)
MARK_COLOURS = {
    5: (40, 150, 70),
    4: (30, 110, 190),
    3: (225, 140, 0),
    2: (210, 45, 45),
    1: (140, 20, 20),
}

NO_MARKS = "Отметок пока нет"


@functools.cache
def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    return ImageFont.truetype(str(FONTS / name), size * SCALE)


def _s(value: float) -> int:
    """A length in output pixels to the drawing's (twice as large) pixels."""
    return round(value * SCALE)


def mean_text(value: Decimal, language: str) -> str:
    """A mean as the chart writes it, in the reader's language: 4,45 or 4.45."""
    return number(value, language, 2)


def _dates(period: Period) -> str:
    return day_range(period.starts, period.ends, year=True)


class PillowCharts:
    """The chart maker of the digest (`domain.usecases.family_jobs.ChartMaker`)."""

    def chart(
        self,
        title: str,
        subjects: Sequence[SubjectMarks],
        period: Period,
        weights: Mapping[str, Decimal],
        language: str = "ru",
    ) -> bytes:
        """`weights`: each kind of work's weight by its name, as the marks name it (a kind the
        school no longer has weighs 1, as in the forecast); `language`: the reader's, for the
        numbers."""
        panels = [(s, marks) for s in subjects if (marks := numeric_marks(s.marks, period))]
        if not panels:
            return _empty(title, period)
        hidden = max(0, len(panels) - MAX_PANELS)
        if hidden:  # the subjects at risk first; the rest, in their order, as they fit
            risky = [p for p in panels if _at_risk(p[0])]
            kept = {id(p) for p in [*risky, *panels][:MAX_PANELS]}
            panels = [p for p in panels if id(p) in kept][:MAX_PANELS]
        rows = len(panels)
        room = (TARGET_HEIGHT - HEADER - MARGIN + GAP) // rows - GAP
        panel_h = max(PANEL_MIN_H, min(PANEL_H, room))
        height = HEADER + rows * panel_h + (rows - 1) * GAP + MARGIN
        image = Image.new("RGB", (_s(WIDTH), _s(height)), WHITE)
        draw = ImageDraw.Draw(image)
        _header(draw, title, period, hidden)
        panel_w = WIDTH - 2 * MARGIN
        low = 1 if any(v == 1 for _, marks in panels for _, v, _ in marks) else 2
        for row, (subject, marks) in enumerate(panels):
            y = HEADER + row * (panel_h + GAP)
            line = mean_line(marks, weights)
            box = (MARGIN, y, panel_w, panel_h)
            _panel(draw, subject, marks, line, period, low, box, language)
        return _png(image)


def _at_risk(subject: SubjectMarks) -> bool:
    f = subject.forecast
    return f is not None and (f.at_risk_of_2 or f.at_risk_of_na)


def numeric_marks(
    marks: Sequence[tuple[dt.date, str, str]], period: Period
) -> list[tuple[dt.date, int, str]]:
    """(day, 1..5, kind) of the period, oldest first; «зач», «н/а» and the like are not drawn
    (nor do they count in the mean)."""
    found = []
    for day, value, kind in marks:
        n = numeric(value)
        if n is not None and 1 <= n <= 5 and period.covers(day):
            found.append((day, n, kind))
    return sorted(found, key=lambda m: m[0])  # stable: same-day marks keep their order


def mean_line(
    marks: Sequence[tuple[dt.date, int, str]], weights: Mapping[str, Decimal]
) -> list[tuple[dt.date, Decimal]]:
    """The line's points: the weighted running mean at the end of each day with marks. Over
    the period's marks its last point is the forecast's mean, the one the panel's title shows."""
    means = running_means((str(v), weights.get(kind, Decimal(1))) for _, v, kind in marks)
    points: list[tuple[dt.date, Decimal]] = []
    for (day, _, _), mean in zip(marks, means, strict=True):
        assert mean is not None  # every mark drawn is numeric
        if points and points[-1][0] == day:
            points[-1] = (day, mean)
        else:
            points.append((day, mean))
    return points


def _png(drawing: Image.Image) -> bytes:
    """The drawing halved and saved with a palette: a tenth of the time and a quarter of the
    bytes of a full-colour PNG with a Lanczos filter and `optimize` (a district's digests draw
    tens of thousands of these), and no visible difference at the size Telegram shows."""
    image = drawing.reduce(SCALE).quantize(COLOURS, method=Image.Quantize.FASTOCTREE)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")  # no time chunk: the bytes depend on pixels alone
    return buffer.getvalue()


def _empty(title: str, period: Period) -> bytes:
    width, height = WIDTH, 240
    image = Image.new("RGB", (_s(width), _s(height)), WHITE)
    draw = ImageDraw.Draw(image)
    _fitted(draw, (_s(MARGIN), _s(MARGIN)), f"{title} — {period.name}", 30, True, width - 40)
    draw.text((_s(MARGIN), _s(64)), _dates(period), fill=MUTED, font=_font(22))
    draw.text((_s(width / 2), _s(160)), NO_MARKS, fill=INK, font=_font(30), anchor="mm")
    return _png(image)


def _header(draw: ImageDraw.ImageDraw, title: str, period: Period, hidden: int) -> None:
    _fitted(draw, (_s(MARGIN), _s(MARGIN)), f"{title} — {period.name}", 30, True, WIDTH - 40)
    subtitle = _dates(period)
    if hidden:
        subtitle += f" · не поместились ещё {hidden} предм."
    draw.text((_s(MARGIN), _s(60)), subtitle, fill=MUTED, font=_font(20))
    # the legend, under the subtitle
    font = _font(20)
    mid = _s(94)
    left: float = _s(MARGIN + DOT)
    _dot(draw, left, mid, MARK_COLOURS[4])
    left += _s(DOT + 8)
    text = "отметка"
    draw.text((left, mid), text, fill=MUTED, font=font, anchor="lm")
    left += draw.textlength(text, font=font) + _s(24)
    draw.line((left, mid, left + _s(30), mid), fill=MEAN_LINE, width=_s(3))
    left += _s(38)
    draw.text((left, mid), "средний балл с учётом веса работ", fill=MUTED, font=font, anchor="lm")


def _fitted(
    draw: ImageDraw.ImageDraw,
    xy: tuple[int, int],
    text: str,
    size: int,
    bold: bool,
    width: float,
    fill: tuple[int, int, int] = INK,
    anchor: str = "la",
    smallest: int = 12,
) -> None:
    """One line of at most `width` output pixels: smaller type first, then an ellipsis."""
    while size > smallest and draw.textlength(text, font=_font(size, bold)) > _s(width):
        size -= 1
    font = _font(size, bold)
    if draw.textlength(text, font=font) > _s(width):
        while len(text) > 1 and draw.textlength(text + "…", font=font) > _s(width):
            text = text[:-1]
        text = text.rstrip() + "…"
    draw.text(xy, text, fill=fill, font=font, anchor=anchor)


def _dot(draw: ImageDraw.ImageDraw, x: float, y: float, colour: tuple[int, int, int]) -> None:
    r = _s(DOT)
    draw.ellipse((x - r, y - r, x + r, y + r), fill=colour, outline=WHITE, width=_s(1))


def _panel(
    draw: ImageDraw.ImageDraw,
    subject: SubjectMarks,
    marks: list[tuple[dt.date, int, str]],
    line: list[tuple[dt.date, Decimal]],
    period: Period,
    low: int,
    box: tuple[float, float, float, float],
    language: str,
) -> None:
    x, y, w, h = box
    draw.rounded_rectangle(
        (_s(x), _s(y), _s(x + w), _s(y + h)), radius=_s(8), outline=FRAME, width=_s(1)
    )
    _panel_title(draw, subject, x + 14, y + PANEL_TITLE / 2 + 4, w - 28, language)

    left, right = x + 44, x + w - 14 - END - 56  # room at the right for the line's value
    top, bottom = y + PANEL_TITLE + 12, y + h - 36
    geometry = _Geometry(period=period, low=low, left=left, right=right, top=top, bottom=bottom)
    px, py = geometry.px, geometry.py

    # weeks: a faint line every Monday, a date under some of them
    span = max(1, (period.ends - period.starts).days)
    mondays = [
        period.starts + dt.timedelta(days=i)
        for i in range(span + 1)
        if (period.starts + dt.timedelta(days=i)).weekday() == 0
    ]
    step = max(1, -(-len(mondays) // 4))
    small = _font(TICK)
    for i, monday in enumerate(mondays):
        mx = _s(round(px(monday)))
        draw.line((mx, _s(top), mx, _s(bottom)), fill=FAINT, width=_s(1))
        if i % step == 0:
            draw.text((mx, _s(bottom + 6)), f"{monday:%d.%m}", fill=MUTED, font=small, anchor="ma")
    for value in range(low, 6):
        gy = _s(round(py(value)))  # on a whole output pixel: halving keeps it crisp
        draw.line((_s(left), gy, _s(right + END), gy), fill=GRID, width=_s(1))
        draw.text((_s(left - 10), gy), str(value), fill=MUTED, font=small, anchor="rm")
    draw.line((_s(left), _s(top), _s(left), _s(bottom)), fill=FRAME, width=_s(1))

    # the weighted running mean after each day with marks, ending on its value
    points = [(_s(px(day)), _s(py(mean))) for day, mean in line]
    end_x, end_y = points[-1]
    points.append((end_x + _s(END), end_y))
    draw.line(points, fill=MEAN_LINE, width=_s(3), joint="curve")
    draw.text(
        (end_x + _s(END + 6), end_y),
        mean_text(line[-1][1], language),
        fill=MEAN_LINE,
        font=_font(TICK, True),
        anchor="lm",
    )

    # the marks; several equal marks on one day stand side by side
    groups: dict[tuple[dt.date, int], int] = {}
    for day, value, _ in marks:
        groups[(day, value)] = groups.get((day, value), 0) + 1
    placed: dict[tuple[dt.date, int], int] = {}
    for day, value, _ in marks:
        n = groups[(day, value)]
        i = placed.get((day, value), 0)
        placed[(day, value)] = i + 1
        dx = (i - (n - 1) / 2) * (DOT * 1.6)
        _dot(draw, _s(px(day) + dx), _s(py(value)), MARK_COLOURS[value])


@dataclass(frozen=True, slots=True)
class _Geometry:
    """Where a day and a mark (or mean) are in a panel, in output pixels."""

    period: Period
    low: int
    left: float
    right: float
    top: float
    bottom: float

    def px(self, day: dt.date) -> float:
        span = max(1, (self.period.ends - self.period.starts).days)
        return (
            self.left + 8 + (day - self.period.starts).days / span * (self.right - self.left - 16)
        )

    def py(self, value: float | Decimal) -> float:
        share = (float(value) - self.low) / (5 - self.low)
        return self.bottom - 10 - share * (self.bottom - self.top - 20)


def _panel_title(
    draw: ImageDraw.ImageDraw,
    subject: SubjectMarks,
    x: float,
    mid: float,
    width: float,
    language: str,
) -> None:
    """The subject at the left; at the right the mean, the forecast and the term mark."""
    parts: list[tuple[str, tuple[int, int, int], bool]] = []
    f = subject.forecast
    if f is not None and f.mean is not None:
        parts.append((f"ср. {mean_text(f.mean, language)}", MUTED, False))
    if f is not None and f.mark is not None:
        colour = MARK_COLOURS.get(numeric(f.mark) or 0, INK)
        parts.append(("  прогноз ", MUTED, False))
        parts.append((f.mark, colour, True))
    if subject.term_mark:
        parts.append(("  итог ", MUTED, False))
        parts.append((subject.term_mark, INK, True))
    right: float = _s(x + width)
    for text, colour, bold in reversed(parts):
        font = _font(26 if bold else 22, bold)
        right -= draw.textlength(text, font=font)
        draw.text((right, _s(mid)), text, fill=colour, font=font, anchor="lm")
    room = (right - _s(x)) / SCALE - 12
    _fitted(draw, (_s(x), _s(mid)), subject.subject.name, 26, True, room, anchor="lm", smallest=18)
