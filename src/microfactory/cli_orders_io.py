"""``microfactory orders import|export``: orders in from POS exports, out in open formats."""

from __future__ import annotations

import typer


def register_order_io_commands(app: typer.Typer) -> None:
    """Add ``import`` and ``export`` to the ``orders`` group."""
