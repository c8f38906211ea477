"""Api users, keys and audit (placeholder).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-22 12:00:00+00:00

Placeholder reserved for the API's users, keys, sessions, jobs and write audit.
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing yet."""


def downgrade() -> None:
    """Nothing yet."""
