"""Network design scenarios: scenario, open sites and zone assignments.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 22:00:00+00:00

From the ORM models (``microfactory.store.models.network``), reviewed. ``network_scenarios`` hangs off
``plan_runs`` and the two child tables off ``network_scenarios``, all ``ON DELETE CASCADE``, so
re-running a scenario replaces it with its sites and zones.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _scenario_id(table: str) -> tuple[sa.Column[int], sa.ForeignKeyConstraint]:
    return (
        sa.Column("scenario_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["scenario_id"],
            ["network_scenarios.id"],
            name=op.f(f"fk_{table}_scenario_id_network_scenarios"),
            ondelete="CASCADE",
        ),
    )


def upgrade() -> None:
    """Create ``network_scenarios``, ``network_sites`` and ``network_zones``."""
    op.create_table(
        "network_scenarios",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_run_id", sa.Integer(), nullable=False),
        sa.Column("brand", sa.String(length=80), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("gap", sa.Double(), nullable=True),
        sa.Column("bound_pence", sa.BigInteger(), nullable=True),
        sa.Column("objective_pence", sa.BigInteger(), nullable=True),
        sa.Column("kpis", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_run_id"],
            ["plan_runs.id"],
            name=op.f("fk_network_scenarios_plan_run_id_plan_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_network_scenarios")),
        sa.UniqueConstraint("plan_run_id", name="uq_network_scenarios_plan_run_id"),
    )
    op.create_index(
        op.f("ix_network_scenarios_brand_name"), "network_scenarios", ["brand", "name"], unique=False
    )
    op.create_table(
        "network_sites",
        sa.Column("id", sa.Integer(), nullable=False),
        *_scenario_id("network_sites"),
        sa.Column("site", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("fixed_cost_pence", sa.BigInteger(), nullable=False),
        sa.Column("zones_served", sa.Integer(), nullable=False),
        sa.Column("at_risk_units_per_week", sa.Double(), nullable=False),
        sa.Column("lost_if_down_units_per_week", sa.Double(), nullable=True),
        sa.Column("utilisation", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_network_sites")),
        sa.UniqueConstraint("scenario_id", "site", name="uq_network_sites_key"),
    )
    op.create_table(
        "network_zones",
        sa.Column("id", sa.Integer(), nullable=False),
        *_scenario_id("network_zones"),
        sa.Column("outcode", sa.String(length=80), nullable=False),
        sa.Column("primary_site", sa.String(length=80), nullable=True),
        sa.Column("backup_site", sa.String(length=80), nullable=True),
        sa.Column("road_km", sa.Double(), nullable=True),
        sa.Column("delivery_hours", sa.Double(), nullable=True),
        sa.Column("units_per_week", sa.Double(), nullable=False),
        sa.Column("served_share", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_network_zones")),
        sa.UniqueConstraint("scenario_id", "outcode", name="uq_network_zones_key"),
    )


def downgrade() -> None:
    """Drop the network-design tables."""
    op.drop_table("network_zones")
    op.drop_table("network_sites")
    op.drop_index(op.f("ix_network_scenarios_brand_name"), table_name="network_scenarios")
    op.drop_table("network_scenarios")
