"""a message of the outbox names its messenger

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 13:30:00

The sender routes each message to the gateway of the recipient's messenger, with that
messenger's rate limits. Every message queued before is Telegram's (the only messenger there
was), and its text, rendered when it was queued, goes out as it is.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(
            sa.Column("messenger", sa.String(16), nullable=False, server_default="telegram")
        )


def downgrade() -> None:
    # Without the column every message is Telegram's: one still waiting for another messenger
    # would be sent through Telegram to a chat id that is not Telegram's. It fails, said why.
    outbox = sa.table(
        "outbox",
        sa.column("messenger", sa.String()),
        sa.column("status", sa.String()),
        sa.column("last_error", sa.Text()),
        sa.column("lease_until", sa.DateTime()),
    )
    op.execute(
        outbox.update()
        .where(outbox.c.messenger != "telegram", outbox.c.status.in_(["pending", "sending"]))
        .values(status="failed", lease_until=None, last_error="other messenger: downgraded")
    )
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("messenger")
