"""A picture of a pupil's marks over the period, sent with the digest.

`PillowCharts.chart` is pure: marks in, PNG bytes out, the same bytes for the same marks. One
small panel per subject with numeric marks (two columns): the marks as dots over the days of the
period, a line for the running mean, and the mean and forecast mark in the panel's title. The
picture stays within what Telegram's sendPhoto accepts (width + height ≤ 10000, sides at most
20:1, under 10 MB). Text is in Russian, the school's language; DejaVu renders Cyrillic.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
from collections.abc import Sequence
from decimal import Decimal

from PIL import Image, ImageDraw, ImageFont

from domain.grading import numeric
from domain.model import Period
from domain.usecases.diary import SubjectMarks
from reports.invitations import FONTS

SCALE = 2  # drawn twice as large, then halved (2×2 pixels averaged): smooth dots, lines, text
COLOURS = 64  # a chart has a few flat colours and their smoothed edges: a palette PNG
WIDTH = 1000
MARGIN = 20
GAP = 16  # between panels
HEADER = 78
PANEL_H = 210
PANEL_MIN_H = 130  # many subjects: lower panels, so that the picture stays readable
PANEL_TITLE = 34
COLUMNS = 2
TARGET_HEIGHT = 2560  # Telegram shows a photo at most 2560 px long; taller is scaled down
MAX_PANELS = 40  # 20 rows, 3018 px; Telegram takes width + height ≤ 10000, sides ≤ 20:1
DOT = 5

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


def _decimal(value: Decimal) -> str:
    return f"{value:.2f}".replace(".", ",")


def _dates(period: Period) -> str:
    return f"{period.starts:%d.%m.%Y} – {period.ends:%d.%m.%Y}"


class PillowCharts:
    """The chart maker of the digest (`domain.usecases.family_jobs.ChartMaker`)."""

    def chart(self, title: str, subjects: Sequence[SubjectMarks], period: Period) -> bytes:
        panels = [(s, marks) for s in subjects if (marks := _numeric_marks(s.marks, period))]
        if not panels:
            return _empty(title, period)
        hidden = max(0, len(panels) - MAX_PANELS)
        panels = panels[:MAX_PANELS]
        rows = -(-len(panels) // COLUMNS)
        room = (TARGET_HEIGHT - HEADER - MARGIN + GAP) // rows - GAP
        panel_h = max(PANEL_MIN_H, min(PANEL_H, room))
        height = HEADER + rows * panel_h + (rows - 1) * GAP + MARGIN
        image = Image.new("RGB", (_s(WIDTH), _s(height)), WHITE)
        draw = ImageDraw.Draw(image)
        _header(draw, title, period, hidden)
        panel_w = (WIDTH - 2 * MARGIN - (COLUMNS - 1) * GAP) / COLUMNS
        low = 1 if any(v == 1 for _, marks in panels for _, v in marks) else 2
        for index, (subject, marks) in enumerate(panels):
            column, row = index % COLUMNS, index // COLUMNS
            x = MARGIN + column * (panel_w + GAP)
            y = HEADER + row * (panel_h + GAP)
            _panel(draw, subject, marks, period, low, (x, y, panel_w, panel_h))
        return _png(image)


def _numeric_marks(
    marks: Sequence[tuple[dt.date, str, str]], period: Period
) -> list[tuple[dt.date, int]]:
    """(day, 1..5) of the period, oldest first; «зач», «н/а» and the like are not drawn."""
    found = []
    for day, value, _ in marks:
        n = numeric(value)
        if n is not None and 1 <= n <= 5 and period.covers(day):
            found.append((day, n))
    return sorted(found, key=lambda m: m[0])  # stable: same-day marks keep their order


def _png(drawing: Image.Image) -> bytes:
    """The drawing halved and saved with a palette: a tenth of the time and a quarter of the
    bytes of a full-colour PNG with a Lanczos filter and `optimize` (a district's digests draw
    tens of thousands of these), and no visible difference at the size Telegram shows."""
    image = drawing.reduce(SCALE).quantize(COLOURS, method=Image.Quantize.FASTOCTREE)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")  # no time chunk: the bytes depend on pixels alone
    return buffer.getvalue()


def _empty(title: str, period: Period) -> bytes:
    width, height = 600, 170
    image = Image.new("RGB", (_s(width), _s(height)), WHITE)
    draw = ImageDraw.Draw(image)
    _fitted(draw, (_s(MARGIN), _s(MARGIN)), f"{title} — {period.name}", 20, True, width - 40)
    draw.text((_s(MARGIN), _s(52)), _dates(period), fill=MUTED, font=_font(14))
    draw.text((_s(width / 2), _s(112)), NO_MARKS, fill=INK, font=_font(22), anchor="mm")
    return _png(image)


def _header(draw: ImageDraw.ImageDraw, title: str, period: Period, hidden: int) -> None:
    _fitted(draw, (_s(MARGIN), _s(MARGIN)), f"{title} — {period.name}", 24, True, WIDTH - 40)
    subtitle = _dates(period)
    if hidden:
        subtitle += f" · не поместились ещё {hidden} предм."
    draw.text((_s(MARGIN), _s(54)), subtitle, fill=MUTED, font=_font(14))
    # the legend, at the right of the subtitle line
    font = _font(13)
    right = _s(WIDTH - MARGIN)
    mid = _s(61)
    text = "среднее (без учёта веса)"
    right -= draw.textlength(text, font=font)
    draw.text((right, mid), text, fill=MUTED, font=font, anchor="lm")
    right -= _s(30)
    draw.line((right, mid, right + _s(22), mid), fill=MEAN_LINE, width=_s(2))
    right -= _s(16)
    text = "отметка"
    right -= draw.textlength(text, font=font)
    draw.text((right, mid), text, fill=MUTED, font=font, anchor="lm")
    right -= _s(10)
    _dot(draw, right, mid, MARK_COLOURS[4])


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
    marks: list[tuple[dt.date, int]],
    period: Period,
    low: int,
    box: tuple[float, float, float, float],
) -> None:
    x, y, w, h = box
    draw.rounded_rectangle(
        (_s(x), _s(y), _s(x + w), _s(y + h)), radius=_s(6), outline=FRAME, width=_s(1)
    )
    _panel_title(draw, subject, x + 10, y + PANEL_TITLE / 2 + 2, w - 20)

    left, right = x + 34, x + w - 12
    top, bottom = y + PANEL_TITLE + 8, y + h - 24
    span = max(1, (period.ends - period.starts).days)

    def px(day: dt.date) -> float:
        return left + 6 + (day - period.starts).days / span * (right - left - 12)

    def py(value: float) -> float:
        return bottom - 8 - (value - low) / (5 - low) * (bottom - top - 16)

    # weeks: a faint line every Monday, a date under some of them
    mondays = [
        period.starts + dt.timedelta(days=i)
        for i in range(span + 1)
        if (period.starts + dt.timedelta(days=i)).weekday() == 0
    ]
    step = max(1, -(-len(mondays) // 5))
    small = _font(11)
    for i, monday in enumerate(mondays):
        mx = _s(px(monday))
        draw.line((mx, _s(top), mx, _s(bottom)), fill=FAINT, width=_s(1))
        if i % step == 0:
            draw.text((mx, _s(bottom + 5)), f"{monday:%d.%m}", fill=MUTED, font=small, anchor="ma")
    for value in range(low, 6):
        gy = _s(py(value))
        draw.line((_s(left), gy, _s(right), gy), fill=GRID, width=_s(1))
        draw.text((_s(left - 8), gy), str(value), fill=MUTED, font=small, anchor="rm")
    draw.line((_s(left), _s(top), _s(left), _s(bottom)), fill=FRAME, width=_s(1))

    # the running mean after each day with marks
    points = []
    total = 0
    for count, (day, value) in enumerate(marks, start=1):
        total += value
        point = (_s(px(day)), _s(py(total / count)))
        if points and points[-1][0] == point[0]:
            points[-1] = point
        else:
            points.append(point)
    if len(points) > 1:
        draw.line(points, fill=MEAN_LINE, width=_s(2), joint="curve")
    elif points:
        px0, py0 = points[0]
        draw.line((px0 - _s(8), py0, px0 + _s(8), py0), fill=MEAN_LINE, width=_s(2))

    # the marks; several equal marks on one day stand side by side
    groups: dict[tuple[dt.date, int], int] = {}
    for day, value in marks:
        groups[(day, value)] = groups.get((day, value), 0) + 1
    placed: dict[tuple[dt.date, int], int] = {}
    for day, value in marks:
        n = groups[(day, value)]
        i = placed.get((day, value), 0)
        placed[(day, value)] = i + 1
        dx = (i - (n - 1) / 2) * (DOT * 1.6)
        _dot(draw, _s(px(day) + dx), _s(py(value)), MARK_COLOURS[value])


def _panel_title(
    draw: ImageDraw.ImageDraw, subject: SubjectMarks, x: float, mid: float, width: float
) -> None:
    """The subject at the left; at the right the mean, the forecast and the term mark."""
    parts: list[tuple[str, tuple[int, int, int], bool]] = []
    f = subject.forecast
    if f is not None and f.mean is not None:
        parts.append((f"ср. {_decimal(f.mean)}", MUTED, False))
    if f is not None and f.mark is not None:
        colour = MARK_COLOURS.get(numeric(f.mark) or 0, INK)
        parts.append(("  прогноз ", MUTED, False))
        parts.append((f.mark, colour, True))
    if subject.term_mark:
        parts.append(("  итог ", MUTED, False))
        parts.append((subject.term_mark, INK, True))
    right = _s(x + width)
    for text, colour, bold in reversed(parts):
        font = _font(15 if bold else 13, bold)
        right -= draw.textlength(text, font=font)
        draw.text((right, _s(mid)), text, fill=colour, font=font, anchor="lm")
    room = (right - _s(x)) / SCALE - 10
    _fitted(draw, (_s(x), _s(mid)), subject.subject.name, 15, True, room, anchor="lm")
