"""A seeded quarter of second-life activity per kitchen site, run through the real state machine.

Per site and quarter (13 weeks), typical of a kitchen maker with a showroom at each site:

* **showroom demo rotation**: display appliances and fittings rotated out each season (mostly grade A
  or B: cosmetic marks from handling);
* **customer returns**: appliances and fittings sent back (some fail the function test and need work);
* **production surplus**: offcuts and surplus boards from the nesting routers (MDF door blanks,
  white melamine carcass board, oak and laminate worktop off-cuts), sized and weighed from their
  dimensions (MDF 750 kg/m³, chipboard 650 kg/m³, oak 700 kg/m³);
* **transit damage**: coated fronts and the odd appliance damaged on the way to a customer.

Every item is graded by the shipped grading checklists with simulated check entries
(:func:`microfactory.circular.grade_from_checklist`), grade C items get a refurbishment task and are
re-graded, and dispositions follow the grade (scrap goes to recycling or landfill). Steps that would
fall after ``end`` are left out, so some items are still open at the end of the quarter, as in a real
one. The same ``(seed, site, start, end)`` always gives the same histories.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from microfactory.circular import dispose, grade, grade_from_checklist, grading_template, refurbish, take_in
from microfactory.domain.circular import (
    Channel,
    Disposition,
    Grade,
    ItemEvent,
    ItemKind,
    ItemState,
    Origin,
    Part,
    Refurbishment,
    SecondLifeItem,
)
from microfactory.domain.quality import CheckEntry, CheckKind, ChecklistTemplate, Unit
from microfactory.quality import shipped_templates
from microfactory.quality.simulate import ROSTER

QUARTER_DAYS = 91


@dataclass(frozen=True, slots=True)
class ApplianceSpec:
    """A catalogue appliance or fitting: make, model, material stream, mass and price new."""

    kind: ItemKind
    make: str
    model: str
    material: str
    mass_kg: float
    new_value_pence: int


CATALOGUE: tuple[ApplianceSpec, ...] = (
    ApplianceSpec(ItemKind.APPLIANCE, "Neff", "B57CR22N0 single oven", "appliance_large", 35.0, 89_900),
    ApplianceSpec(ItemKind.APPLIANCE, "Bosch", "SMV6ZCX01G dishwasher", "appliance_large", 42.0, 69_900),
    ApplianceSpec(ItemKind.APPLIANCE, "Siemens", "EX875LYC1E induction hob", "appliance_large", 14.0, 79_900),
    ApplianceSpec(ItemKind.APPLIANCE, "Elica", "Nikolatesla extractor hob", "appliance_large", 26.0, 149_900),
    ApplianceSpec(
        ItemKind.APPLIANCE, "Liebherr", "ICBNd 5163 fridge freezer", "appliance_fridge", 68.0, 129_900
    ),
    ApplianceSpec(ItemKind.APPLIANCE, "Caple", "Wi6133 wine cooler", "appliance_fridge", 38.0, 79_900),
    ApplianceSpec(ItemKind.APPLIANCE, "Neff", "C1AMG84N0B microwave", "appliance_small", 19.0, 59_900),
    ApplianceSpec(ItemKind.FITTING, "Quooker", "Flex boiling-water tap", "metal", 3.2, 119_500),
    ApplianceSpec(ItemKind.FITTING, "Blanco", "Subline 500-U sink", "metal", 9.5, 32_900),
    ApplianceSpec(ItemKind.FITTING, "Franke", "Eos Neo mixer tap", "metal", 2.6, 24_900),
    ApplianceSpec(ItemKind.FITTING, "Oakline", "Bar handle set (10)", "metal", 2.1, 9_000),
)


@dataclass(frozen=True, slots=True)
class BoardSpec:
    """A board a panel can be: material, finish, thickness, density and price per m² new."""

    material: str
    finish: str
    thickness_mm: float
    kg_per_m3: float
    pence_per_m2: int


BOARDS: tuple[BoardSpec, ...] = (
    BoardSpec("mdf", "raw", 18.0, 750.0, 1_300),
    BoardSpec("melamine", "white", 18.0, 650.0, 1_100),
    BoardSpec("oak", "oiled", 40.0, 700.0, 12_000),
    BoardSpec("laminate", "carrara", 38.0, 650.0, 4_500),
)
COATED_FRONT_FINISHES = ("chalk_white", "dove_grey", "pale_sage", "graphite", "midnight_navy")

VOLUMES = {"showroom_demo": 14, "customer_return": 10, "production_surplus": 45, "transit_damage": 8}
"""Mean items per site per quarter by source (Poisson)."""

FAILURE = {
    # source: (critical, mandatory, optional) failure probabilities per check of that class
    "showroom_demo": (0.01, 0.05, 0.35),
    "customer_return": (0.05, 0.25, 0.30),
    "production_surplus": (0.04, 0.12, 0.25),
    "transit_damage": (0.20, 0.45, 0.60),
}


@dataclass(frozen=True, slots=True)
class DemoHistory:
    """One item's seeded history: the state it ends in and the events that led there."""

    state: ItemState
    events: tuple[ItemEvent, ...]


def _rng(seed: int, site: str, start: datetime) -> np.random.Generator:
    return np.random.default_rng([seed, zlib.crc32(f"{site}/{start.isoformat()}".encode())])


def _person(rng: np.random.Generator, site: str) -> str:
    return f"{ROSTER[int(rng.integers(len(ROSTER)))]} ({site})"


def _working_time(rng: np.random.Generator, day: datetime) -> datetime:
    """A time on ``day``'s date between 08:00 and 16:00 UTC."""
    midnight = day.replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight + timedelta(hours=8, minutes=int(rng.integers(0, 8 * 60)))


def _entries(
    template: ChecklistTemplate,
    item: str,
    rng: np.random.Generator,
    fail: tuple[float, float, float],
    *,
    who: str,
    at: datetime,
) -> list[CheckEntry]:
    """One entry per check, failing each with the probability of its class (critical, mandatory, optional)."""
    entries = []
    for check in template.checks:
        p = fail[0] if check.critical else fail[1] if check.mandatory else fail[2]
        bad = bool(rng.random() < p)
        base: dict[str, object] = {"lot": item, "check": check.code, "recorded_by": who, "recorded_at": at}
        if check.kind is CheckKind.PASS_FAIL:
            entries.append(CheckEntry.model_validate({**base, "passed": not bad}))
        elif check.kind is CheckKind.RECORD:
            entries.append(
                CheckEntry.model_validate({**base, "text": f"SN{int(rng.integers(10**7, 10**8))}"})
            )
        elif check.kind is CheckKind.MEASUREMENT and check.limits is not None:
            low, high = check.limits.bounds
            if check.unit is Unit.SCORE:
                value = float(rng.integers(1, 4)) if bad else float(rng.integers(4, 6))
            elif high is not None:
                value = round(high * (1.2 + rng.random()) if bad else high * rng.random() * 0.9, 2)
            else:
                assert low is not None
                value = round(low * 0.8 if bad else low * 1.1, 2)
            entries.append(CheckEntry.model_validate({**base, "value": value, "unit": check.unit}))
    return entries


class _Builder:
    """Runs one item through the state machine, stopping at ``end``."""

    def __init__(self, end: datetime) -> None:
        self.end = end
        self.state: ItemState | None = None
        self.events: list[ItemEvent] = []

    def intake(self, item: SecondLifeItem) -> None:
        self.state, event = take_in(None, item, actor=f"Goods-in ({item.site})")
        self.events.append(event)

    def step(self, at: datetime) -> bool:
        return at < self.end

    def grade(self, template: ChecklistTemplate, entries: list[CheckEntry], who: str, at: datetime) -> Grade:
        assert self.state is not None
        grading = grade_from_checklist(self.state.item.item, template, entries, graded_by=who, graded_at=at)
        self.state, event = grade(self.state, self.state.item.item, grading)
        self.events.append(event)
        return grading.grade

    def refurbish(self, task: Refurbishment) -> None:
        assert self.state is not None
        self.state, event = refurbish(self.state, self.state.item.item, task)
        self.events.append(event)

    def dispose(self, disposition: Disposition) -> None:
        assert self.state is not None
        self.state, event = dispose(self.state, self.state.item.item, disposition)
        self.events.append(event)

    def history(self) -> DemoHistory:
        assert self.state is not None
        return DemoHistory(self.state, tuple(self.events))


def _item(rng: np.random.Generator, key: str, site: str, source: str, received: datetime) -> SecondLifeItem:
    base = {"item": key, "source": source, "site": site, "received_at": received}
    panel = source == "production_surplus" or (source == "transit_damage" and rng.random() < 0.6)
    if panel:
        board = (
            BOARDS[int(rng.choice(len(BOARDS), p=[0.45, 0.35, 0.1, 0.1]))]
            if source != "transit_damage"
            else BOARDS[0]
        )
        finish = board.finish if source != "transit_damage" else str(rng.choice(COATED_FRONT_FINISHES))
        length = float(rng.integers(30, 241) * 10)
        width = min(length, float(rng.integers(15, 121) * 10))
        area = length * width / 1e6
        return SecondLifeItem.model_validate(
            {
                **base,
                "kind": ItemKind.PANEL,
                "material": board.material,
                "finish": finish,
                "thickness_mm": board.thickness_mm,
                "length_mm": length,
                "width_mm": width,
                "mass_kg": round(area * board.thickness_mm / 1000 * board.kg_per_m3, 2),
                "new_value_pence": max(
                    1, round(area * board.pence_per_m2 * (3 if finish != board.finish else 1))
                ),
            }
        )
    spec = CATALOGUE[int(rng.integers(len(CATALOGUE)))]
    age = int(rng.integers(0, 2)) if source == "showroom_demo" else int(rng.integers(0, 4))
    return SecondLifeItem.model_validate(
        {
            **base,
            "kind": spec.kind,
            "material": spec.material,
            "make": spec.make,
            "model": spec.model,
            "manufacture_year": received.year - age,
            "origin": Origin.SHOWROOM if source == "showroom_demo" else Origin.CUSTOMER,
            "mass_kg": spec.mass_kg,
            "new_value_pence": spec.new_value_pence,
        }
    )


RESALE_SHARE = {Grade.A: 0.6, Grade.B: 0.45, Grade.C: 0.3}
"""Resale price as a share of the new price, by grade."""


def _disposition(rng: np.random.Generator, state: ItemState, who: str, at: datetime) -> Disposition:
    item = state.item
    grading = state.grading
    assert grading is not None
    base: dict[str, object] = {"disposed_at": at, "disposed_by": who}
    if grading.grade is Grade.SCRAP:
        if item.kind is ItemKind.PANEL:
            if rng.random() < (0.5 if item.material in ("melamine", "laminate") else 0.25):
                return Disposition.model_validate(
                    {
                        **base,
                        "channel": Channel.LANDFILL,
                        "value_recovered_pence": 0,
                        "cost_pence": round(item.mass_kg * 12),
                    }
                )
            stream = "wood"
        else:
            stream = "weee" if item.kind is ItemKind.APPLIANCE else "metal"
        rebate = round(item.mass_kg * (8 if stream == "metal" else 2 if stream == "weee" else 0))
        return Disposition.model_validate(
            {
                **base,
                "channel": Channel.RECYCLE,
                "material_stream": stream,
                "value_recovered_pence": min(rebate, item.new_value_pence),
                "cost_pence": round(item.mass_kg * 4),
            }
        )
    share = RESALE_SHARE[grading.grade]
    if item.kind is ItemKind.PANEL:
        area = item.area_m2 or 0.0
        if area < 0.12:
            return Disposition.model_validate(
                {**base, "channel": Channel.RECYCLE, "material_stream": "wood", "value_recovered_pence": 0}
            )
        if rng.random() < 0.8:
            return Disposition.model_validate(
                {
                    **base,
                    "channel": Channel.REUSE,
                    "value_recovered_pence": round(item.new_value_pence * 0.9),
                    "recipient": f"Nesting router, {item.site}",
                }
            )
        value = round(item.new_value_pence * share)
        return Disposition.model_validate({**base, "channel": Channel.RESELL, "value_recovered_pence": value})
    if rng.random() < 0.12:
        return Disposition.model_validate(
            {**base, "channel": Channel.DONATE, "value_recovered_pence": 0, "recipient": "Community kitchen"}
        )
    value = round(item.new_value_pence * share * float(rng.uniform(0.9, 1.1)))
    return Disposition.model_validate(
        {
            **base,
            "channel": Channel.RESELL,
            "value_recovered_pence": min(value, item.new_value_pence),
            "recipient": "Outlet marketplace",
        }
    )


def _refurbishment(rng: np.random.Generator, state: ItemState, who: str, at: datetime) -> Refurbishment:
    if state.item.kind is ItemKind.PANEL:
        return Refurbishment(
            task="Trim damaged edge and re-edge", minutes=int(rng.integers(10, 30)), done_at=at, done_by=who
        )
    if state.item.kind is ItemKind.FITTING:
        part = Part(name="Cartridge and seals", cost_pence=int(rng.integers(800, 3_500)))
        return Refurbishment(
            task="Replace cartridge and seals",
            minutes=int(rng.integers(20, 60)),
            parts=(part,),
            done_at=at,
            done_by=who,
        )
    part = Part(name="Door gasket / element", cost_pence=int(rng.integers(1_500, 9_000)))
    return Refurbishment(
        task="Repair fault and replace worn part",
        minutes=int(rng.integers(45, 180)),
        parts=(part,),
        done_at=at,
        done_by=who,
    )


def _life(
    rng: np.random.Generator,
    item: SecondLifeItem,
    templates: Sequence[ChecklistTemplate],
    end: datetime,
) -> DemoHistory:
    build = _Builder(end)
    build.intake(item)
    template = grading_template(item.kind, templates)
    fail = FAILURE[item.source.value]
    who = _person(rng, item.site)
    at = _working_time(rng, item.received_at + timedelta(days=int(rng.integers(1, 6))))
    if not build.step(at):
        return build.history()
    grade_now = build.grade(template, _entries(template, item.item, rng, fail, who=who, at=at), who, at)
    if grade_now is Grade.C and rng.random() < 0.85:
        at = _working_time(rng, at + timedelta(days=int(rng.integers(1, 10))))
        if not build.step(at):
            return build.history()
        assert build.state is not None
        build.refurbish(_refurbishment(rng, build.state, who, at))
        at = at + timedelta(hours=2)
        if not build.step(at):
            return build.history()
        grade_now = build.grade(
            template, _entries(template, item.item, rng, (0.0, 0.0, 0.3), who=who, at=at), who, at
        )
    at = _working_time(rng, at + timedelta(days=int(rng.integers(2, 35))))
    if not build.step(at):
        return build.history()
    assert build.state is not None
    build.dispose(_disposition(rng, build.state, who, at))
    return build.history()


def second_life_quarter(
    sites: Sequence[str],
    *,
    start: datetime,
    end: datetime,
    seed: int,
    templates: Sequence[ChecklistTemplate] | None = None,
) -> list[DemoHistory]:
    """Seeded histories of the items taken in at each of ``sites`` in ``[start, end)``.

    Item keys are ``SL-<site>-<start yyyymmdd>-<n>``, so the same window gives the same keys (the stage
    uses this to store a quarter once). Raises ``ValueError`` for a negative seed or an empty window.
    """
    if seed < 0:
        raise ValueError(f"seed must be ≥ 0, got {seed}")
    if end <= start:
        raise ValueError(f"empty window: end {end.isoformat()} is not after start {start.isoformat()}")
    shipped = list(templates) if templates is not None else shipped_templates()
    days = max(1, (end - start).days)
    histories = []
    for site in sorted(sites):
        rng = _rng(seed, site, start)
        arrivals = []
        for source, mean in VOLUMES.items():
            for _ in range(int(rng.poisson(mean * days / QUARTER_DAYS))):
                arrivals.append(
                    (_working_time(rng, start + timedelta(days=int(rng.integers(0, days)))), source)
                )
        arrivals = [a for a in arrivals if start <= a[0] < end]
        arrivals.sort()
        for n, (received, source) in enumerate(arrivals, start=1):
            key = f"SL-{site}-{start:%Y%m%d}-{n:04d}"
            histories.append(_life(rng, _item(rng, key, site, source, received), shipped, end))
    return histories
