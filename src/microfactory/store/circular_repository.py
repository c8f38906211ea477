"""Second-life items in the store: intake, grading, refurbishment and disposition as append-only events.

Every command loads the item's history, replays it through the state machine
(:mod:`microfactory.circular.lifecycle`), applies the new step there — which refuses a bad step with
an :class:`~microfactory.errors.InvalidInputError` *before* anything is written — and then appends one
event and updates the item's status columns. Functions take a ``Session`` and never commit: run each
command in one :func:`microfactory.store.db.transaction`, so a refusal or failure changes nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from microfactory.circular.lifecycle import dispose, grade, refurbish, replay, take_in
from microfactory.domain.circular import (
    Disposition,
    EventKind,
    Grading,
    ItemEvent,
    ItemState,
    Refurbishment,
    SecondLifeItem,
)
from microfactory.errors import NotFoundError
from microfactory.store.models.circular import SecondLifeEventRow, SecondLifeItemRow

SECOND_LIFE_STAGE = "second_life"
"""The plan stage that stores the demo's second-life activity and its KPIs."""


def _event(row: SecondLifeEventRow, item: str) -> ItemEvent:
    return ItemEvent(
        item=item,
        sequence=row.sequence,
        kind=EventKind(row.kind),
        at=row.at,
        actor=row.actor,
        summary=row.summary,
        detail=row.detail,
    )


def _item_row(session: Session, item: str, *, lock: bool = False) -> SecondLifeItemRow | None:
    query = select(SecondLifeItemRow).where(SecondLifeItemRow.item == item)
    if lock:
        query = query.with_for_update()
    return session.scalars(query).one_or_none()


def _events(session: Session, item_ids: Sequence[int]) -> dict[int, list[SecondLifeEventRow]]:
    out: dict[int, list[SecondLifeEventRow]] = defaultdict(list)
    for start in range(0, len(item_ids), 500):
        chunk = item_ids[start : start + 500]
        query = (
            select(SecondLifeEventRow)
            .where(SecondLifeEventRow.item_id.in_(chunk))
            .order_by(SecondLifeEventRow.item_id, SecondLifeEventRow.sequence)
        )
        for row in session.scalars(query):
            out[row.item_id].append(row)
    return out


def item_history(session: Session, item: str) -> list[ItemEvent]:
    """The item's full history, oldest first. Raises :class:`NotFoundError` for an unknown item."""
    row = _item_row(session, item)
    if row is None:
        raise NotFoundError("second-life item", item)
    return [_event(e, item) for e in _events(session, [row.id])[row.id]]


def load_state(session: Session, item: str, *, lock: bool = False) -> ItemState | None:
    """The item's current state (its history replayed), or ``None`` when it was never taken in.

    With ``lock`` the item's row is locked until the transaction ends (PostgreSQL ``FOR UPDATE``), so
    two commands on one item run one after the other.
    """
    row = _item_row(session, item, lock=lock)
    if row is None:
        return None
    return replay(_event(e, item) for e in _events(session, [row.id])[row.id])


def load_states(
    session: Session, *, site: str | None = None, items: Iterable[str] | None = None
) -> list[ItemState]:
    """Every item's state (optionally of one site, or only the named items), sorted by item key."""
    query = select(SecondLifeItemRow.id, SecondLifeItemRow.item).order_by(SecondLifeItemRow.item)
    if site is not None:
        query = query.where(SecondLifeItemRow.site == site)
    if items is not None:
        query = query.where(SecondLifeItemRow.item.in_(list(items)))
    rows = session.execute(query).all()
    events = _events(session, [r.id for r in rows])
    return [replay(_event(e, r.item) for e in events[r.id]) for r in rows]


def item_keys(session: Session) -> set[str]:
    """The keys (serial, asset tag, label) of every item taken in."""
    return set(session.scalars(select(SecondLifeItemRow.item)))


def _status_columns(state: ItemState, now: datetime) -> dict[str, object]:
    grading = state.grading
    disposition = state.disposition
    return {
        "status": state.status.value,
        "grade": grading.grade.value if grading is not None else None,
        "channel": disposition.channel.value if disposition is not None else None,
        "disposed_at": disposition.disposed_at if disposition is not None else None,
        "updated_at": now,
    }


def _event_row(item_id: int, event: ItemEvent, now: datetime) -> SecondLifeEventRow:
    return SecondLifeEventRow(
        item_id=item_id,
        sequence=event.sequence,
        kind=event.kind.value,
        at=event.at,
        actor=event.actor,
        summary=event.summary,
        detail=event.detail,
        recorded_at=now,
    )


def _new_item_row(item: SecondLifeItem, state: ItemState, now: datetime) -> SecondLifeItemRow:
    return SecondLifeItemRow(
        item=item.item,
        kind=item.kind.value,
        source=item.source.value,
        site=item.site,
        received_at=item.received_at,
        mass_kg=item.mass_kg,
        material=item.material,
        new_value_pence=item.new_value_pence,
        make=item.make,
        model=item.model,
        manufacture_year=item.manufacture_year,
        origin=item.origin.value if item.origin is not None else None,
        finish=item.finish,
        thickness_mm=item.thickness_mm,
        length_mm=item.length_mm,
        width_mm=item.width_mm,
        note=item.note,
        **_status_columns(state, now),
    )


def record_intake(session: Session, item: SecondLifeItem, *, actor: str) -> ItemEvent:
    """Take ``item`` in. Raises :class:`InvalidInputError` when its key was already taken in."""
    existing = load_state(session, item.item, lock=True)
    state, event = take_in(existing, item, actor=actor)
    now = datetime.now(UTC)
    row = _new_item_row(item, state, now)
    session.add(row)
    session.flush()
    session.add(_event_row(row.id, event, now))
    session.flush()
    return event


def _apply(session: Session, item: str, payload: Grading | Refurbishment | Disposition) -> ItemEvent:
    row = _item_row(session, item, lock=True)
    state = None if row is None else replay(_event(e, item) for e in _events(session, [row.id])[row.id])
    if isinstance(payload, Grading):
        new, event = grade(state, item, payload)
    elif isinstance(payload, Refurbishment):
        new, event = refurbish(state, item, payload)
    else:
        new, event = dispose(state, item, payload)
    assert row is not None  # the state machine refuses unknown items above
    now = datetime.now(UTC)
    session.add(_event_row(row.id, event, now))
    for name, value in _status_columns(new, now).items():
        setattr(row, name, value)
    session.flush()
    return event


def record_grading(session: Session, item: str, grading: Grading) -> ItemEvent:
    """Grade ``item``. Raises :class:`InvalidInputError` for an unknown or disposed item."""
    return _apply(session, item, grading)


def record_refurbishment(session: Session, item: str, task: Refurbishment) -> ItemEvent:
    """Record a refurbishment task. Raises :class:`InvalidInputError` unless the item is graded, not scrap."""
    return _apply(session, item, task)


def record_disposition(session: Session, item: str, disposition: Disposition) -> ItemEvent:
    """Dispose of ``item``. Raises :class:`InvalidInputError` before grading or on a second disposition."""
    return _apply(session, item, disposition)


def store_histories(session: Session, histories: Sequence[tuple[ItemState, Sequence[ItemEvent]]]) -> int:
    """Store whole histories of new items at once (the demo's quarter); returns how many were stored.

    Each history must be what the state machine produced (``state`` after its ``events``); items
    whose key is already stored are skipped, so storing the same histories again changes nothing.
    """
    known = item_keys(session)
    now = datetime.now(UTC)
    fresh = [(s, e) for s, e in histories if s.item.item not in known]
    rows = [_new_item_row(s.item, s, now) for s, _ in fresh]
    session.add_all(rows)
    session.flush()
    session.add_all(
        [
            _event_row(row.id, event, now)
            for row, (_, events) in zip(rows, fresh, strict=True)
            for event in events
        ]
    )
    session.flush()
    return len(fresh)
