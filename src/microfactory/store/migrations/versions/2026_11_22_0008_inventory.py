"""Hub stock: lots on hand, the move ledger, stocking policies and transfer orders.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22 12:00:00+00:00

From the ORM models (``microfactory.store.models.inventory``), written by hand. ``stock_lots`` and
``inventory_moves`` are the stock ledger (CHECK constraints keep every balance at zero or above);
``inventory_policies`` and ``inventory_transfers`` are plan output of the ``inventory`` stage and hang off
``plan_runs`` with ``ON DELETE CASCADE``.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _plan_run_id(table: str) -> tuple[sa.Column[int], sa.ForeignKeyConstraint]:
    return (
        sa.Column("plan_run_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_run_id"],
            ["plan_runs.id"],
            name=op.f(f"fk_{table}_plan_run_id_plan_runs"),
            ondelete="CASCADE",
        ),
    )


def upgrade() -> None:
    """Create ``stock_lots``, ``inventory_moves``, ``inventory_policies`` and ``inventory_transfers``."""
    op.create_table(
        "stock_lots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hub", sa.String(length=80), nullable=False),
        sa.Column("sku", sa.String(length=80), nullable=False),
        sa.Column("lot_code", sa.String(length=80), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("unit_cost_pence", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("quantity >= 0", name=op.f("ck_stock_lots_quantity_not_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_lots")),
        sa.UniqueConstraint("hub", "sku", "lot_code", name=op.f("uq_stock_lots_hub_sku_lot_code")),
    )
    op.create_index(
        op.f("ix_stock_lots_hub_sku_expires_at"), "stock_lots", ["hub", "sku", "expires_at"], unique=False
    )
    op.create_table(
        "inventory_moves",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hub", sa.String(length=80), nullable=False),
        sa.Column("sku", sa.String(length=80), nullable=False),
        sa.Column("lot_code", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("balance_after", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reference", sa.Text(), nullable=True),
        sa.CheckConstraint("quantity <> 0", name=op.f("ck_inventory_moves_quantity_not_zero")),
        sa.CheckConstraint("balance_after >= 0", name=op.f("ck_inventory_moves_balance_not_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inventory_moves")),
    )
    op.create_index(
        op.f("ix_inventory_moves_hub_sku_at"), "inventory_moves", ["hub", "sku", "at"], unique=False
    )
    op.create_table(
        "inventory_policies",
        sa.Column("id", sa.Integer(), nullable=False),
        *_plan_run_id("inventory_policies"),
        sa.Column("hub", sa.String(length=80), nullable=False),
        sa.Column("sku", sa.String(length=80), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("demand_class", sa.String(length=32), nullable=False),
        sa.Column("reorder_point", sa.Integer(), nullable=False),
        sa.Column("order_up_to", sa.Integer(), nullable=False),
        sa.Column("minimum_order", sa.Integer(), nullable=False),
        sa.Column("pack_size", sa.Integer(), nullable=False),
        sa.Column("lead_days", sa.Integer(), nullable=False),
        sa.Column("protection_days", sa.Integer(), nullable=False),
        sa.Column("target", sa.Double(), nullable=False),
        sa.Column("expected_fill_rate", sa.Double(), nullable=True),
        sa.Column("mean_daily_units", sa.Double(), nullable=False),
        sa.Column("distribution", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inventory_policies")),
        sa.UniqueConstraint(
            "plan_run_id",
            "hub",
            "sku",
            "weekday",
            name=op.f("uq_inventory_policies_plan_run_id_hub_sku_weekday"),
        ),
    )
    op.create_table(
        "inventory_transfers",
        sa.Column("id", sa.Integer(), nullable=False),
        *_plan_run_id("inventory_transfers"),
        sa.Column("code", sa.String(length=80), nullable=False),
        sa.Column("from_site", sa.String(length=80), nullable=False),
        sa.Column("to_hub", sa.String(length=80), nullable=False),
        sa.Column("sku", sa.String(length=80), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("dispatch_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("arrive_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("trip_code", sa.String(length=80), nullable=False),
        sa.Column("distance_km", sa.Double(), nullable=False),
        sa.Column("mass_kg", sa.Double(), nullable=False),
        sa.Column("kg_co2e", sa.Double(), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_inventory_transfers_quantity_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inventory_transfers")),
        sa.UniqueConstraint("plan_run_id", "code", name=op.f("uq_inventory_transfers_plan_run_id_code")),
    )
    op.create_index(
        op.f("ix_inventory_transfers_from_site_dispatch_at"),
        "inventory_transfers",
        ["from_site", "dispatch_at"],
        unique=False,
    )


def downgrade() -> None:
    """Drop the hub stock tables."""
    op.drop_index(op.f("ix_inventory_transfers_from_site_dispatch_at"), table_name="inventory_transfers")
    op.drop_table("inventory_transfers")
    op.drop_table("inventory_policies")
    op.drop_index(op.f("ix_inventory_moves_hub_sku_at"), table_name="inventory_moves")
    op.drop_table("inventory_moves")
    op.drop_index(op.f("ix_stock_lots_hub_sku_expires_at"), table_name="stock_lots")
    op.drop_table("stock_lots")
