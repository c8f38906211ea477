"""Lots from production: from scheduled runs, or (until the scheduler stores runs) from delivery history.

* :func:`lots_for_runs`: one lot per production run (sequence 1), checked against the template of the
  SKU's family — what the scheduling stage will call for every run it plans.
* :func:`plan_product_lots`: the demo's stand-in: one lot per site × SKU × production day derived
  from delivered order lines. The production day is the Europe/London date of the delivery window
  start for perishables with a shelf life of 48 h or less (baked or pressed that morning), and the
  day before for everything else. A day whose delivered quantity grows beyond its lots (orders
  re-imported) gets a further lot with the next sequence, never a change to an existing lot.
* :func:`plan_input_lots`: the inputs traced into product lots: a board or powder lot per site, material
  and ISO week (kitchen), and a starter-culture lot per site and ISO week (fermented food).
* :func:`plan_allocations`: order lines to released lots with quantity left (first come, first served).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from microfactory.domain import ProductionRun, Sku
from microfactory.domain.quality import ChecklistTemplate, Lot, LotInput, LotKind, LotStatus

LONDON = ZoneInfo("Europe/London")
SAME_DAY_SHELF_LIFE_HOURS = 48.0
"""Perishables keeping this long or less are made on the day they are delivered."""
PRODUCTION_START = time(6, 0)
"""Local time a derived production day's lots are stamped with."""
STARTER_CULTURE_SKU = "STARTER-LAB-01"
"""The demo's lactic-acid-bacteria starter culture (mother culture propagated weekly)."""
FERMENTED_FAMILIES = frozenset({"FOOD-CONDIMENTS"})


@dataclass(frozen=True, slots=True)
class DeliveredLine:
    """An order line delivered from ``site``, with its order's key and window start (aware UTC)."""

    order_id: int
    channel: str
    external_id: str
    line_no: int
    sku: str
    quantity: int
    site: str
    window_start: datetime
    allocated: int = 0
    """Units of the line already allocated to lots."""


@dataclass(frozen=True, slots=True)
class LotState:
    """A stored lot as allocation sees it: key, quantity, units already allocated, status."""

    code: str
    site: str
    run_code: str
    sku: str
    sequence: int
    quantity: int
    allocated: int
    status: LotStatus
    produced_at: datetime


@dataclass(frozen=True, slots=True)
class PlannedAllocation:
    """``quantity`` units of ``lot`` for line ``line_no`` of order ``order_id``."""

    lot: str
    order_id: int
    line_no: int
    quantity: int


def production_day(window_start: datetime, shelf_life_hours: float | None) -> date:
    """The Europe/London day a delivered line's units were made (see the module docstring)."""
    local = window_start.astimezone(LONDON).date()
    if shelf_life_hours is not None and shelf_life_hours <= SAME_DAY_SHELF_LIFE_HOURS:
        return local
    return local - timedelta(days=1)


def run_code_for(day: date) -> str:
    """The derived run code of a production day: ``R20261101``."""
    return f"R{day:%Y%m%d}"


def _stamp(day: date) -> datetime:
    return datetime.combine(day, PRODUCTION_START, tzinfo=LONDON)


def _template_fields(sku: Sku | None, templates: Mapping[str, ChecklistTemplate]) -> dict[str, object]:
    template = templates.get(sku.family) if sku is not None else None
    if template is None:
        return {}
    return {"template": template.code, "template_version": template.version}


def lots_for_runs(
    runs: Sequence[ProductionRun], skus: Mapping[str, Sku], templates: Mapping[str, ChecklistTemplate]
) -> list[Lot]:
    """One lot per production run: key ``(site, run_code, sku, 1)``, the run's quantity, made at its end.

    ``templates`` maps SKU family → template (see
    :func:`microfactory.quality.catalogue.template_for_family`); a SKU whose family has none gets a
    lot without a checklist.
    """
    return [
        Lot(
            site=r.site,
            run_code=r.run_code,
            sku=r.sku,
            quantity=r.quantity,
            produced_at=r.end,
            **_template_fields(skus.get(r.sku), templates),
        )
        for r in runs
    ]


def _group_key(line: DeliveredLine, skus: Mapping[str, Sku]) -> tuple[str, str, date]:
    sku = skus.get(line.sku)
    return (line.site, line.sku, production_day(line.window_start, sku.shelf_life_hours if sku else None))


def plan_product_lots(
    lines: Sequence[DeliveredLine],
    skus: Mapping[str, Sku],
    templates: Mapping[str, ChecklistTemplate],
    existing: Sequence[LotState] = (),
) -> list[Lot]:
    """New lots so that every site × SKU × production day holds at least the units delivered from it.

    ``lines`` are every delivered line of the period (allocated or not); ``existing`` the lots already
    stored. Sorted by lot code.
    """
    demand: dict[tuple[str, str, date], int] = defaultdict(int)
    for line in lines:
        demand[_group_key(line, skus)] += line.quantity
    held: dict[tuple[str, str, str], list[LotState]] = defaultdict(list)
    for lot in existing:
        held[(lot.site, lot.sku, lot.run_code)].append(lot)
    new: list[Lot] = []
    for (site, sku, day), units in demand.items():
        lots = held.get((site, sku, run_code_for(day)), [])
        excess = units - sum(lot.quantity for lot in lots)
        if excess <= 0:
            continue
        new.append(
            Lot(
                site=site,
                run_code=run_code_for(day),
                sku=sku,
                sequence=max((lot.sequence for lot in lots), default=0) + 1,
                quantity=excess,
                produced_at=_stamp(day),
                **_template_fields(skus.get(sku), templates),
            )
        )
    return sorted(new, key=lambda lot: lot.code)


def _input_key(lot: Lot, sku: Sku) -> tuple[str, LotKind] | None:
    if sku.family in FERMENTED_FAMILIES:
        return (STARTER_CULTURE_SKU, LotKind.STARTER_CULTURE)
    material = next((s.setup["material"] for s in sku.routing if "material" in s.setup), None)
    return (f"MAT-{material}", LotKind.MATERIAL) if material else None


def plan_input_lots(product_lots: Sequence[Lot], skus: Mapping[str, Sku]) -> tuple[list[Lot], list[LotInput]]:
    """Input lots (one per site × input × ISO week, received on the Monday) and their links.

    Kitchen SKUs take the board named by their cutting step's ``material`` setup, and powder-coated
    fronts also a powder lot of their ``finish_colour``; fermented food takes the week's starter
    culture. Input lots carry no checklist (goods-in is outside this module). Both lists sorted.
    """
    inputs: dict[str, Lot] = {}
    links: list[LotInput] = []
    for lot in product_lots:
        sku = skus.get(lot.sku)
        if sku is None:
            continue
        day = lot.produced_at.astimezone(LONDON).date()
        year, week, _ = day.isocalendar()
        monday = day - timedelta(days=day.weekday())
        wanted = [_input_key(lot, sku)]
        colour = next((s.setup["finish_colour"] for s in sku.routing if "finish_colour" in s.setup), None)
        if colour:
            wanted.append((f"POWDER-{colour}", LotKind.MATERIAL))
        for key in wanted:
            if key is None:
                continue
            code, kind = key
            item = Lot(
                site=lot.site,
                run_code=f"GRN{year}W{week:02d}",
                sku=code,
                kind=kind,
                quantity=1,
                produced_at=_stamp(monday),
            )
            item = inputs.setdefault(item.code, item)
            links.append(LotInput(lot=lot.code, input_lot=item.code))
    return sorted(inputs.values(), key=lambda x: x.code), sorted(links, key=lambda x: (x.lot, x.input_lot))


def plan_allocations(
    lines: Sequence[DeliveredLine], lots: Sequence[LotState], skus: Mapping[str, Sku]
) -> list[PlannedAllocation]:
    """Give each line's unallocated units from released lots of its site × SKU × day, lowest sequence first.

    A line may be split over two lots; a line whose lots are held, pending or used up stays
    unallocated (it appears in no allocation). Never allocates more than a lot has left.
    """
    left: dict[tuple[str, str, str], list[_Slot]] = defaultdict(list)
    for lot in sorted(lots, key=lambda x: x.sequence):
        if lot.status == LotStatus.RELEASED and lot.quantity > lot.allocated:
            left[(lot.site, lot.sku, lot.run_code)].append(_Slot(lot.code, lot.quantity - lot.allocated))
    plan: list[PlannedAllocation] = []
    for line in sorted(lines, key=lambda x: (x.order_id, x.line_no)):
        site, sku, day = _group_key(line, skus)
        need = line.quantity - line.allocated
        for slot in left.get((site, sku, run_code_for(day)), []):
            take = min(need, slot.free)
            if take <= 0:
                continue
            plan.append(PlannedAllocation(slot.code, line.order_id, line.line_no, take))
            slot.free -= take
            need -= take
            if need == 0:
                break
    return plan


@dataclass(slots=True)
class _Slot:
    code: str
    free: int
