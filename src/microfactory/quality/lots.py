"""Lots from production runs: which runs become lots, their input lots, and what their units go to.

A planned run is not a lot: re-planning changes runs, so a lot is made only when a run is
**confirmed** (executed). :func:`plan_confirmations` splits a schedule's runs into those to confirm
now (ended by a cut-off, not confirmed before), those already confirmed, those whose run code was
confirmed earlier as a different SKU or quantity (a re-plan reused the code: reported, never
changed) and those not yet ended.

* :func:`lots_for_runs`: one lot per confirmed run (sequence 1), checked against the template of the
  SKU's family, made at the run's end.
* :func:`plan_input_lots`: the inputs traced into product lots: a board or powder lot per site, material
  and ISO week (kitchen), and a starter-culture lot per site and ISO week (fermented food).
* :func:`plan_allocations`: delivered order lines to released lots: first the orders each run was made
  for, then any units left first-expiring-first-out to lines of the same site and SKU due after the
  lot was made (and before it expires).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from microfactory.domain import ProductionRun, Sku
from microfactory.domain.quality import ChecklistTemplate, Lot, LotInput, LotKind, LotStatus

LONDON = ZoneInfo("Europe/London")
GOODS_IN_TIME = time(6, 0)
"""Local time input lots are received on the Monday of their week."""
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

    @property
    def order_key(self) -> str:
        """The order's key as the scheduler names it: ``channel:external_id``."""
        return f"{self.channel}:{self.external_id}"


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
    serves: tuple[tuple[str, int], ...] = ()
    """Order key (``channel:external_id``) and units the lot's run was made for; empty when unknown."""


@dataclass(frozen=True, slots=True)
class PlannedAllocation:
    """``quantity`` units of ``lot`` for line ``line_no`` of order ``order_id``."""

    lot: str
    order_id: int
    line_no: int
    quantity: int


def _stamp(day: date) -> datetime:
    return datetime.combine(day, GOODS_IN_TIME, tzinfo=LONDON)


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


@dataclass(frozen=True, slots=True)
class ConfirmedRun:
    """What a confirmed run was: its SKU and quantity (to tell a reused run code from the same run)."""

    sku: str
    quantity: int


@dataclass(frozen=True)
class ConfirmationPlan:
    """A schedule's runs sorted out by :func:`plan_confirmations`; each list in the schedule's order."""

    confirm: list[ProductionRun] = field(default_factory=list)
    """Ended by the cut-off and never confirmed: each becomes one lot."""
    already: list[ProductionRun] = field(default_factory=list)
    """Confirmed before, same SKU and quantity: nothing to do."""
    conflicts: list[ProductionRun] = field(default_factory=list)
    """The run code was confirmed before as another SKU or quantity (a re-plan reused it): left alone."""
    not_ended: list[ProductionRun] = field(default_factory=list)
    """Ends after the cut-off: confirmed by a later call."""


def plan_confirmations(
    runs: Sequence[ProductionRun], confirmed: Mapping[tuple[str, str], ConfirmedRun], through: datetime
) -> ConfirmationPlan:
    """Which of ``runs`` to confirm now: those ending at or before ``through`` not confirmed yet.

    ``confirmed`` maps ``(site, run_code)`` of every run already confirmed to what it was. A run is
    confirmed once: a later schedule reusing its code for another SKU or quantity is a conflict and
    the lot made from the first stays as it is.
    """
    plan = ConfirmationPlan()
    for run in runs:
        done = confirmed.get((run.site, run.run_code))
        if done is not None:
            same = done.sku == run.sku and done.quantity == run.quantity
            (plan.already if same else plan.conflicts).append(run)
        elif run.end <= through:
            plan.confirm.append(run)
        else:
            plan.not_ended.append(run)
    return plan


def plan_allocations(
    lines: Sequence[DeliveredLine], lots: Sequence[LotState], skus: Mapping[str, Sku]
) -> list[PlannedAllocation]:
    """Give delivered lines' unallocated units from released lots with units left.

    1. Each lot, oldest first, serves the lines of the orders its run was made for (``serves``), up to
       the units the run made for each order.
    2. Units still left go first-expiring-first-out: each line still short, earliest window first,
       takes from released lots of its site and SKU made at or before its window start and not
       expired by then (SKU shelf life), oldest first.

    A line may be split over lots; held, pending and used-up lots give nothing, so a line whose run
    is on hold stays short unless another released lot can cover it. Never allocates more than a lot
    has left or a line still needs.
    """
    free = {
        lot.code: lot.quantity - lot.allocated
        for lot in lots
        if lot.status == LotStatus.RELEASED and lot.quantity > lot.allocated
    }
    need = {(line.order_id, line.line_no): line.quantity - line.allocated for line in lines}
    by_order: dict[str, list[DeliveredLine]] = defaultdict(list)
    for line in sorted(lines, key=lambda x: (x.order_id, x.line_no)):
        by_order[line.order_key].append(line)
    usable = sorted((lot for lot in lots if lot.code in free), key=lambda x: (x.produced_at, x.code))
    plan: list[PlannedAllocation] = []

    def give(lot: LotState, line: DeliveredLine, most: int) -> int:
        key = (line.order_id, line.line_no)
        take = min(most, free[lot.code], need[key])
        if take > 0:
            plan.append(PlannedAllocation(lot.code, line.order_id, line.line_no, take))
            free[lot.code] -= take
            need[key] -= take
        return max(take, 0)

    for lot in usable:
        for key, units in lot.serves:
            for line in by_order.get(key, []):
                if line.sku == lot.sku and line.site == lot.site:
                    units -= give(lot, line, units)
    stock: dict[tuple[str, str], list[LotState]] = defaultdict(list)
    for lot in usable:
        stock[(lot.site, lot.sku)].append(lot)
    for line in sorted(lines, key=lambda x: (x.window_start, x.order_id, x.line_no)):
        sku = skus.get(line.sku)
        life = sku.shelf_life_hours if sku is not None else None
        for lot in stock.get((line.site, line.sku), []):
            if need[(line.order_id, line.line_no)] <= 0:
                break
            if lot.produced_at > line.window_start:
                break
            if life is not None and lot.produced_at + timedelta(hours=life) < line.window_start:
                continue
            give(lot, line, need[(line.order_id, line.line_no)])
    return plan
