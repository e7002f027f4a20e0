"""marks carry their lesson's day and subject

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 08:20:00

The digests read a district's marks by pupil and day; with the day and subject on the mark
PostgreSQL reads them from one index instead of looking up every mark's lesson. The columns
refer to the lesson's own (a composite foreign key, ON UPDATE CASCADE), so they cannot drift.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A unique index, not a constraint: on SQLite a constraint means rebuilding `lessons`, and
    # dropping the old table deletes every mark and attendance entry (ON DELETE CASCADE).
    op.create_index(
        "uq_lessons_id_day_subject_id", "lessons", ["id", "day", "subject_id"], unique=True
    )
    with op.batch_alter_table("marks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("day", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("subject_id", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE marks SET "
        "day = (SELECT l.day FROM lessons l WHERE l.id = marks.lesson_id), "
        "subject_id = (SELECT l.subject_id FROM lessons l WHERE l.id = marks.lesson_id)"
    )
    with op.batch_alter_table("marks", schema=None) as batch_op:
        batch_op.alter_column("day", existing_type=sa.Date(), nullable=False)
        batch_op.alter_column("subject_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(
            "fk_marks_lesson_day_subject",
            "lessons",
            ["lesson_id", "day", "subject_id"],
            ["id", "day", "subject_id"],
            onupdate="CASCADE",
            ondelete="CASCADE",
        )
        batch_op.create_index(
            "ix_marks_pupil_day",
            ["pupil_id", "day", "id"],
            unique=False,
            postgresql_include=["subject_id", "work_kind", "value"],
        )


def downgrade() -> None:
    with op.batch_alter_table("marks", schema=None) as batch_op:
        batch_op.drop_index("ix_marks_pupil_day")
        batch_op.drop_constraint("fk_marks_lesson_day_subject", type_="foreignkey")
        batch_op.drop_column("subject_id")
        batch_op.drop_column("day")
    op.drop_index("uq_lessons_id_day_subject_id", table_name="lessons")
