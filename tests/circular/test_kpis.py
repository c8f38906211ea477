"""Second-life KPIs: a hand-checked cohort, empty scopes, and invariants under hypothesis."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microfactory.circular import grade, kpi_trends, parse_factors, refurbish, second_life_kpis, take_in
from microfactory.domain.circular import Channel, Grade, ItemState
from tests.circular.builders import appliance, disposed, grading, panel, refurbishment

FACTORS = parse_factors(
    "material,description,factor_set,sheet,row,column,kg_co2e_per_tonne,check_status\n"
    "appliance_large,Large,Test,Sheet,Row,Col,3000,verified\n"
    "mdf,MDF,Test,Sheet,Row,Col,400,verified\n",
    source="test",
)


def cohort() -> list[ItemState]:
    """Five items of KIT-LON, hand-checked below.

    OV-1 oven 35 kg (£899 new) A, resold for £450 after 3 days; P-1 MDF 6.75 kg (£6.50) B, reused at
    £5.85 after 5 days; P-2 MDF 10 kg (£10) scrap, recycled after 2 days; P-3 MDF 5 kg (£5) scrap,
    landfilled after 4 days; OV-2 oven 40 kg (£500) C, refurbished 60 min with a £15 part, still open.
    """
    open_state, _ = take_in(None, appliance("OV-2", mass_kg=40.0, new_value_pence=50_000), actor="T")
    open_state, _ = grade(open_state, "OV-2", grading(Grade.C))
    open_state, _ = refurbish(open_state, "OV-2", refurbishment(60, parts_pence=1_500))
    return [
        disposed(appliance("OV-1"), Grade.A, Channel.RESELL, 45_000, days=3),
        disposed(panel("P-1"), Grade.B, Channel.REUSE, 585, days=5),
        disposed(panel("P-2", mass_kg=10.0, new_value_pence=1_000), Grade.SCRAP, Channel.RECYCLE, days=2),
        disposed(panel("P-3", mass_kg=5.0, new_value_pence=500), Grade.SCRAP, Channel.LANDFILL, days=4),
        open_state,
    ]


def test_hand_checked_cohort() -> None:
    """N=5, M=96.75 kg, V=£1,420.50: reclaimed 2 items, 41.75 kg, £455.85; CO2e 35×3 + 6.75×0.4 kg."""
    k = second_life_kpis(cohort(), FACTORS)
    assert (k.intake_count, k.intake_mass_kg, k.intake_new_value_pence) == (5, 96.75, 142_050)
    assert k.reclamation_rate_count == pytest.approx(2 / 5)
    assert k.reclamation_rate_mass == pytest.approx(41.75 / 96.75)
    assert k.reclamation_rate_value == pytest.approx(45_585 / 142_050)
    assert k.recycling_rate_count == pytest.approx(1 / 5)
    assert k.recycling_rate_mass == pytest.approx(10 / 96.75)
    assert k.landfill_rate_count == pytest.approx(1 / 5)
    assert k.landfill_rate_mass == pytest.approx(5 / 96.75)
    assert k.open_count == 1 and k.refurbished_count == 1
    assert k.cycle_days_mean == pytest.approx(3.5) and k.cycle_days_median == pytest.approx(3.5)
    # 60 min at £28/h = £28.00, plus a £15 part, over 5 items
    assert k.cost_pence == 4_300 and k.cost_per_item_pence == 860
    assert k.kg_co2e_avoided == pytest.approx(107.7)
    assert dict(k.kg_co2e_avoided_by_material) == pytest.approx({"appliance_large": 105.0, "mdf": 2.7})
    assert dict(k.grades) == {"A": 1, "B": 1, "C": 1, "scrap": 2}
    assert k.recycled_by_stream_kg == {"wood": 10.0}
    flat = k.as_dict()
    assert flat["reclamation_rate_count"] == 0.4 and flat["net_value_pence"] == 45_585 - 4_300


def test_unfactored_material_is_reported_not_counted() -> None:
    """A reclaimed item whose material has no factor adds its mass to unfactored, nothing to CO2e."""
    k = second_life_kpis([disposed(panel(material="glass"), Grade.A, Channel.REUSE, 100)], FACTORS)
    assert k.kg_co2e_avoided == 0 and k.unfactored_mass_kg == 6.75


def test_empty_cohort_has_no_rates() -> None:
    """No items: counts are zero and rates are None (left out of the flat mapping)."""
    k = second_life_kpis([], FACTORS)
    assert k.reclamation_rate_count is None and k.cost_per_item_pence is None and k.cycle_days_mean is None
    assert "reclamation_rate_mass" not in k.as_dict() and k.as_dict()["intake_count"] == 0


def test_trends_split_by_site_and_month() -> None:
    """Items of two sites and two months fall into four groups, sorted by site then month."""
    states = [
        disposed(panel("A1"), Grade.A, Channel.REUSE, 100),
        take_in(None, panel("A2", received_at=panel().received_at + timedelta(days=31)), actor="T")[0],
        disposed(panel("B1", site="KIT-MAN"), Grade.SCRAP, Channel.RECYCLE),
        disposed(panel("B2", site="KIT-MAN"), Grade.A, Channel.RESELL, 200),
    ]
    rows = kpi_trends(states, FACTORS)
    assert [(r.site, r.month, r.kpis.intake_count) for r in rows] == [
        ("KIT-LON", "2026-10", 1),
        ("KIT-LON", "2026-11", 1),
        ("KIT-MAN", "2026-10", 2),
    ]
    assert rows[2].kpis.reclamation_rate_count == 0.5
    assert [(r.site, r.month) for r in kpi_trends(states, FACTORS, by_month=False)] == [
        ("KIT-LON", "all"),
        ("KIT-MAN", "all"),
    ]


OUTCOMES = st.sampled_from(["open", "resell", "reuse", "donate", "recycle", "landfill"])


@st.composite
def item_states(draw: st.DrawFn) -> list[ItemState]:
    """Up to 25 panels of random mass, value, site, grade and outcome."""
    states = []
    for n in range(draw(st.integers(0, 25))):
        mass = draw(st.floats(0.01, 500, allow_nan=False))
        new_value = draw(st.integers(0, 100_000))
        site = draw(st.sampled_from(["KIT-LON", "KIT-MAN"]))
        item = panel(f"P{n}", mass_kg=mass, new_value_pence=new_value, site=site)
        outcome = draw(OUTCOMES)
        if outcome == "open":
            state, _ = take_in(None, item, actor="T")
            states.append(state)
            continue
        channel = Channel(outcome)
        scrap = channel in (Channel.RECYCLE, Channel.LANDFILL) and draw(st.booleans())
        value = draw(st.integers(0, new_value))
        states.append(disposed(item, Grade.SCRAP if scrap else Grade.B, channel, value))
    return states


@settings(max_examples=60, deadline=None)
@given(item_states())
def test_rates_in_unit_interval_and_count_and_mass_conserved(states: list[ItemState]) -> None:
    """Rates lie in [0, 1]; reclaimed + recycled + landfilled + open = intake, in count and in mass."""
    k = second_life_kpis(states, FACTORS)
    for rate in (
        k.reclamation_rate_count,
        k.reclamation_rate_mass,
        k.reclamation_rate_value,
        k.recycling_rate_count,
        k.recycling_rate_mass,
        k.landfill_rate_count,
        k.landfill_rate_mass,
    ):
        assert rate is None or 0.0 <= rate <= 1.0 + 1e-12
    assert (
        k.reclaimed_count + k.recycled_count + k.landfill_count + k.open_count
        == k.intake_count
        == len(states)
    )
    parts = k.reclaimed_mass_kg + k.recycled_mass_kg + k.landfill_mass_kg + k.open_mass_kg
    assert parts == pytest.approx(k.intake_mass_kg)
    assert k.kg_co2e_avoided >= 0 and sum(k.grades.values()) == k.intake_count - k.open_count


@settings(max_examples=40, deadline=None)
@given(item_states())
def test_site_trends_add_up_to_the_total(states: list[ItemState]) -> None:
    """Per-site cohorts partition the items: their counts, masses and CO2e add up to the total's."""
    total = second_life_kpis(states, FACTORS)
    rows = kpi_trends(states, FACTORS, by_month=False)
    assert sum(r.kpis.intake_count for r in rows) == total.intake_count
    assert sum(r.kpis.reclaimed_count for r in rows) == total.reclaimed_count
    assert sum(r.kpis.intake_mass_kg for r in rows) == pytest.approx(total.intake_mass_kg)
    assert sum(r.kpis.kg_co2e_avoided for r in rows) == pytest.approx(total.kg_co2e_avoided)
