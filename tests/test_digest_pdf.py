"""The printable digest lists the teachers' comments to the new marks (the paper goes to
families without the messenger: it is the only place they read them)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
import subprocess
from pathlib import Path

from domain.usecases.diary import MarkComment
from locales import translator
from reports.digest_pdf import LABELS, _Page, render_digests
from reports.invitations import register_fonts
from tests.test_reports import SUBJECTS, digest, page_count

NEW = MarkComment(dt.date(2025, 10, 20), "3", "Ответ на уроке", "Не выучил <b>правило</b> & вывод")
OLD = MarkComment(dt.date(2025, 9, 5), "5", "Ответ на уроке", "Старый комментарий")


def _with_comments() -> list:  # type: ignore[type-arg]
    first, *others = SUBJECTS
    return [dataclasses.replace(first, comments=[OLD, NEW]), *others]


def test_the_page_lists_the_comments_to_the_new_marks() -> None:
    register_fonts()
    page = _Page(digest("Иванов Пётр", _with_comments()), translator("ru"), LABELS["ru"])
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
