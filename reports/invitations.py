"""Invitation cards for guardians: an A4 sheet of cards to cut apart and hand out in class.

`render_invitation_cards` is pure: card data in, PDF bytes out. The cards are in Russian, the
language of the school's paperwork; the fonts shipped in `reports/fonts` render Cyrillic.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import qrcode
import qrcode.constants
from reportlab.lib.colors import Color, black, white
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

FONTS = Path(__file__).parent / "fonts"
REGULAR = "DejaVuSans"
BOLD = "DejaVuSans-Bold"

INSTRUCTION = (
    "Откройте ссылку или наведите камеру телефона на QR-код, нажмите «{start}» в "
    "{messenger}\u00a0— бот подключит вас к электронному журналу. Приглашение действует один раз: "
    "не передавайте его другим людям."
)
START = {"Telegram": "Запустить", "MAX": "Начать"}  # the button that opens a bot's chat

COLUMNS = 2
ROWS = 3
CARDS_PER_PAGE = COLUMNS * ROWS
MARGIN = 10 * mm  # most printers leave the outer 4–5 mm blank
PADDING = 5 * mm
QR_SIZE = 40 * mm
GREY = Color(0.55, 0.55, 0.55)


@dataclass(frozen=True, slots=True)
class InvitationCard:
    """One guardian's card: who it is for and the single-use link it carries."""

    school: str
    class_name: str
    guardian: str
    children: tuple[str, ...]
    link: str
    code: str
    expires: dt.date
    messenger: str = "Telegram"  # whose link the QR code is
    also: tuple[tuple[str, str], ...] = ()  # (messenger, link): the same code in another


def register_fonts() -> None:
    """Register the DejaVu fonts with reportlab once per process."""
    registered = set(pdfmetrics.getRegisteredFontNames())
    for name, filename in ((REGULAR, "DejaVuSans.ttf"), (BOLD, "DejaVuSans-Bold.ttf")):
        if name not in registered:
            pdfmetrics.registerFont(TTFont(name, str(FONTS / filename)))


def render_invitation_cards(
    cards: Sequence[InvitationCard], *, title: str = "", invariant: bool = False
) -> bytes:
    """A PDF of A4 pages, six cards a page, with dashed cut lines between the cards.

    `invariant` makes the bytes depend on the cards alone (no creation time, a fixed id).
    """
    register_fonts()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=1 if invariant else 0, pageCompression=1)
    classes = ", ".join(dict.fromkeys(card.class_name for card in cards))
    canvas.setTitle(title or f"Приглашения в электронный журнал: {classes}".rstrip(": "))
    canvas.setAuthor(cards[0].school if cards else "")
    canvas.setCreator("school-journal")
    width, height = A4
    card_w = (width - 2 * MARGIN) / COLUMNS
    card_h = (height - 2 * MARGIN) / ROWS
    pages = [cards[i : i + CARDS_PER_PAGE] for i in range(0, len(cards), CARDS_PER_PAGE)]
    for page in pages or [[]]:
        rows = max(1, -(-len(page) // COLUMNS))
        _cut_lines(canvas, width, height, card_w, card_h, rows)
        for index, card in enumerate(page):
            column, row = index % COLUMNS, index // COLUMNS
            x = MARGIN + column * card_w
            y = height - MARGIN - (row + 1) * card_h
            _card(canvas, card, x, y, card_w, card_h)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _cut_lines(
    canvas: Canvas, width: float, height: float, card_w: float, card_h: float, rows: int
) -> None:
    """Dashed lines around the rows of cards in use, with scissors at the left edge."""
    top = height - MARGIN
    bottom = top - rows * card_h
    canvas.saveState()
    canvas.setStrokeColor(GREY)
    canvas.setLineWidth(0.5)
    canvas.setDash(4, 3)
    for column in range(COLUMNS + 1):
        x = MARGIN + column * card_w
        canvas.line(x, bottom, x, top)
    canvas.setFillColor(GREY)
    canvas.setFont(REGULAR, 9)
    for row in range(rows + 1):
        y = top - row * card_h
        canvas.line(MARGIN, y, width - MARGIN, y)
        canvas.drawString(MARGIN - 10, y - 3, "✂")
    canvas.restoreState()


def _card(canvas: Canvas, card: InvitationCard, x: float, y: float, w: float, h: float) -> None:
    """Draw one card, made smaller when long names would not fit at the normal size."""
    scale = 1.0
    while scale > 0.5 and _layout(None, card, x, y, w, h, scale) < y + PADDING:
        scale -= 0.05
    _layout(canvas, card, x, y, w, h, scale)


def _layout(
    canvas: Canvas | None,
    card: InvitationCard,
    x: float,
    y: float,
    w: float,
    h: float,
    scale: float,
) -> float:
    """Lay the card out (drawing it when `canvas` is given); returns the y under the content."""
    left = x + PADDING
    inner = w - 2 * PADDING
    top = y + h - PADDING
    qr_size = QR_SIZE * scale
    gap = 4 * mm * scale
    if canvas is not None:
        canvas.setFillColor(black)
    top = _paragraph(canvas, card.school, BOLD, 9 * scale, left, top, inner)
    heading = f"Класс {card.class_name} · приглашение в электронный журнал"
    top = _paragraph(canvas, heading, REGULAR, 8 * scale, left, top, inner)
    top -= gap
    top = _paragraph(canvas, card.guardian, BOLD, 13 * scale, left, top, inner)
    if card.children:
        label = "Ребёнок" if len(card.children) == 1 else "Дети"
        children = f"{label}: {', '.join(card.children)}"
        top = _paragraph(canvas, children, REGULAR, 10 * scale, left, top, inner)
    top -= gap

    qr_bottom = top - qr_size
    if canvas is not None:
        _qr(canvas, card.link, left, qr_bottom, qr_size)
        canvas.linkURL(card.link, (left, qr_bottom, left + qr_size, top), thickness=0)
    text_left = left + qr_size + gap
    text_w = inner - qr_size - gap
    instruction = INSTRUCTION.format(
        messenger=card.messenger, start=START.get(card.messenger, "Start")
    )
    right = _paragraph(canvas, instruction, REGULAR, 8 * scale, text_left, top, text_w)
    right -= gap / 2
    right = _paragraph(canvas, "Код приглашения:", REGULAR, 8 * scale, text_left, right, text_w)
    right = _fitted_line(canvas, card.code, BOLD, 9 * scale, text_left, right, text_w)
    expires = f"Действует до {card.expires.strftime('%d.%m.%Y')}"
    right = _fitted_line(canvas, expires, BOLD, 9 * scale, text_left, right, text_w)

    link_top = min(qr_bottom, right) - gap / 2
    bottom = _fitted_line(canvas, card.link, REGULAR, 8 * scale, left, link_top, inner)
    if canvas is not None:
        canvas.linkURL(card.link, (left, bottom, left + inner, link_top), thickness=0)
    for messenger, link in card.also:  # the same code in another messenger, as a link
        below = _fitted_line(
            canvas, f"{messenger}: {link}", REGULAR, 8 * scale, left, bottom, inner
        )
        if canvas is not None:
            canvas.linkURL(link, (left, below, left + inner, bottom), thickness=0)
        bottom = below
    return bottom


def _paragraph(
    canvas: Canvas | None, text: str, font: str, size: float, x: float, top: float, width: float
) -> float:
    """Draw `text` wrapped to `width` below `top`; returns the y under the last line."""
    leading = size * 1.25
    if canvas is not None:
        canvas.setFont(font, size)
    for line in wrap(text, font, size, width, hyphen=None, breaks=" "):
        top -= leading
        if canvas is not None:
            canvas.drawString(x, top + (leading - size) / 2, line)
    return top


def wrap(
    text: str,
    font: str,
    size: float,
    width: float,
    *,
    hyphen: str | None = "",
    breaks: str | None = None,
) -> list[str]:
    """Lines of at most `width` for every PDF of `reports/`, broken at `breaks` (None: any
    whitespace; " ": plain spaces only, so a no-break space holds). A word wider than a line
    is cut, `hyphen` ending each cut piece; with `hyphen` None it is left whole to overflow."""
    lines: list[str] = []
    line = ""
    for word in text.split(breaks):
        if not word:
            continue
        while (
            hyphen is not None
            and len(word) > 1
            and pdfmetrics.stringWidth(word, font, size) > width
        ):
            if line:
                lines.append(line)
                line = ""
            cut = len(word) - 1
            while cut > 1 and pdfmetrics.stringWidth(word[:cut] + hyphen, font, size) > width:
                cut -= 1
            lines.append(word[:cut] + hyphen)
            word = word[cut:]
        candidate = f"{line} {word}" if line else word
        if line and pdfmetrics.stringWidth(candidate, font, size) > width:
            lines.append(line)
            line = word
        else:
            line = candidate
    if line:
        lines.append(line)
    return lines


def _fitted_line(
    canvas: Canvas | None, text: str, font: str, size: float, x: float, top: float, width: float
) -> float:
    """One line that must not wrap (a link, a code): the font shrinks until it fits."""
    while size > 5 and pdfmetrics.stringWidth(text, font, size) > width:
        size -= 0.25
    leading = size * 1.3
    if canvas is not None:
        canvas.setFont(font, size)
        canvas.drawString(x, top - leading + (leading - size) / 2, text)
    return top - leading


def _qr(canvas: Canvas, data: str, x: float, y: float, size: float) -> None:
    """The QR code as filled squares: sharp at any zoom, and no image library needed."""
    code = qrcode.QRCode(border=0, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(data)
    code.make(fit=True)
    matrix = code.get_matrix()
    module = size / len(matrix)
    canvas.saveState()
    canvas.setFillColor(white)
    canvas.rect(x, y, size, size, stroke=0, fill=1)
    canvas.setFillColor(black)
    path = canvas.beginPath()
    for r, cells in enumerate(matrix):
        c = 0
        while c < len(cells):
            if not cells[c]:
                c += 1
                continue
            start = c
            while c < len(cells) and cells[c]:
                c += 1
            # rows run downwards in the matrix, upwards on the page
            bottom = y + size - (r + 1) * module
            # a hair taller than a module, so that viewers show no seams between rows
            path.rect(x + start * module, bottom - 0.05, (c - start) * module, module + 0.05)
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.restoreState()
