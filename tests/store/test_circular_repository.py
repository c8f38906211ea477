"""Second-life items in the store (SQLite and PostgreSQL): commands, full history, refusals change nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from microfactory.domain.circular import Channel, EventKind, Grade, ItemStatus
from microfactory.errors import InvalidInputError, NotFoundError
from microfactory.store import transaction
from microfactory.store.circular_repository import (
    item_history,
    item_keys,
    load_state,
    load_states,
    record_disposition,
    record_grading,
    record_intake,
    record_refurbishment,
    store_histories,
)
from microfactory.store.models.circular import SecondLifeEventRow, SecondLifeItemRow
from tests.circular.builders import appliance, disposition, grading, panel, refurbishment


def snapshot(session: Session) -> tuple[list[Any], list[Any]]:
    """Every item and event row as plain tuples, to compare before and after a refused command."""
    items = [
        (r.item, r.status, r.grade, r.channel, r.disposed_at, r.mass_kg)
        for r in session.scalars(select(SecondLifeItemRow).order_by(SecondLifeItemRow.item))
    ]
    events = [
        (r.item_id, r.sequence, r.kind, r.at, r.summary)
        for r in session.scalars(select(SecondLifeEventRow).order_by(SecondLifeEventRow.id))
    ]
    return items, events


def test_commands_build_the_full_history(session: Session) -> None:
    """Intake, grade, refurbish, re-grade, dispose: five events in order; status columns follow."""
    record_intake(session, appliance(), actor="Goods-in")
    record_grading(session, "OV-1", grading(Grade.C))
    record_refurbishment(session, "OV-1", refurbishment(40, parts_pence=1_850))
    record_grading(session, "OV-1", grading(Grade.B, days=2.5))
    record_disposition(session, "OV-1", disposition(Channel.RESELL, 40_000))
    history = item_history(session, "OV-1")
    assert [e.kind for e in history] == [
        EventKind.INTAKE,
        EventKind.GRADE,
        EventKind.REFURBISH,
        EventKind.GRADE,
        EventKind.DISPOSE,
    ]
    assert [e.sequence for e in history] == [1, 2, 3, 4, 5]
    state = load_state(session, "OV-1")
    assert state is not None and state.status is ItemStatus.DISPOSED
    assert state.item == appliance()  # aware UTC datetimes and floats round-trip
    assert state.parts_pence == 1_850 and state.refurbished_minutes == 40
    row = session.scalars(select(SecondLifeItemRow)).one()
    assert (row.status, row.grade, row.channel) == ("disposed", "B", "resell")


@pytest.mark.parametrize(
    ("name", "command"),
    [
        ("unknown item", lambda s: record_grading(s, "GHOST", grading())),
        ("disposition before grading", lambda s: record_disposition(s, "P-1", disposition())),
        ("second disposition", lambda s: record_disposition(s, "OV-1", disposition(Channel.DONATE, days=4))),
        ("second intake", lambda s: record_intake(s, appliance(), actor="T")),
        ("refurbish after disposal", lambda s: record_refurbishment(s, "OV-1", refurbishment(days=5))),
    ],
)
def test_refused_commands_leave_the_database_unchanged(
    session_factory: sessionmaker[Session], name: str, command: Callable[[Session], object]
) -> None:
    """Each bad step of the issue is refused with a clear message inside its transaction; nothing changes."""
    with transaction(session_factory) as s:
        record_intake(s, appliance(), actor="T")
        record_grading(s, "OV-1", grading())
        record_disposition(s, "OV-1", disposition(Channel.RESELL, 30_000))
        record_intake(s, panel(), actor="T")
    with session_factory() as s:
        before = snapshot(s)
    with pytest.raises(InvalidInputError) as caught, transaction(session_factory) as s:
        command(s)
    assert str(caught.value).startswith("item ")
    with session_factory() as s:
        assert snapshot(s) == before, name


def test_refused_intake_with_bad_mass_writes_nothing(session_factory: sessionmaker[Session]) -> None:
    """A database check refuses a non-positive mass even if a caller skips the domain validation."""
    with session_factory() as s:
        before = snapshot(s)
    bad = panel().model_construct(**{**panel().model_dump(), "mass_kg": -1.0})
    with pytest.raises(IntegrityError), transaction(session_factory) as s:
        record_intake(s, bad, actor="T")
    with session_factory() as s:
        assert snapshot(s) == before


@pytest.mark.parametrize(
    "statement", ["UPDATE second_life_events SET actor = 'X'", "DELETE FROM second_life_events"]
)
def test_history_is_append_only(session: Session, statement: str) -> None:
    """The database refuses to change or delete history, whatever code tries."""
    record_intake(session, panel(), actor="T")
    before = snapshot(session)
    with pytest.raises(IntegrityError, match="append-only"), session.begin_nested():
        session.execute(text(statement))
    assert snapshot(session) == before


def test_store_histories_skips_known_items_and_load_states_filters(session: Session) -> None:
    """Bulk storage of demo histories is idempotent; load_states filters by site and item."""
    from microfactory.circular import dispose, grade, take_in

    histories = []
    for item in (panel("P-1"), panel("P-2", site="KIT-MAN")):
        state, e1 = take_in(None, item, actor="T")
        state, e2 = grade(state, item.item, grading(Grade.A))
        state, e3 = dispose(state, item.item, disposition(Channel.REUSE, 500))
        histories.append((state, [e1, e2, e3]))
    assert store_histories(session, histories) == 2
    assert store_histories(session, histories) == 0
    assert item_keys(session) == {"P-1", "P-2"}
    assert [s.item.item for s in load_states(session)] == ["P-1", "P-2"]
    assert [s.item.item for s in load_states(session, site="KIT-MAN")] == ["P-2"]
    assert load_states(session, items=["P-1"]) == [histories[0][0]]


def test_history_of_unknown_item_not_found(session: Session) -> None:
    """Asking for the history of an item never taken in names it."""
    with pytest.raises(NotFoundError, match="second-life item 'NOPE' not found"):
        item_history(session, "NOPE")
    assert load_state(session, "NOPE") is None
