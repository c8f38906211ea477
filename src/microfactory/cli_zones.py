"""``microfactory zones``: demand heat-zones."""

from __future__ import annotations

import typer

zones_app = typer.Typer(help="Demand heat-zones (GB outcodes and H3 cells).", no_args_is_help=True)
