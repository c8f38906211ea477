"""Quality records in the store: holds, releases, deviations, allocation, audit immutability, traces.

Every test runs on the backend of the test session (SQLite, or PostgreSQL when
``MICROFACTORY_TEST_DATABASE_URL`` is set) inside a rolled-back transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from microfactory.domain.quality import AuditAction, LotInput, LotStatus
from microfactory.errors import InvalidInputError, NotFoundError
from microfactory.quality import AllocationRefusedError, ReleaseRefusedError, recall_rows
from microfactory.store import (
    allocate_lot_to_order,
    allocate_lot_to_transfer,
    audit_entries,
    correct_entry,
    create_lots,
    get_lot,
    link_lot_inputs,
    recall,
    record_checks,
    record_deviation,
    release_decisions,
    release_lot,
    save_master_data,
    save_templates,
    trace_backward,
    trace_forward,
    upsert_orders,
)
from microfactory.store.models import LotAllocationRow, LotRow, QaAuditRow
from tests.quality.builders import T0, deviation, entry, lot, passing_entries, seed_graph, tiny_template
from tests.store.factories import master_data, order


def _setup(session: Session, *lots: Any) -> list[str]:
    save_master_data(session, master_data())
    upsert_orders(session, [order(1), order(2)])
    save_templates(session, [tiny_template()])
    create_lots(session, list(lots))
    return [x.code for x in lots]


def _counts(session: Session) -> tuple[int, int, int]:
    return (
        session.scalar(select(func.count()).select_from(QaAuditRow)) or 0,
        session.scalar(select(func.count()).select_from(LotAllocationRow)) or 0,
        session.scalar(select(func.count()).select_from(LotRow).where(LotRow.status == "held")) or 0,
    )


def _refused(session: Session, call: Callable[[], object], error: type[Exception]) -> str:
    """Run ``call`` in a savepoint that is rolled back; return the error message."""
    with pytest.raises(error) as caught, session.begin_nested():
        call()
    return str(caught.value)


def test_failed_critical_check_puts_the_lot_on_hold(session: Session) -> None:
    """A failed critical check holds the lot at once, with a hold entry by the automatic rule."""
    (code,) = _setup(session, lot())
    done = record_checks(session, [entry(code, "core", value=71.5, unit="degC")])
    assert done.held == (code,)
    assert get_lot(session, code).status == LotStatus.HELD
    actions = [e.action for e in audit_entries(session, lot=code)]
    assert actions == [AuditAction.CHECK, AuditAction.HOLD]


def test_failed_non_critical_check_does_not_hold(session: Session) -> None:
    """Only critical checks hold: a light bar weight leaves the lot pending."""
    (code,) = _setup(session, lot())
    done = record_checks(session, [entry(code, "weight", readings=(90.0, 95.0, 99.0), unit="g")])
    assert done.held == ()
    assert get_lot(session, code).status == LotStatus.PENDING


def test_release_needs_every_mandatory_check(session: Session) -> None:
    """Releasing with checks missing is refused naming them; the lot stays pending, nothing is logged."""
    (code,) = _setup(session, lot())
    record_checks(session, passing_entries(code)[:2])
    before = _counts(session)
    message = _refused(
        session, lambda: release_lot(session, code, released_by="Q", at=T0), ReleaseRefusedError
    )
    assert code in message and "taste" in message and "culture" in message
    assert _counts(session) == before
    assert get_lot(session, code).status == LotStatus.PENDING


def test_release_after_all_mandatory_checks_pass(session: Session) -> None:
    """All mandatory checks passed (the optional photo missing) → released, with a release entry."""
    (code,) = _setup(session, lot())
    record_checks(session, passing_entries(code))
    decision = release_lot(session, code, released_by="Q. Lead", at=T0 + timedelta(hours=5))
    assert decision.releasable
    assert get_lot(session, code).status == LotStatus.RELEASED
    assert audit_entries(session, lot=code)[-1].action == AuditAction.RELEASE


def test_held_lot_needs_a_deviation_even_after_a_passing_retest(session: Session) -> None:
    """Deviation path: fail (held) → re-test passes → still refused → deviation → released."""
    (code,) = _setup(session, lot())
    record_checks(session, [entry(code, "core", value=72.0, unit="degC")])
    record_checks(session, passing_entries(code))
    message = _refused(
        session, lambda: release_lot(session, code, released_by="Q", at=T0), ReleaseRefusedError
    )
    assert "core" in message and "failed earlier" in message
    record_deviation(session, deviation(code, ("core",)))
    decision = release_lot(session, code, released_by="Q. Lead", at=T0 + timedelta(hours=5))
    assert decision.covered == ("core",)
    assert get_lot(session, code).status == LotStatus.RELEASED
    actions = [e.action for e in audit_entries(session, lot=code)]
    assert actions.count(AuditAction.HOLD) == 1 and actions[-2:] == [
        AuditAction.DEVIATION,
        AuditAction.RELEASE,
    ]


def test_deviation_for_a_check_not_in_the_checklist_is_refused(session: Session) -> None:
    """A deviation must name checks of the lot's template."""
    (code,) = _setup(session, lot())
    message = _refused(
        session, lambda: record_deviation(session, deviation(code, ("gloss",))), InvalidInputError
    )
    assert "gloss" in message and code in message


@pytest.mark.parametrize("status", ["pending", "held"])
def test_held_or_unreleased_lot_cannot_be_allocated(session: Session, status: str) -> None:
    """Allocation of a pending or held lot is refused by the repository and by the database trigger."""
    (code,) = _setup(session, lot())
    if status == "held":
        record_checks(session, [entry(code, "core", value=60.0, unit="degC")])
    before = _counts(session)
    message = _refused(
        session, lambda: allocate_lot_to_order(session, code, ("web", "ORD-00001"), 1), AllocationRefusedError
    )
    assert code in message and ("on hold" if status == "held" else "not released") in message
    _refused(session, lambda: allocate_lot_to_transfer(session, code, "MAN-MF", 1), AllocationRefusedError)
    lot_id = session.scalar(select(LotRow.id).where(LotRow.code == code))
    raw = text(
        "INSERT INTO lot_allocations (lot_id, kind, to_site, quantity, allocated_at) "
        "VALUES (:lot, 'transfer', 'MAN-MF', 1, :at)"
    )
    message = _refused(session, lambda: session.execute(raw, {"lot": lot_id, "at": T0}), IntegrityError)
    assert "not released" in message
    assert _counts(session) == before


def test_over_allocation_is_refused(session: Session) -> None:
    """A lot gives no more than it holds; an order line takes no more than it ordered."""
    (code,) = _setup(session, lot(quantity=3))
    record_checks(session, passing_entries(code))
    release_lot(session, code, released_by="Q", at=T0)
    assert allocate_lot_to_order(session, code, ("web", "ORD-00001"), 2) == 2
    message = _refused(
        session, lambda: allocate_lot_to_order(session, code, ("web", "ORD-00002"), 2), AllocationRefusedError
    )
    assert "only 1 of 3 left" in message
    message = _refused(
        session, lambda: allocate_lot_to_order(session, code, ("web", "ORD-00001"), 1), AllocationRefusedError
    )
    assert "ORD-00001" in message
    assert allocate_lot_to_transfer(session, code, "MAN-MF", 1) == 1


def test_unknown_order_or_lot_is_not_found(session: Session) -> None:
    """Allocation names what does not exist."""
    (code,) = _setup(session, lot())
    assert "ORD-09999" in _refused(
        session, lambda: allocate_lot_to_order(session, code, ("web", "ORD-09999"), 1), NotFoundError
    )
    assert "NOPE" in _refused(
        session, lambda: allocate_lot_to_order(session, "NOPE", ("web", "ORD-00001"), 1), NotFoundError
    )


@pytest.mark.parametrize(
    "statement", ["UPDATE qa_audit_log SET actor = 'Mallory'", "DELETE FROM qa_audit_log"]
)
def test_database_refuses_edits_of_audit_rows(session: Session, statement: str) -> None:
    """UPDATE and DELETE of audit rows raise in the database itself; the rows stay as they were."""
    (code,) = _setup(session, lot())
    record_checks(session, passing_entries(code))
    before = [(e.id, e.actor, e.summary) for e in audit_entries(session, lot=code)]
    message = _refused(session, lambda: session.execute(text(statement)), IntegrityError)
    assert "append-only" in message
    assert [(e.id, e.actor, e.summary) for e in audit_entries(session, lot=code)] == before


def test_correction_is_a_new_entry_referencing_the_old(session: Session) -> None:
    """A mistyped critical result is corrected by a new entry; the old one stays, but no longer counts."""
    (code,) = _setup(session, lot())
    record_checks(session, [entry(code, "core", value=7.9, unit="degC")])  # meant 79
    wrong = audit_entries(session, lot=code)[0]
    new_id = correct_entry(
        session,
        wrong.id,
        actor="A. Tester",
        reason="decimal point misplaced",
        at=T0 + timedelta(hours=2),
        replacement=entry(code, "core", value=79.0, unit="degC"),
    )
    entries = {e.id: e for e in audit_entries(session, lot=code)}
    assert entries[wrong.id].passed is False and entries[new_id].corrects == wrong.id
    assert entries[new_id].passed is True
    record_checks(session, passing_entries(code)[1:])
    assert release_decisions(session, [code])[code].releasable
    message = _refused(
        session, lambda: correct_entry(session, wrong.id, actor="X", reason="again", at=T0), InvalidInputError
    )
    assert "already corrected" in message


@pytest.mark.parametrize(
    ("bad", "named"),
    [
        (lambda c: entry("LON-MF/R9/DOOR-GRAPHITE/1", "core", value=80.0, unit="degC"), "R9"),
        (lambda c: entry(c, "gloss", value=25.0, unit="GU"), "gloss"),
        (lambda c: entry(c, "core", value=176.0, unit="degF"), "core.unit"),
        (lambda c: entry(c, "weight", readings=(100.0, 101.0), unit="g"), "weight.readings"),
        (lambda c: entry(c, "taste", scores=(7, 10, 8)), "taste.scores"),
    ],
)
def test_bad_results_are_refused_and_nothing_changes(
    session: Session, bad: Callable[[str], Any], named: str
) -> None:
    """Unknown lot or check, wrong unit, wrong shape: refused naming it; the good entries are not written."""
    (code,) = _setup(session, lot())
    before = _counts(session)
    batch = [entry(code, "core", value=60.0, unit="degC"), bad(code)]
    message = _refused(session, lambda: record_checks(session, batch), InvalidInputError)
    assert named in message
    assert _counts(session) == before
    assert get_lot(session, code).status == LotStatus.PENDING


def test_published_template_version_cannot_change(session: Session) -> None:
    """Same code and version with other content is refused; version 2 is stored beside version 1."""
    (code,) = _setup(session, lot())
    record_checks(session, [entry(code, "core", value=80.0, unit="degC")])
    changed = tiny_template(name="Tiny checklist, renamed")
    assert "version 2" in _refused(session, lambda: save_templates(session, [changed]), InvalidInputError)
    assert save_templates(session, [tiny_template(version=2, name="Tiny checklist, renamed")]) == 1
    assert get_lot(session, code).template_version == 1
    assert audit_entries(session, lot=code)[0].detail["version"] == 1


def test_trace_forward_backward_and_recall_on_a_small_graph(session: Session) -> None:
    """The hand-built graph of ``seed_graph``: depths, lots, orders and recipients."""
    codes = seed_graph(session)
    forward = trace_forward(session, codes["M1"])
    assert [(t.code, t.depth) for t in forward.lots] == [
        (codes["M1"], 0),
        (codes["P1"], 1),
        (codes["P2"], 1),
        (codes["K1"], 2),
    ]
    assert forward.orders == ("web/ORD-00001", "web/ORD-00002", "web/ORD-00003", "web/ORD-00004")
    assert forward.recipients == ("C-001", "guest E1")
    assert forward.kpis()["units"] == 7
    backward = trace_backward(session, codes["K1"])
    assert [(t.code, t.depth) for t in backward.lots] == [
        (codes["K1"], 0),
        (codes["P2"], 1),
        (codes["M1"], 2),
    ]
    culture = recall(session, codes["C1"])
    rows = recall_rows(culture)
    assert [r["order"] for r in rows] == ["web/ORD-00001", "web/ORD-00002"]
    assert {r["customer"] for r in rows} == {"C-001", "guest E1"}
    assert _refused(session, lambda: trace_forward(session, "NOPE/1"), NotFoundError)


def test_a_link_that_closes_a_cycle_is_refused(session: Session) -> None:
    """Lot inputs form a DAG: K1 cannot become an input of M1."""
    codes = seed_graph(session)
    message = _refused(
        session,
        lambda: link_lot_inputs(session, [LotInput(lot=codes["M1"], input_lot=codes["K1"])]),
        InvalidInputError,
    )
    assert "cycle" in message


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(requests=st.lists(st.integers(min_value=-1, max_value=4), min_size=1, max_size=8))
def test_allocations_never_exceed_the_lot_quantity(session: Session, requests: list[int]) -> None:
    """Whatever is asked, the units allocated from a lot stay within its quantity (and orders' lines)."""
    with session.begin_nested() as outer:
        (code,) = _setup(session, lot(quantity=5))
        upsert_orders(session, [order(n, quantities=(3, 1)) for n in range(3, 10)])
        record_checks(session, passing_entries(code))
        release_lot(session, code, released_by="Q", at=T0)
        for i, quantity in enumerate(requests):
            try:
                with session.begin_nested():
                    allocate_lot_to_order(session, code, ("web", f"ORD-{i + 1:05d}"), quantity)
            except AllocationRefusedError:
                pass
        lot_id = session.scalar(select(LotRow.id).where(LotRow.code == code))
        total = session.scalar(
            select(func.coalesce(func.sum(LotAllocationRow.quantity), 0)).where(
                LotAllocationRow.lot_id == lot_id
            )
        )
        assert 0 <= (total or 0) <= 5
        outer.rollback()
