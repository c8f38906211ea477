"""Exports: CSV and JSON of the Gantt rows, RFC 5545 iCalendar per machine, KPIs."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace

import pytest

from microfactory.production import (
    DemandLink,
    ScheduleResult,
    SolveLimits,
    ics_per_machine,
    schedule,
    to_csv,
    to_ics,
    to_json,
)
from microfactory.production.export import escape_text, fold
from tests.production.builders import machine, op, problem, run


def result() -> ScheduleResult:
    """Two runs on M1 (one with a long, accented name and a setup), nothing on M2."""
    long_name = "Rosemary potato & onion bar; crème fraîche, extra-long description " * 2
    first = replace(op((0, 30), setup={"allergen_group": "dairy"}), name=long_name)
    runs = [run("A", first, due=500), run("B", op((0, 45)), due=500)]
    return schedule(
        problem([machine("M1"), machine("M2")], runs), limits=SolveLimits(seconds=2, workers=1), seed=1
    )


def test_ics_is_rfc5545_shaped() -> None:
    """CRLF everywhere, no line over 75 octets, UTC Z times, one VEVENT per operation on the machine."""
    text = to_ics(result(), "M1")
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:")
    assert text.endswith("END:VCALENDAR\r\n")
    lines = text.split("\r\n")[:-1]
    assert "\n" not in "".join(lines)
    assert all(len(line.encode("utf-8")) <= 75 for line in lines)
    assert text.count("BEGIN:VEVENT") == 2
    assert "DTSTART:20260105T000000Z" in text
    assert any(line.startswith(" ") for line in lines)  # the long summary was folded
    unfolded = text.replace("\r\n ", "")
    assert "crème fraîche\\, extra-long" in unfolded
    assert "UID:TEST-A-1@microfactory" in unfolded


def test_ics_for_every_machine_and_unknown_machine() -> None:
    """An empty calendar for the idle machine; a KeyError naming a machine that does not exist."""
    calendars = ics_per_machine(result())
    assert set(calendars) == {"M1", "M2"}
    assert "BEGIN:VEVENT" not in calendars["M2"]
    with pytest.raises(KeyError, match="M9"):
        to_ics(result(), "M9")


def test_fold_never_splits_a_utf8_character_and_escape_handles_specials() -> None:
    """A line of 100 'é' (2 octets each) folds at character boundaries; specials are escaped."""
    folded = fold("SUMMARY:" + "é" * 100)
    assert all(len(part.encode("utf-8")) <= 75 for part in folded.split("\r\n"))
    assert folded.replace("\r\n ", "") == "SUMMARY:" + "é" * 100
    assert escape_text("a;b,c\\d\ne") == "a\\;b\\,c\\\\d\\ne"


def test_csv_and_json_carry_every_operation() -> None:
    """A header and one row per operation; the JSON parses and has runs, KPIs and problems."""
    res = result()
    rows = list(csv.DictReader(io.StringIO(to_csv(res))))
    assert len(rows) == 2
    assert rows[0]["machine"] == "M1" and rows[0]["start"].endswith("+00:00")
    doc = json.loads(to_json(res))
    assert doc["site"] == "TEST" and doc["feasible"] is True
    assert len(doc["runs"]) == 2 and len(doc["operations"]) == 2
    assert doc["kpis"]["late_orders"] == 0


def test_kpis_count_changeover_utilisation_and_expired_food() -> None:
    """A bar with 24 h shelf life made for a delivery 30 h after it ends: its units are waste."""
    bar = replace(
        run("BAR", op((0, 60)), due=3000, shelf_life_minutes=24 * 60, unit_value_pence=350),
        quantity=5,
        demands=(DemandLink("a:1", 5, 3000, 3000),),
    )
    res = schedule(
        problem([machine("M1", [(0, 4000)])], [bar], window=4000), limits=SolveLimits(2, 1), seed=1
    )
    k = res.kpis()
    assert (k.waste_units, k.waste_pence) == (5, 1750)
    assert k.utilisation["M1"] == pytest.approx(60 / 4000)
    assert k.late_orders == 0 and k.runs == 1 and k.operations == 1
