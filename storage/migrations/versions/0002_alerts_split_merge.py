"""Alerts to supervisors; letters marked serious; letters split or merged from others.

Adds table ``alerts`` and columns ``letters.serious`` (NOT NULL; existing letters get false through a
server default, which stays as a harmless fallback) and ``letters.derived_from`` (JSON ids, nullable).
``users`` and ``api_tokens`` did not change.

Revision ID: 0002_alerts_split_merge
Revises: 0001_initial
"""
from alembic import op
import sqlalchemy as sa

revision = "0002_alerts_split_merge"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("letter_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("codes", sa.JSON(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("raised_by", sa.String(length=64), nullable=False),
        sa.Column("acknowledged_by", sa.String(length=64), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deliveries", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["letter_id"], ["letters.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_alerts_letter_id", "alerts", ["letter_id"])
    with op.batch_alter_table("letters") as batch:
        batch.add_column(sa.Column("serious", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("derived_from", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("letters") as batch:
        batch.drop_column("derived_from")
        batch.drop_column("serious")
    op.drop_index("ix_alerts_letter_id", table_name="alerts")
    op.drop_table("alerts")
