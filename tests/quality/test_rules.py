"""Hold, release and allocation rules on outcomes built by hand."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from microfactory.domain.quality import CheckOutcome, Deviation, LotStatus
from microfactory.quality import (
    AllocationRefusedError,
    ReleaseRefusedError,
    check_allocation,
    check_release,
    failed_critical,
    release_decision,
)
from microfactory.quality.lots import DeliveredLine, LotState, plan_allocations
from tests.quality.builders import deviation, tiny_template

LOT = "LON-MF/R1/DOOR-GRAPHITE/1"
MANDATORY = ("core", "weight", "taste", "label", "acid", "culture")


def ok(code: str, *, critical: bool = False) -> CheckOutcome:
    """A passed outcome."""
    return CheckOutcome(check=code, passed=True, critical=critical, mandatory=True, detail="pass")


def bad(code: str, *, critical: bool = False) -> CheckOutcome:
    """A failed outcome."""
    return CheckOutcome(check=code, passed=False, critical=critical, mandatory=True, detail="fail")


def all_ok() -> list[CheckOutcome]:
    """Every mandatory check of the tiny template passed."""
    return [ok(c, critical=c in ("core", "label")) for c in MANDATORY]


def test_hold_rule_names_failed_critical_checks_once() -> None:
    """Only critical failures count, each named once, in order."""
    outcomes = [
        bad("weight"),
        bad("core", critical=True),
        bad("label", critical=True),
        bad("core", critical=True),
    ]
    assert failed_critical(outcomes) == ("core", "label")
    assert failed_critical(all_ok()) == ()


def test_every_mandatory_check_passed_is_releasable() -> None:
    """The optional photo is not needed."""
    decision = release_decision(LOT, tiny_template(), all_ok())
    assert decision.releasable and decision.explain() == "releasable"


def test_missing_and_failed_checks_block_release() -> None:
    """Missing checks and failed latest results are named; a later pass replaces an earlier failure."""
    outcomes = [bad("weight"), ok("weight"), bad("taste"), ok("core", critical=True)]
    decision = release_decision(LOT, tiny_template(), outcomes)
    assert decision.missing == ("label", "acid", "culture")
    assert decision.failed == ("taste",)
    assert not decision.releasable
    with pytest.raises(ReleaseRefusedError, match=r"no result for mandatory check.*failed"):
        check_release(decision, LotStatus.PENDING)


def test_failed_critical_check_needs_a_deviation_even_if_a_retest_passes() -> None:
    """HACCP: a critical-limit failure needs a recorded corrective action; a deviation covers it."""
    outcomes = [bad("core", critical=True), *all_ok()]
    decision = release_decision(LOT, tiny_template(), outcomes)
    assert decision.needs_deviation == ("core",)
    covered = release_decision(LOT, tiny_template(), outcomes, [deviation(LOT, ("core",))])
    assert covered.releasable and covered.covered == ("core",)


def test_deviation_covers_a_failed_non_critical_check() -> None:
    """A concession: the failed weight check is covered by a deviation with an approver."""
    outcomes = [*all_ok(), bad("weight")]
    assert not release_decision(LOT, tiny_template(), outcomes).releasable
    assert release_decision(LOT, tiny_template(), outcomes, [deviation(LOT, ("weight",))]).releasable


def test_deviation_must_be_approved_by_someone_else() -> None:
    """Four eyes: the approver cannot be the person raising the deviation (case ignored)."""
    with pytest.raises(ValueError, match="someone other than raised_by"):
        Deviation.model_validate({**deviation(LOT, ("core",)).model_dump(), "approved_by": "b. lead"})


def test_lot_without_checklist_is_releasable_and_released_lot_cannot_be_released_again() -> None:
    """Inputs without a template have nothing to check; releasing twice is refused."""
    decision = release_decision(LOT, None, [])
    assert decision.releasable
    with pytest.raises(ReleaseRefusedError, match="already released"):
        check_release(decision, LotStatus.RELEASED)


@pytest.mark.parametrize(("status", "why"), [("held", "on hold"), ("pending", "not released yet")])
def test_only_released_lots_are_allocated(status: str, why: str) -> None:
    """Held and unreleased lots are refused whatever the quantity."""
    with pytest.raises(AllocationRefusedError, match=why):
        check_allocation(LOT, status, 10, 0, 1, target="order web/1")


def test_allocation_within_what_is_left() -> None:
    """Exactly what is left is fine; one more, or nothing, is refused."""
    check_allocation(LOT, "released", 10, 7, 3, target="order web/1")
    with pytest.raises(AllocationRefusedError, match="only 3 of 10 left"):
        check_allocation(LOT, "released", 10, 7, 4, target="order web/1")
    with pytest.raises(AllocationRefusedError, match="positive"):
        check_allocation(LOT, "released", 10, 0, 0, target="order web/1")


T = datetime(2026, 11, 20, 9, tzinfo=UTC)


@given(
    lots=st.lists(
        st.tuples(st.integers(1, 20), st.integers(0, 20), st.sampled_from(list(LotStatus))),
        min_size=1,
        max_size=4,
    ),
    lines=st.lists(st.integers(1, 15), min_size=1, max_size=12),
)
def test_planned_allocations_never_exceed_a_lot(
    lots: list[tuple[int, int, LotStatus]], lines: list[int]
) -> None:
    """Property: per lot, planned plus already allocated units ≤ its quantity; only released lots give."""
    states = [
        LotState(f"S/R20261120/SKU/{i + 1}", "S", "R20261120", "SKU", i + 1, qty, min(used, qty), status, T)
        for i, (qty, used, status) in enumerate(lots)
    ]
    delivered = [DeliveredLine(n, "web", f"O{n}", 1, "SKU", q, "S", T) for n, q in enumerate(lines)]
    plan = plan_allocations(delivered, states, {})
    by_lot = {s.code: s for s in states}
    for state in states:
        given_units = sum(p.quantity for p in plan if p.lot == state.code)
        assert state.allocated + given_units <= state.quantity
        if state.status != LotStatus.RELEASED:
            assert given_units == 0
    for line in delivered:
        assert sum(p.quantity for p in plan if p.order_id == line.order_id) <= line.quantity
    assert all(p.quantity > 0 and p.lot in by_lot for p in plan)
