"""the outbox keeps the notice, rendered when it is sent

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 22:00:00

A message queued from now on keeps what its notice says (message keys and values, buttons as
intents: `domain.notices`), and the sender renders it in the recipient's language, by the
renderer of their messenger, when it sends it. The messages queued before keep their text and
buttons, rendered when they were queued: their notice is null, and they go out as they are.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("notice", sa.JSON(), nullable=True))


def downgrade() -> None:
    # A message still waiting with only its notice has no text to be sent by: it fails, said
    # why, rather than going out empty.
    outbox = sa.table(
        "outbox",
        sa.column("notice", sa.JSON()),
        sa.column("status", sa.String()),
        sa.column("last_error", sa.Text()),
        sa.column("lease_until", sa.DateTime()),
    )
    op.execute(
        outbox.update()
        .where(outbox.c.notice.isnot(None), outbox.c.status.in_(["pending", "sending"]))
        .values(status="failed", lease_until=None, last_error="not rendered: downgraded")
    )
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("notice")
