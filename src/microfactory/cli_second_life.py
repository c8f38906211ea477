"""``microfactory second-life``: second-life items (intake, grading, disposition, KPIs) and offcut reuse."""

from __future__ import annotations

import typer

from microfactory.cli_offcuts import register_offcut_commands

second_life_app = typer.Typer(
    help="Second-life items: intake, grading, disposition, KPIs.", no_args_is_help=True
)
register_offcut_commands(second_life_app)
