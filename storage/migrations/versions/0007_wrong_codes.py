"""wrong invitation codes counted across all accounts

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 10:00:00

Every redemption counts the wrong codes of the last minutes across the whole journal, and each
wrong code deletes those no longer counted: both read the rows by time alone.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_wrong_codes_at", "wrong_codes", ["at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_wrong_codes_at", table_name="wrong_codes")
