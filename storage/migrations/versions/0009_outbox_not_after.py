"""a message of the outbox may expire

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 19:00:00

The deputy's 9:00 summary, the teachers' 8:00 overdue notice and the class teacher's 15:00
absence prompt are about one day: held past it (quiet hours, a sender that was down) they
would arrive the next morning beside that day's own. `not_after` is when a message stops being
true; the sender marks a message still waiting then as `expired` instead of sending it. Empty
(every message queued before) keeps.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("not_after", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("not_after")
