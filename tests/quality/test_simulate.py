"""Seeded demo results: deterministic per lot, judgeable for every shipped template, failures on demand."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from microfactory.domain.quality import CheckKind, Lot
from microfactory.quality import evaluate_check, latest_versions, shipped_templates
from microfactory.quality.simulate import failing_entry, simulate_entries

MADE = datetime(2026, 11, 17, 6, tzinfo=UTC)


def lot_for(code: str, version: int, run: str = "R20261117") -> Lot:
    """A lot checked against template ``code`` v``version``."""
    return Lot(
        site="S",
        run_code=run,
        sku="X",
        quantity=10,
        produced_at=MADE,
        template=code,
        template_version=version,
    )


@pytest.mark.parametrize("template", shipped_templates(), ids=lambda t: f"{t.code}-v{t.version}")
def test_simulated_entries_can_be_judged(template) -> None:  # type: ignore[no-untyped-def]
    """Every shipped template: one entry per check, each judged without refusal, most passing."""
    passed = total = 0
    for i in range(30):
        lot = lot_for(template.code, template.version, run=f"R{i}")
        entries = simulate_entries(lot, template, seed=1, inputs={"starter_culture_lot": "S/GRN1/STARTER/1"})
        assert [e.check for e in entries] == [c.code for c in template.checks]
        for check, e in zip(template.checks, entries, strict=True):
            passed += evaluate_check(check, e).passed
            total += 1
    assert passed / total > 0.97


def test_same_seed_same_results_and_drift_moves_the_mean() -> None:
    """Deterministic per (seed, lot); a shift of +3 sd moves salt up by about 0.36 %."""
    t = latest_versions(shipped_templates())["fermented-condiment"]
    lot = lot_for(t.code, t.version)
    assert simulate_entries(lot, t, seed=5) == simulate_entries(lot, t, seed=5)
    base = next(e for e in simulate_entries(lot, t, seed=5) if e.check == "salt_percent")
    moved = next(
        e for e in simulate_entries(lot, t, seed=5, shifts={"salt_percent": 3.0}) if e.check == "salt_percent"
    )
    assert base.value is not None and moved.value is not None
    assert moved.value - base.value == pytest.approx(0.36, abs=1e-6)


def test_failing_entries_fail() -> None:
    """A deliberate failure fails for every check kind that can fail; records cannot fail."""
    for template in shipped_templates():
        lot = lot_for(template.code, template.version)
        for check in template.checks:
            if check.kind in (CheckKind.RECORD, CheckKind.ATTACHMENT):
                with pytest.raises(ValueError, match="cannot fail"):
                    failing_entry(check, lot, recorded_by="T", at=MADE)
                continue
            assert not evaluate_check(check, failing_entry(check, lot, recorded_by="T", at=MADE)).passed
