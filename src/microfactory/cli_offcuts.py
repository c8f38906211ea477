"""``microfactory second-life offcuts``: match surplus panels to upcoming cut lists.

Reads two CSV files (or draws a demo week), runs the offcut engine
(:func:`microfactory.circular.offcuts.match_offcuts`) and prints the figures per material group, or JSON
with ``--json``; ``--out`` writes one row per piece to cut from an offcut. Bad rows are refused with
``file:row:field: reason`` (every issue at once); the patterns file is written whole or not at all.
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console

from microfactory import cli_common as common
from microfactory.circular.offcuts import OffcutProblem, OffcutResult, OffcutSettings, match_offcuts
from microfactory.cli_output import kpi_table, print_json, table
from microfactory.domain.cutlist import CutList, CutPart, SurplusPanel
from microfactory.errors import ErrorLocation, InputIssue, InvalidInputError

out = Console()

PANEL_COLUMNS = ("panel_id", "site", "material", "finish", "thickness_mm", "length_mm", "width_mm")
PART_COLUMNS = (
    "part_id",
    "site",
    "run_code",
    "sku",
    "part_name",
    "material",
    "finish",
    "thickness_mm",
    "length_mm",
    "width_mm",
    "quantity",
)
PART_OPTIONAL = ("rotation_allowed",)
PATTERN_COLUMNS = (
    "panel_id",
    "site",
    "material",
    "finish",
    "thickness_mm",
    "panel_length_mm",
    "panel_width_mm",
    "part_id",
    "piece",
    "run_code",
    "sku",
    "part_name",
    "x_mm",
    "y_mm",
    "length_mm",
    "width_mm",
    "rotated",
)
_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"false", "no", "n", "0"}


def _rows(
    path: Path, required: tuple[str, ...], optional: tuple[str, ...] = ()
) -> Iterator[tuple[int, dict[str, str]]]:
    """CSV rows with their line number (the header is line 1); refuses missing or unknown columns."""
    source = str(path)
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise InvalidInputError.single(source, f"cannot read: {exc.strerror or exc}") from exc
    with handle:
        reader = csv.DictReader(handle)
        header = [h.strip() for h in reader.fieldnames or []]
        missing = [c for c in required if c not in header]
        unknown = [c for c in header if c not in required and c not in optional]
        if missing or unknown:
            reason = "; ".join(
                part
                for part in (
                    f"missing columns: {', '.join(missing)}" if missing else "",
                    f"unknown columns: {', '.join(unknown)}" if unknown else "",
                )
                if part
            )
            raise InvalidInputError.single(source, reason, row=1)
        reader.fieldnames = header
        for row in reader:
            if None in row:
                raise InvalidInputError.single(source, "more values than columns", row=reader.line_num)
            yield reader.line_num, {k: (v or "").strip() for k, v in row.items()}


def _issues(exc: ValidationError, source: str, row: int) -> list[InputIssue]:
    out_issues = []
    for err in exc.errors():
        field = ".".join(str(p) for p in err["loc"]) or None
        out_issues.append(InputIssue(ErrorLocation(source, field=field, row=row), err["msg"]))
    return out_issues


def _read(
    path: Path, required: tuple[str, ...], optional: tuple[str, ...], build: Callable[[dict[str, Any]], Any]
) -> list[tuple[int, Any]]:
    """Build one record per row; every refused row and field is collected before raising."""
    records: list[tuple[int, Any]] = []
    issues: list[InputIssue] = []
    for row_no, row in _rows(path, required, optional):
        values: dict[str, Any] = {k: v for k, v in row.items() if v != ""}
        try:
            records.append((row_no, build(values)))
        except ValidationError as exc:
            issues.extend(_issues(exc, str(path), row_no))
        except ValueError as exc:
            issues.append(InputIssue(ErrorLocation(str(path), row=row_no), str(exc)))
    if issues:
        raise InvalidInputError(issues)
    return records


def _part(values: dict[str, Any]) -> CutPart:
    flag = values.get("rotation_allowed")
    if flag is not None:
        text = str(flag).lower()
        if text not in _TRUE | _FALSE:
            raise ValueError(f"rotation_allowed: {flag!r} is not true/false")
        values["rotation_allowed"] = text in _TRUE
    return CutPart.model_validate(values)


def read_cut_list_csv(path: Path) -> CutList:
    """A cut list from CSV (columns :data:`PART_COLUMNS`, optional ``rotation_allowed``, default true).

    Raises:
        InvalidInputError: every bad row and field, as ``file:row:field: reason``; duplicate part ids.
    """
    parts = _read(path, PART_COLUMNS, PART_OPTIONAL, _part)
    _refuse_repeats(path, [(row, part.part_id) for row, part in parts], "part_id")
    return CutList(parts=tuple(part for _, part in parts))


def read_panels_csv(path: Path) -> tuple[SurplusPanel, ...]:
    """Surplus panels from CSV (columns :data:`PANEL_COLUMNS`).

    Raises:
        InvalidInputError: every bad row and field, as ``file:row:field: reason``; duplicate panel ids.
    """
    panels = _read(path, PANEL_COLUMNS, (), SurplusPanel.model_validate)
    _refuse_repeats(path, [(row, panel.panel_id) for row, panel in panels], "panel_id")
    return tuple(panel for _, panel in panels)


def _refuse_repeats(path: Path, keyed: list[tuple[int, str]], field: str) -> None:
    first: dict[str, int] = {}
    issues = []
    for row, key in keyed:
        if key in first:
            reason = f"{key} repeats (first on row {first[key]})"
            issues.append(InputIssue(ErrorLocation(str(path), row=row, field=field), reason))
        else:
            first[key] = row
    if issues:
        raise InvalidInputError(issues)


def pattern_rows(result: OffcutResult) -> list[dict[str, object]]:
    """One row per piece cut from an offcut (columns :data:`PATTERN_COLUMNS`)."""
    rows: list[dict[str, object]] = []
    for pattern in result.patterns:
        panel = pattern.panel
        for p in pattern.placements:
            rows.append(
                {
                    "panel_id": panel.panel_id,
                    "site": panel.site,
                    "material": panel.material,
                    "finish": panel.finish,
                    "thickness_mm": f"{panel.thickness_mm:g}",
                    "panel_length_mm": panel.length_mm,
                    "panel_width_mm": panel.width_mm,
                    "part_id": p.part_id,
                    "piece": p.piece,
                    "run_code": p.run_code,
                    "sku": p.sku,
                    "part_name": p.part_name,
                    "x_mm": p.x_mm,
                    "y_mm": p.y_mm,
                    "length_mm": p.length_mm,
                    "width_mm": p.width_mm,
                    "rotated": str(p.rotated).lower(),
                }
            )
    return rows


def _write_csv_atomic(path: Path, rows: list[dict[str, object]]) -> None:
    """Write to a temporary file beside ``path`` and rename, so a failure leaves no half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=PATTERN_COLUMNS, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def offcuts_command(
    offcuts: Annotated[
        Path | None, typer.Option("--offcuts", help="CSV of surplus panels (panel_id, site, material, ...).")
    ] = None,
    cutlist: Annotated[
        Path | None, typer.Option("--cutlist", help="CSV of cut-list parts (part_id, site, run_code, ...).")
    ] = None,
    kerf_mm: Annotated[int, typer.Option("--kerf-mm", min=0, max=20, help="Saw kerf between parts.")] = 4,
    trim_mm: Annotated[int, typer.Option("--trim-mm", min=0, max=100, help="Edge trim of each offcut.")] = 5,
    any_site: Annotated[
        bool, typer.Option("--any-site", help="Match panels to parts of other sites too.")
    ] = False,
    demo_week: Annotated[
        bool,
        typer.Option("--demo-week", help="Use a demo week (5,000 parts, 2,000 offcuts), not files."),
    ] = False,
    seed: Annotated[int | None, typer.Option("--seed", min=0, help="Seed (default: settings).")] = None,
    seconds: Annotated[
        float | None, typer.Option("--seconds", min=0.1, help="Time limit (default: settings).")
    ] = None,
    out_path: Annotated[Path | None, typer.Option("--out", help="Write the cutting patterns as CSV.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Match surplus panels (offcuts) to the parts of upcoming runs: reclaimed area and raw board saved."""
    config = common.settings()
    run_seed = config.seed if seed is None else seed
    if demo_week:
        if offcuts is not None or cutlist is not None:
            raise typer.BadParameter(
                "give either --demo-week or --offcuts and --cutlist", param_hint="--demo-week"
            )
        from microfactory.demo.cutlists import cut_list_for_runs, demo_offcuts, demo_week_runs

        cut_list = cut_list_for_runs(demo_week_runs(run_seed))
        panels = demo_offcuts(run_seed)
    else:
        if offcuts is None or cutlist is None:
            raise typer.BadParameter(
                "--offcuts and --cutlist are both needed", param_hint="--offcuts/--cutlist"
            )
        panels = read_panels_csv(offcuts)
        cut_list = read_cut_list_csv(cutlist)
    settings = OffcutSettings(
        kerf_mm=kerf_mm,
        trim_mm=trim_mm,
        same_site=not any_site,
        seconds=config.solver_seconds if seconds is None else seconds,
    )
    result = match_offcuts(OffcutProblem(cut_list=cut_list, panels=panels), settings, seed=run_seed)
    if out_path is not None:
        _write_csv_atomic(out_path, pattern_rows(result))
    groups = [g for g in result.groups if g.pieces or g.panels]
    if as_json:
        print_json(
            out,
            {
                "kpis": result.kpis(),
                "timed_out": result.timed_out,
                "groups": [
                    {
                        "site": g.site,
                        "material": g.material,
                        "finish": g.finish,
                        "thickness_mm": g.thickness_mm,
                        "panels": g.panels,
                        "pieces": g.pieces,
                        "pieces_from_offcuts": g.pieces_covered,
                        "offcut_area_m2": round(g.panel_area_mm2 / 1e6, 3),
                        "reclaimed_area_m2": round(g.reclaimed_area_mm2 / 1e6, 3),
                        "bound_area_m2": round(g.bound_area_mm2 / 1e6, 3),
                        "boards_needed": g.sheets_all,
                        "boards_saved": g.sheets_saved,
                    }
                    for g in groups
                ],
                "patterns": len(result.patterns),
                "out": str(out_path) if out_path else None,
            },
        )
        return
    out.print(
        table(
            "Offcut reuse by material group",
            [
                "site",
                "board",
                "panels",
                "pieces",
                "cut",
                "offcut m²",
                "reclaimed m²",
                "bound m²",
                "boards saved",
            ],
            [
                [
                    g.site,
                    f"{g.material}/{g.finish}/{g.thickness_mm:g}",
                    g.panels,
                    g.pieces,
                    g.pieces_covered,
                    round(g.panel_area_mm2 / 1e6, 2),
                    round(g.reclaimed_area_mm2 / 1e6, 2),
                    round(g.bound_area_mm2 / 1e6, 2),
                    g.sheets_saved,
                ]
                for g in groups
            ],
        )
    )
    out.print(kpi_table("Offcut reuse", result.kpis()))
    if result.timed_out:
        out.print("[yellow]time limit reached: later panels were filled with one rule only[/yellow]")
    if out_path is not None:
        out.print(f"patterns: {out_path} ({len(result.patterns)} panels)")


def register_offcut_commands(app: typer.Typer) -> None:
    """Add the offcut commands to the ``second-life`` group."""
    app.command("offcuts")(offcuts_command)
