"""The printable digest lists the teachers' comments to the new marks (the paper goes to
families without the messenger: it is the only place they read them)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

from reportlab.pdfgen.canvas import Canvas

from domain.usecases.diary import MarkComment
from locales import translator
from locales.extract import messages
from reports.digest_pdf import LABELS, DigestPage, labels_in, render_digests
from reports.invitations import register_fonts
from tests.test_reports import PERIOD, SUBJECTS, digest, page_count, subject

NEW = MarkComment(dt.date(2025, 10, 20), "3", "Ответ на уроке", "Не выучил <b>правило</b> & вывод")
OLD = MarkComment(dt.date(2025, 9, 5), "5", "Ответ на уроке", "Старый комментарий")


def _with_comments() -> list[Any]:
    first, *others = SUBJECTS
    return [dataclasses.replace(first, comments=[OLD, NEW]), *others]


def test_the_page_lists_the_comments_to_the_new_marks() -> None:
    register_fonts()
    page = DigestPage(
        digest("Иванов Пётр", _with_comments()), translator("ru"), labels_in(translator("ru"))
    )
    assert page.comment_items == ["20.10.2025 · Алгебра · 3 — Не выучил <b>правило</b> & вывод"]
    page.fit()
    assert page.comments == 1  # room for it on the page
    crowded = digest("Иванов Пётр", _with_comments() * 5, remarks=[(NEW.day, "Замечание")] * 30)
    assert page_count(render_digests([crowded])) == 1  # a crowded page still fits one page


def test_text_of_the_comments(tmp_path: Path) -> None:
    if not shutil.which("pdftotext"):  # a closer look where poppler is installed
        return
    out = tmp_path / "digest.pdf"
    out.write_bytes(render_digests([digest("Иванов Пётр", _with_comments())]))
    text = subprocess.run(
        ["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Комментарии учителей к отметкам" in text
    assert "Не выучил <b>правило</b> & вывод" in text and "Старый комментарий" not in text


class _TextLayer(Canvas):
    """A real canvas that also keeps every string the page draws: the PDF's text layer as the
    code writes it (its fonts are subsets, so the bytes do not read back as text)."""

    def __init__(self) -> None:
        super().__init__(io.BytesIO())
        self.texts: list[str] = []

    def drawString(self, x: float, y: float, text: str, *args: object, **kw: object) -> None:
        self.texts.append(text)
        # the extra arguments go on to ReportLab as they came, untyped here
        super().drawString(x, y, text, *args, **kw)  # type: ignore[arg-type]

    def drawCentredString(self, x: float, y: float, text: str, *args: object, **kw: object) -> None:
        self.texts.append(text)
        # the extra arguments go on to ReportLab as they came, untyped here
        super().drawCentredString(x, y, text, *args, **kw)  # type: ignore[arg-type]


def _drawn(page_digest: object, language: str) -> list[str]:
    register_fonts()
    t = translator(language)
    # a PrintedDigest, passed as object so the helper takes the test's variants too
    page = DigestPage(page_digest, t, labels_in(t))  # type: ignore[arg-type]
    page.fit()
    canvas = _TextLayer()
    page.layout(canvas)
    return canvas.texts


def test_an_english_guardians_page_has_no_russian_labels() -> None:
    """The labels come from the catalogs: an English page (of English data) has no Cyrillic
    letter, a Russian one has the catalog's words."""
    english = digest(
        "Peter Ivanov",
        [subject(1, "Algebra", ["5", "4", "5", "3", "4"]), subject(2, "Art", ["5"], term="5")],
        class_name="7B",
        school_name="School No. 12",
        period=dataclasses.replace(PERIOD, name="Term 1"),
        remarks=[(dt.date(2025, 10, 14), "No homework in algebra.")],
        upcoming=["Algebra: control work 2"],
        kind_names={"oral": "Oral answer", "control": "Control work"},
        absences=(5, 2, 1),
    )
    texts = _drawn(english, "en")
    assert [t for t in texts if re.search("[А-Яа-яЁё]", t)] == []
    assert "Teachers' remarks:" in texts and "Subject" in texts
    russian = _drawn(english, "ru")
    ru = translator("ru")
    assert ru("Teachers' remarks") + ":" in russian and ru("Subject") in russian
    assert ru("Subject") != "Subject"


def test_the_labels_are_catalog_messages() -> None:
    found = messages()
    for msgid in LABELS.values():
        assert msgid in found, msgid
        assert translator("ru").has(msgid), msgid
