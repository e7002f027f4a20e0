"""a school chooses the messengers it offers

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 22:30:00

Telegram, MAX or both (a state school may have to use MAX alone). Every school before offers
both: it could already reach MAX accounts once a MAX token was set.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("schools") as batch:
        batch.add_column(
            sa.Column("messengers", sa.String(64), nullable=False, server_default="telegram,max")
        )


def downgrade() -> None:
    with op.batch_alter_table("schools") as batch:
        batch.drop_column("messengers")
