"""``microfactory inventory``: hub stocking."""

from __future__ import annotations

import typer

inventory_app = typer.Typer(help="Hub stock, policies and simulation.", no_args_is_help=True)
