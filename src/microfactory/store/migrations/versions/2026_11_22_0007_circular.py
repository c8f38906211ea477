"""Second-life items and their append-only history.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 12:00:00+00:00

From the ORM models (``microfactory.store.models.circular``), written by hand. ``second_life_items``
holds one row per item taken in (unique ``item``: serial, asset tag or panel label; ``mass_kg > 0``);
``second_life_events`` its history. Triggers on both backends make the history append-only whatever
code writes: ``UPDATE`` and ``DELETE`` (and, on PostgreSQL, ``TRUNCATE``) raise an integrity error.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY_MESSAGE = (
    "second_life_events is append-only: the history of an item cannot be changed or deleted; "
    "record a new event instead"
)


def upgrade() -> None:
    """Create ``second_life_items`` and ``second_life_events`` and the append-only triggers."""
    op.create_table(
        "second_life_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("site", sa.String(length=80), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("mass_kg", sa.Double(), nullable=False),
        sa.Column("material", sa.String(length=80), nullable=False),
        sa.Column("new_value_pence", sa.BigInteger(), nullable=False),
        sa.Column("make", sa.String(length=200), nullable=True),
        sa.Column("model", sa.String(length=200), nullable=True),
        sa.Column("manufacture_year", sa.Integer(), nullable=True),
        sa.Column("origin", sa.String(length=32), nullable=True),
        sa.Column("finish", sa.String(length=80), nullable=True),
        sa.Column("thickness_mm", sa.Double(), nullable=True),
        sa.Column("length_mm", sa.Double(), nullable=True),
        sa.Column("width_mm", sa.Double(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("grade", sa.String(length=32), nullable=True),
        sa.Column("channel", sa.String(length=32), nullable=True),
        sa.Column("disposed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("mass_kg > 0", name=op.f("ck_second_life_items_mass_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_second_life_items")),
        sa.UniqueConstraint("item", name="uq_second_life_items_item"),
    )
    op.create_index(
        op.f("ix_second_life_items_site_received_at"),
        "second_life_items",
        ["site", "received_at"],
        unique=False,
    )
    op.create_index(op.f("ix_second_life_items_status"), "second_life_items", ["status"], unique=False)
    op.create_table(
        "second_life_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["second_life_items.id"],
            name=op.f("fk_second_life_events_item_id_second_life_items"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_second_life_events")),
        sa.UniqueConstraint("item_id", "sequence", name="uq_second_life_events_item_id_sequence"),
    )
    op.create_index(op.f("ix_second_life_events_kind_at"), "second_life_events", ["kind", "at"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION mf_second_life_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN RAISE EXCEPTION '{APPEND_ONLY_MESSAGE} (% refused)', TG_OP "
            "USING ERRCODE = '23000'; END $$"
        )
        op.execute(
            "CREATE TRIGGER second_life_events_append_only BEFORE UPDATE OR DELETE ON second_life_events "
            "FOR EACH ROW EXECUTE FUNCTION mf_second_life_events_append_only()"
        )
        op.execute(
            "CREATE TRIGGER second_life_events_no_truncate BEFORE TRUNCATE ON second_life_events "
            "FOR EACH STATEMENT EXECUTE FUNCTION mf_second_life_events_append_only()"
        )
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER second_life_events_no_{event.lower()} BEFORE {event} ON second_life_events "
                f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END"
            )


def downgrade() -> None:
    """Drop the second-life tables (their triggers go with them) and the trigger function."""
    op.drop_index(op.f("ix_second_life_events_kind_at"), table_name="second_life_events")
    op.drop_table("second_life_events")
    op.drop_index(op.f("ix_second_life_items_status"), table_name="second_life_items")
    op.drop_index(op.f("ix_second_life_items_site_received_at"), table_name="second_life_items")
    op.drop_table("second_life_items")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS mf_second_life_events_append_only()")
