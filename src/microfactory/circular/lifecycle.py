"""The second-life state machine: intake → graded → [refurbished] → disposed.

Pure functions: each takes the item's current :class:`~microfactory.domain.circular.ItemState` (or
``None`` for an item never taken in), checks the step is allowed, and returns the new state with the
:class:`~microfactory.domain.circular.ItemEvent` to append to the item's history. A refused step raises
:class:`~microfactory.errors.InvalidInputError` naming the item, the field and the reason, before
anything is returned, so an adapter that writes only what a step returns never half-writes.

Rules (docs/second-life.md):

* an item is taken in once (its serial, asset tag or label is its key);
* grading needs a taken-in item that is not disposed; an item may be re-graded (after refurbishment);
* refurbishment needs a graded item that is not scrap and not disposed;
* disposition needs a graded item, happens once, scrap goes only to recycling or landfill, and the value
  recovered is at most the item's new value;
* every step is dated at or after the step before it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from microfactory.domain.circular import (
    Channel,
    Disposition,
    EventKind,
    Grade,
    Grading,
    ItemEvent,
    ItemState,
    ItemStatus,
    Refurbishment,
    SecondLifeItem,
)
from microfactory.errors import ErrorLocation, InputIssue, InvalidInputError

SCRAP_CHANNELS = frozenset({Channel.RECYCLE, Channel.LANDFILL})
"""The only channels a scrap item may go to."""


def _refuse(item: str, reason: str, field: str | None = None) -> InvalidInputError:
    return InvalidInputError.single(f"item {item}", reason, field=field)


def validation_error(exc: ValidationError, *, source: str, row: int | None = None) -> InvalidInputError:
    """Translate a pydantic error into :class:`InvalidInputError` naming ``source``, row and field.

    Used by every adapter that builds a domain record from user input (CLI options, CSV rows), so a
    negative mass reads ``intake.csv:3:mass_kg: Input should be greater than 0``.
    """
    issues = [
        InputIssue(
            ErrorLocation(source, row=row, field=".".join(str(p) for p in err["loc"]) or None),
            err["msg"].removeprefix("Value error, "),
        )
        for err in exc.errors()
    ]
    return InvalidInputError(issues)


def build_item(
    fields: Mapping[str, Any], *, source: str = "intake", row: int | None = None
) -> SecondLifeItem:
    """Validate an intake record given as field → value (CLI options, a CSV row).

    Empty strings count as missing. Raises :class:`InvalidInputError` naming ``source``, ``row`` and
    the field: a missing or non-positive mass, missing or non-positive panel dimensions, an appliance
    without make or model, a manufacture year after the intake date.
    """
    cleaned = {k: v for k, v in fields.items() if v is not None and v != ""}
    if "mass_kg" not in cleaned:
        raise InvalidInputError.single(source, "mass is required (kg, > 0)", row=row, field="mass_kg")
    try:
        return SecondLifeItem.model_validate(cleaned)
    except ValidationError as exc:
        raise validation_error(exc, source=source, row=row) from exc


def _event(
    state: ItemState | None,
    item: str,
    kind: EventKind,
    at: datetime,
    actor: str,
    summary: str,
    detail: dict[str, Any],
) -> ItemEvent:
    sequence = 1 if state is None else state.events + 1
    return ItemEvent(
        item=item, sequence=sequence, kind=kind, at=at, actor=actor, summary=summary, detail=detail
    )


def _last_at(state: ItemState) -> datetime:
    times = [state.item.received_at]
    times += [g.graded_at for g in state.gradings]
    times += [r.done_at for r in state.refurbishments]
    return max(times)


def _not_before(state: ItemState, at: datetime, field: str) -> None:
    last = _last_at(state)
    if at < last:
        raise _refuse(
            state.item.item,
            f"{at.isoformat()} is before the item's previous step ({last.isoformat()})",
            field,
        )


def _known(state: ItemState | None, item: str) -> ItemState:
    if state is None:
        raise _refuse(item, "unknown item: it has not been taken in (run intake first)")
    if state.item.item != item:
        raise ValueError(f"state is for item {state.item.item}, not {item}")
    return state


def _not_disposed(state: ItemState, action: str) -> None:
    if state.status is ItemStatus.DISPOSED:
        assert state.disposition is not None
        raise _refuse(
            state.item.item,
            f"cannot {action}: already disposed ({state.disposition.channel.value} on "
            f"{state.disposition.disposed_at.date().isoformat()})",
        )


def take_in(existing: ItemState | None, item: SecondLifeItem, *, actor: str) -> tuple[ItemState, ItemEvent]:
    """Take ``item`` in: the first step of its history.

    Raises :class:`InvalidInputError` when an item with the same key was already taken in.
    """
    if existing is not None:
        raise _refuse(
            item.item,
            f"already taken in at {existing.item.site} on {existing.item.received_at.date().isoformat()}; "
            "an item is taken in once",
            "item",
        )
    event = _event(
        None,
        item.item,
        EventKind.INTAKE,
        item.received_at,
        actor,
        f"{item.kind.value} taken in at {item.site} ({item.source.value}, {item.mass_kg:g} kg)",
        item.model_dump(mode="json"),
    )
    return ItemState(item=item, status=ItemStatus.INTAKE), event


def grade(state: ItemState | None, item: str, grading: Grading) -> tuple[ItemState, ItemEvent]:
    """Record a grade (first grading, or a re-grade after refurbishment).

    Raises :class:`InvalidInputError` for an unknown or disposed item and a grading dated before the
    item's previous step.
    """
    current = _known(state, item)
    _not_disposed(current, "grade")
    _not_before(current, grading.graded_at, "graded_at")
    again = " (re-grade)" if current.gradings else ""
    event = _event(
        current,
        item,
        EventKind.GRADE,
        grading.graded_at,
        grading.graded_by,
        f"graded {grading.grade.value}{again}: {grading.reason}",
        grading.model_dump(mode="json"),
    )
    new = current.model_copy(
        update={
            "status": ItemStatus.GRADED,
            "gradings": (*current.gradings, grading),
            "events": event.sequence,
        }
    )
    return new, event


def refurbish(state: ItemState | None, item: str, task: Refurbishment) -> tuple[ItemState, ItemEvent]:
    """Record one refurbishment task on a graded item.

    Raises :class:`InvalidInputError` for an unknown, ungraded, scrap or disposed item and a task dated
    before the item's previous step.
    """
    current = _known(state, item)
    _not_disposed(current, "refurbish")
    grading = current.grading
    if grading is None:
        raise _refuse(item, "cannot refurbish before grading: grade the item first", "status")
    if grading.grade is Grade.SCRAP:
        raise _refuse(item, "cannot refurbish a scrap item (re-grade it first if it can be saved)", "grade")
    _not_before(current, task.done_at, "done_at")
    parts = f", parts £{task.parts_pence / 100:,.2f}" if task.parts else ""
    event = _event(
        current,
        item,
        EventKind.REFURBISH,
        task.done_at,
        task.done_by,
        f"refurbished: {task.task} ({task.minutes} min{parts})",
        task.model_dump(mode="json"),
    )
    new = current.model_copy(
        update={
            "status": ItemStatus.REFURBISHED,
            "refurbishments": (*current.refurbishments, task),
            "events": event.sequence,
        }
    )
    return new, event


def dispose(state: ItemState | None, item: str, disposition: Disposition) -> tuple[ItemState, ItemEvent]:
    """Record where the item went: the last step of its history.

    Raises :class:`InvalidInputError` for an unknown item, a disposition before grading, a second
    disposition, a scrap item sent anywhere but recycling or landfill, and a disposition dated before
    the item's previous step.
    """
    current = _known(state, item)
    _not_disposed(current, "dispose")
    grading = current.grading
    if grading is None:
        raise _refuse(item, "cannot dispose before grading: grade the item first", "status")
    if grading.grade is Grade.SCRAP and disposition.channel not in SCRAP_CHANNELS:
        raise _refuse(
            item,
            f"a scrap item cannot go to {disposition.channel.value}: recycle or landfill it",
            "channel",
        )
    if disposition.value_recovered_pence > current.item.new_value_pence:
        raise _refuse(
            item,
            f"value recovered {disposition.value_recovered_pence} pence is above the item's new value "
            f"{current.item.new_value_pence} pence",
            "value_recovered_pence",
        )
    _not_before(current, disposition.disposed_at, "disposed_at")
    stream = f" ({disposition.material_stream})" if disposition.material_stream else ""
    event = _event(
        current,
        item,
        EventKind.DISPOSE,
        disposition.disposed_at,
        disposition.disposed_by,
        f"disposed: {disposition.channel.value}{stream}, "
        f"£{disposition.value_recovered_pence / 100:,.2f} recovered",
        disposition.model_dump(mode="json"),
    )
    new = current.model_copy(
        update={"status": ItemStatus.DISPOSED, "disposition": disposition, "events": event.sequence}
    )
    return new, event


def replay(events: Iterable[ItemEvent]) -> ItemState:
    """Rebuild an item's state from its stored history (oldest first), checking every step again.

    Raises :class:`InvalidInputError` when the history is not a valid sequence (no intake first, a
    gap in sequence numbers, a step the state machine refuses).
    """
    state: ItemState | None = None
    for expected, event in enumerate(events, start=1):
        if event.sequence != expected:
            raise _refuse(event.item, f"history has event {event.sequence} where {expected} was expected")
        if event.kind is EventKind.INTAKE:
            state, _ = take_in(state, SecondLifeItem.model_validate(event.detail), actor=event.actor)
        elif event.kind is EventKind.GRADE:
            state, _ = grade(state, event.item, Grading.model_validate(event.detail))
        elif event.kind is EventKind.REFURBISH:
            state, _ = refurbish(state, event.item, Refurbishment.model_validate(event.detail))
        else:
            state, _ = dispose(state, event.item, Disposition.model_validate(event.detail))
    if state is None:
        raise ValueError("an item history needs at least its intake event")
    return state
