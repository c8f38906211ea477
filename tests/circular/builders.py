"""Small second-life records for tests: one appliance, one panel, gradings and dispositions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from microfactory.domain.circular import (
    Channel,
    Disposition,
    Grade,
    Grading,
    ItemKind,
    ItemState,
    Refurbishment,
    SecondLifeItem,
)

T0 = datetime(2026, 10, 5, 9, tzinfo=UTC)


def appliance(item: str = "OV-1", **changes: Any) -> SecondLifeItem:
    """A 35 kg showroom oven worth £899 new, taken in at KIT-LON on 5 October 2026."""
    fields: dict[str, Any] = {
        "item": item,
        "kind": ItemKind.APPLIANCE,
        "source": "showroom_demo",
        "site": "KIT-LON",
        "received_at": T0,
        "mass_kg": 35.0,
        "material": "appliance_large",
        "new_value_pence": 89_900,
        "make": "Neff",
        "model": "B57",
        "manufacture_year": 2025,
        "origin": "showroom",
    }
    fields.update(changes)
    return SecondLifeItem.model_validate(fields)


def panel(item: str = "P-1", **changes: Any) -> SecondLifeItem:
    """A 1000 × 500 × 18 mm MDF offcut (6.75 kg, £6.50 new) from production at KIT-LON."""
    fields: dict[str, Any] = {
        "item": item,
        "kind": ItemKind.PANEL,
        "source": "production_surplus",
        "site": "KIT-LON",
        "received_at": T0,
        "mass_kg": 6.75,
        "material": "mdf",
        "new_value_pence": 650,
        "finish": "raw",
        "thickness_mm": 18.0,
        "length_mm": 1000.0,
        "width_mm": 500.0,
    }
    fields.update(changes)
    return SecondLifeItem.model_validate(fields)


def grading(grade: Grade = Grade.A, *, days: float = 1.0) -> Grading:
    """A manual grading ``days`` after :data:`T0`."""
    return Grading(grade=grade, reason="test", graded_at=T0 + timedelta(days=days), graded_by="Tester")


def refurbishment(minutes: int = 30, *, days: float = 2.0, parts_pence: int = 0) -> Refurbishment:
    """A refurbishment task ``days`` after :data:`T0`, with one part when ``parts_pence`` > 0."""
    parts = [{"name": "seal", "cost_pence": parts_pence}] if parts_pence else []
    return Refurbishment.model_validate(
        {
            "task": "Fix",
            "minutes": minutes,
            "parts": parts,
            "done_at": T0 + timedelta(days=days),
            "done_by": "T",
        }
    )


def disposition(
    channel: Channel = Channel.RESELL, value: int = 0, *, days: float = 3.0, stream: str | None = None
) -> Disposition:
    """A disposition ``days`` after :data:`T0` (recycling gets stream ``wood`` unless given)."""
    if channel is Channel.RECYCLE and stream is None:
        stream = "wood"
    return Disposition(
        channel=channel,
        value_recovered_pence=value,
        disposed_at=T0 + timedelta(days=days),
        disposed_by="Desk",
        material_stream=stream,
    )


def disposed(
    item: SecondLifeItem, grade: Grade, channel: Channel, value: int = 0, days: float = 3.0
) -> ItemState:
    """An item graded ``grade`` one day after intake and disposed to ``channel`` after ``days``."""
    from microfactory.circular import dispose, take_in
    from microfactory.circular import grade as grade_step

    state, _ = take_in(None, item, actor="T")
    state, _ = grade_step(state, item.item, grading(grade))
    state, _ = dispose(state, item.item, disposition(channel, value, days=days))
    return state
