"""the marks index covers the teacher's comment

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 10:00:00

The digest shows the teachers' comments to the new marks, read with the marks in the class's
statement. On PostgreSQL that statement read `ix_marks_pupil_day` alone (an index-only scan);
without the comment in the index every mark shown also visited the table (seven times the pages,
the statement 60–85 % slower on the benchmark's district). With it in the index's INCLUDE the
read stays index-only; an empty comment takes a byte. SQLite has no INCLUDE: nothing changes.

The new index is built under another name first (reads of marks go on meanwhile; writes wait),
then takes the old one's name.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ["pupil_id", "day", "id"]


def _rebuild(include: list[str]) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.create_index(
        "ix_marks_pupil_day_next", "marks", COLUMNS, unique=False, postgresql_include=include
    )
    op.drop_index("ix_marks_pupil_day", table_name="marks")
    op.execute("ALTER INDEX ix_marks_pupil_day_next RENAME TO ix_marks_pupil_day")


def upgrade() -> None:
    _rebuild(["subject_id", "work_kind", "value", "comment"])


def downgrade() -> None:
    _rebuild(["subject_id", "work_kind", "value"])
