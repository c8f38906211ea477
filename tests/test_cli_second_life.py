"""``second-life intake|grade|refurbish|dispose|history|kpis|export`` end to end on a migrated database."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from microfactory.store import create_engine_for, make_session_factory, upgrade
from microfactory.store.models.circular import SecondLifeEventRow, SecondLifeItemRow
from tests.cli_helpers import run_cli

OVEN = (
    "--item", "OV-1", "--kind", "appliance", "--source", "showroom_demo", "--site", "KIT-LON",
    "--mass-kg", "35", "--material", "appliance_large", "--new-value-pence", "89900", "--make", "Neff",
    "--model", "B57", "--year", "2025", "--origin", "showroom", "--received-at", "2026-10-05",
)  # fmt: skip
PASS = (
    "-c", "electrical_safety=pass", "-c", "serial_plate=NF123", "-c", "functional_test=fail",
    "-c", "doors_and_seals=pass", "-c", "cosmetic_condition=4", "-c", "accessories_complete=pass",
)  # fmt: skip


@pytest.fixture
def db(database_url: str) -> str:
    """A fresh migrated database for one test."""
    upgrade(database_url)
    return database_url


def counts(url: str) -> tuple[int, int]:
    """(items, events) stored."""
    engine = create_engine_for(url)
    try:
        with make_session_factory(engine)() as s:
            items = s.scalar(select(func.count()).select_from(SecondLifeItemRow))
            events = s.scalar(select(func.count()).select_from(SecondLifeEventRow))
    finally:
        engine.dispose()
    return int(items or 0), int(events or 0)


def cli(capsys: pytest.CaptureFixture[str], url: str, *args: str) -> tuple[int, str, str]:
    """Run ``microfactory --database-url URL second-life ARGS``."""
    return run_cli(capsys, "--database-url", url, "second-life", *args)


def test_item_life_end_to_end(db: str, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """Intake → grade C → refurbish → re-grade → dispose, then history, KPIs as JSON and a CSV export."""
    assert cli(capsys, db, "intake", *OVEN)[0] == 0
    code, stdout, _ = cli(capsys, db, "grade", "OV-1", *PASS, "--at", "2026-10-06")
    assert code == 0 and "graded C: functional_test failed" in stdout
    code, stdout, _ = cli(
        capsys, db, "refurbish", "OV-1", "--task", "New element", "--minutes", "60",
        "--part", "element=2500x2", "--at", "2026-10-07",
    )  # fmt: skip
    assert code == 0 and "parts £50.00" in stdout
    regrade = [a.replace("functional_test=fail", "functional_test=pass") for a in PASS]
    assert "graded A" in cli(capsys, db, "grade", "OV-1", *regrade, "--at", "2026-10-07T16:00")[1]
    code, stdout, _ = cli(capsys, db, "dispose", "OV-1", "--channel", "resell", "--value-pence", "45000",
                          "--at", "2026-10-09")  # fmt: skip
    assert code == 0 and "resell" in stdout
    code, stdout, _ = cli(capsys, db, "history", "OV-1", "--json")
    assert code == 0
    assert [e["kind"] for e in json.loads(stdout)] == ["intake", "grade", "refurbish", "grade", "dispose"]
    code, stdout, _ = cli(capsys, db, "kpis", "--site", "KIT-LON", "--month", "2026-10", "--json")
    payload = json.loads(stdout)
    assert payload["kpis"]["reclamation_rate_count"] == 1.0
    assert payload["kpis"]["reclamation_rate_value"] == round(45_000 / 89_900, 4)
    assert payload["kpis"]["cost_pence"] == 2_800 + 5_000
    assert payload["kpis"]["cycle_days_median"] == 4.0
    assert "Material use" in payload["factor_source"] and payload["trends"][0]["month"] == "2026-10"
    code, stdout, _ = cli(capsys, db, "kpis")
    assert code == 0 and "reclamation_rate_mass" in stdout
    out = tmp_path / "items.csv"
    assert cli(capsys, db, "export", "--out", str(out))[0] == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(rows) == 1 and rows[0]["channel"] == "resell" and rows[0]["parts_pence"] == "5000"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("dispose", "GHOST", "--channel", "resell"), "item GHOST: unknown item"),
        (("grade", "GHOST", *PASS), "item GHOST: unknown item"),
        (("dispose", "OV-1", "--channel", "resell"), "item OV-1:status: cannot dispose before grading"),
        (("intake", *OVEN), "item OV-1:item: already taken in"),
        (
            ("intake", *(a if a != "35" else "-3" for a in OVEN)),
            "intake:mass_kg: Input should be greater than 0",
        ),
        (("intake", *OVEN[:8], *OVEN[10:]), "intake:mass_kg: mass is required"),
        (("intake", *(a if a != "appliance_large" else "unobtainium" for a in OVEN)), "has no factor"),
        (("dispose", "OV-1", "--channel", "recycle"), "material_stream"),
        (("grade", "OV-1", "-c", "electrical_safety=pass"), "mandatory checks not recorded"),
    ],
)
def test_bad_input_refused_and_nothing_changes(
    db: str, capsys: pytest.CaptureFixture[str], args: tuple[str, ...], message: str
) -> None:
    """Each bad command exits 2 with one line naming the item or field, and the database is unchanged."""
    assert cli(capsys, db, "intake", *OVEN)[0] == 0
    before = counts(db)
    code, _, stderr = cli(capsys, db, *args)
    assert code == 2, stderr
    assert message in stderr
    assert counts(db) == before


def test_second_disposition_refused(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    """A second disposition of the same item is refused; the first stands."""
    cli(capsys, db, "intake", *OVEN)
    cli(capsys, db, "grade", "OV-1", *PASS, "--at", "2026-10-06")
    assert cli(capsys, db, "dispose", "OV-1", "--channel", "donate", "--at", "2026-10-07")[0] == 0
    before = counts(db)
    code, _, stderr = cli(capsys, db, "dispose", "OV-1", "--channel", "resell", "--value-pence", "100")
    assert code == 2 and "already disposed (donate on 2026-10-07)" in stderr
    assert counts(db) == before


def test_csv_intake_is_all_or_nothing(db: str, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A CSV with one bad row (negative width) takes nothing in and names the row; a good one takes all."""
    header = "item,kind,source,site,mass_kg,material,new_value_pence,finish,thickness_mm,length_mm,width_mm\n"
    good = "P-1,panel,production_surplus,KIT-LON,6.75,mdf,650,raw,18,1000,500\n"
    bad = tmp_path / "bad.csv"
    bad.write_text(header + good + "P-2,panel,production_surplus,KIT-LON,3,mdf,300,raw,18,600,-1\n")
    code, _, stderr = cli(capsys, db, "intake", "--csv", str(bad))
    assert code == 2 and f"{bad}:3:width_mm" in stderr
    assert counts(db) == (0, 0)
    ok = tmp_path / "ok.csv"
    ok.write_text(header + good + good.replace("P-1", "P-2"))
    assert cli(capsys, db, "intake", "--csv", str(ok))[0] == 0
    assert counts(db) == (2, 2)
