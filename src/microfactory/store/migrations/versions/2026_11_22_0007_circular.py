"""Second-life items (placeholder).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 12:00:00+00:00

Placeholder reserved for second-life items; it changes nothing until that capability adds its tables here.
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing yet."""


def downgrade() -> None:
    """Nothing yet."""
