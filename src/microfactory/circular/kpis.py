"""Second-life KPIs: reclamation rates, recycling and landfill rates, cycle time, cost, CO2e avoided.

Every KPI is computed over a *cohort*: the items taken in within a scope (all, a site, a month of
intake in Europe/London, or both), whatever has happened to them since. Definitions (also in
docs/second-life.md), with N the cohort's items, M their mass and V their new value:

* reclaimed items R: disposed to ``resell``, ``reuse`` or ``donate`` (the item stays in use; a
  refurbished item counts once, by where it went);
* reclamation rate by count = |R| / N; by mass = mass(R) / M; by value = value recovered from R / V;
* recycling rate = recycled / N (and by mass); landfill rate = landfilled / N (and by mass), kept
  separate from reclamation; open = not disposed yet, so reclaimed + recycled + landfilled + open = N;
* cycle time = disposition time − intake time, in days, over the cohort's disposed items (mean, median);
* cost per item = (refurbishment minutes × labour rate + parts + disposal costs) / N, in pence;
* CO2e avoided = Σ over R of mass_kg × the material's embodied factor (kg CO2e per kg made new): a
  reused item displaces making one new. Recycling and landfill get no credit here (cut-off approach:
  the recycled material's benefit belongs to its next user).

Rates are ``None`` for an empty denominator, never a division by zero.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from microfactory.circular.factors import MaterialFactors
from microfactory.domain.circular import RECLAIMED_CHANNELS, Channel, Grade, ItemState

LONDON = ZoneInfo("Europe/London")
LABOUR_PENCE_PER_HOUR = 2_800
"""Refurbishment labour cost: a bench technician's loaded rate of £28 per hour (demo assumption)."""
SECONDS_PER_DAY = 86_400.0


def intake_month(state: ItemState) -> str:
    """The month an item was taken in, ``YYYY-MM`` on the Europe/London calendar."""
    return state.item.received_at.astimezone(LONDON).strftime("%Y-%m")


def _rate(numerator: float, denominator: float) -> float | None:
    return None if denominator <= 0 else numerator / denominator


@dataclass(frozen=True, slots=True)
class SecondLifeKpis:
    """The KPIs of one cohort (see the module docstring for the exact definitions)."""

    intake_count: int
    intake_mass_kg: float
    intake_new_value_pence: int
    reclaimed_count: int
    reclaimed_mass_kg: float
    reclaimed_value_pence: int
    recycled_count: int
    recycled_mass_kg: float
    landfill_count: int
    landfill_mass_kg: float
    open_count: int
    open_mass_kg: float
    refurbished_count: int
    value_recovered_pence: int
    """Value recovered over every channel (sales, reuse transfers, scrap rebates)."""
    cost_pence: int
    cycle_days: tuple[float, ...]
    kg_co2e_avoided: float
    kg_co2e_avoided_by_material: Mapping[str, float]
    unfactored_mass_kg: float
    """Mass reclaimed in a material without a factor (not counted in CO2e avoided)."""
    grades: Mapping[str, int]
    channels: Mapping[str, int]
    labour_pence_per_hour: int = LABOUR_PENCE_PER_HOUR
    recycled_by_stream_kg: Mapping[str, float] = field(default_factory=dict)

    @property
    def reclamation_rate_count(self) -> float | None:
        """Reclaimed items ÷ items taken in."""
        return _rate(self.reclaimed_count, self.intake_count)

    @property
    def reclamation_rate_mass(self) -> float | None:
        """Reclaimed kg ÷ kg taken in."""
        return _rate(self.reclaimed_mass_kg, self.intake_mass_kg)

    @property
    def reclamation_rate_value(self) -> float | None:
        """Value recovered from reclaimed items ÷ new value of the items taken in."""
        return _rate(self.reclaimed_value_pence, self.intake_new_value_pence)

    @property
    def recycling_rate_count(self) -> float | None:
        """Recycled items ÷ items taken in."""
        return _rate(self.recycled_count, self.intake_count)

    @property
    def recycling_rate_mass(self) -> float | None:
        """Recycled kg ÷ kg taken in."""
        return _rate(self.recycled_mass_kg, self.intake_mass_kg)

    @property
    def landfill_rate_count(self) -> float | None:
        """Landfilled items ÷ items taken in."""
        return _rate(self.landfill_count, self.intake_count)

    @property
    def landfill_rate_mass(self) -> float | None:
        """Landfilled kg ÷ kg taken in."""
        return _rate(self.landfill_mass_kg, self.intake_mass_kg)

    @property
    def cycle_days_mean(self) -> float | None:
        """Mean days from intake to disposition of the disposed items."""
        return statistics.fmean(self.cycle_days) if self.cycle_days else None

    @property
    def cycle_days_median(self) -> float | None:
        """Median days from intake to disposition of the disposed items."""
        return statistics.median(self.cycle_days) if self.cycle_days else None

    @property
    def cost_per_item_pence(self) -> int | None:
        """Refurbishment and disposal cost per item taken in, rounded to the penny."""
        return None if self.intake_count == 0 else round(self.cost_pence / self.intake_count)

    def as_dict(self) -> dict[str, float | int | str]:
        """The KPIs as a flat mapping of finite numbers (rates 0–1 rounded to 4 places); ``None`` left out."""
        values: dict[str, float | int | str | None] = {
            "intake_count": self.intake_count,
            "intake_mass_kg": round(self.intake_mass_kg, 2),
            "intake_new_value_pence": self.intake_new_value_pence,
            "reclaimed_count": self.reclaimed_count,
            "reclaimed_mass_kg": round(self.reclaimed_mass_kg, 2),
            "reclaimed_value_pence": self.reclaimed_value_pence,
            "reclamation_rate_count": _round(self.reclamation_rate_count),
            "reclamation_rate_mass": _round(self.reclamation_rate_mass),
            "reclamation_rate_value": _round(self.reclamation_rate_value),
            "recycled_count": self.recycled_count,
            "recycled_mass_kg": round(self.recycled_mass_kg, 2),
            "recycling_rate_count": _round(self.recycling_rate_count),
            "recycling_rate_mass": _round(self.recycling_rate_mass),
            "landfill_count": self.landfill_count,
            "landfill_mass_kg": round(self.landfill_mass_kg, 2),
            "landfill_rate_count": _round(self.landfill_rate_count),
            "landfill_rate_mass": _round(self.landfill_rate_mass),
            "open_count": self.open_count,
            "refurbished_count": self.refurbished_count,
            "value_recovered_pence": self.value_recovered_pence,
            "cost_pence": self.cost_pence,
            "cost_per_item_pence": self.cost_per_item_pence,
            "net_value_pence": self.value_recovered_pence - self.cost_pence,
            "cycle_days_mean": _round(self.cycle_days_mean, 2),
            "cycle_days_median": _round(self.cycle_days_median, 2),
            "kg_co2e_avoided": round(self.kg_co2e_avoided, 1),
        }
        for grade, count in self.grades.items():
            values[f"grade_{grade}_count"] = count
        return {k: v for k, v in values.items() if v is not None}


def _round(value: float | None, places: int = 4) -> float | None:
    return None if value is None else round(value, places)


def second_life_kpis(
    states: Iterable[ItemState],
    factors: MaterialFactors,
    *,
    labour_pence_per_hour: int = LABOUR_PENCE_PER_HOUR,
) -> SecondLifeKpis:
    """The KPIs of the cohort ``states`` (items taken in within the scope the caller chose)."""
    if labour_pence_per_hour < 0:
        raise ValueError("labour_pence_per_hour must be ≥ 0")
    items = list(states)
    counts: dict[str, int] = defaultdict(int)
    mass: dict[str, float] = defaultdict(float)
    reclaimed_value = value_recovered = cost = refurbished = 0
    cycle: list[float] = []
    avoided: dict[str, float] = defaultdict(float)
    unfactored = 0.0
    grades = {g.value: 0 for g in Grade}
    channels = {c.value: 0 for c in Channel}
    streams: dict[str, float] = defaultdict(float)
    for state in items:
        kg = state.item.mass_kg
        cost += round(state.refurbished_minutes * labour_pence_per_hour / 60) + state.parts_pence
        refurbished += bool(state.refurbishments)
        if state.grading is not None:
            grades[state.grading.grade.value] += 1
        disposition = state.disposition
        if disposition is None:
            counts["open"] += 1
            mass["open"] += kg
            continue
        channel = disposition.channel
        channels[channel.value] += 1
        cost += disposition.cost_pence
        value_recovered += disposition.value_recovered_pence
        cycle.append((disposition.disposed_at - state.item.received_at).total_seconds() / SECONDS_PER_DAY)
        if channel in RECLAIMED_CHANNELS:
            group = "reclaimed"
            reclaimed_value += disposition.value_recovered_pence
            factor = factors.get(state.item.material)
            if factor is None:
                unfactored += kg
            else:
                avoided[state.item.material] += kg * factor.kg_co2e_per_kg
        elif channel is Channel.RECYCLE:
            group = "recycled"
            streams[disposition.material_stream or state.item.material] += kg
        else:
            group = "landfill"
        counts[group] += 1
        mass[group] += kg
    return SecondLifeKpis(
        intake_count=len(items),
        intake_mass_kg=sum(s.item.mass_kg for s in items),
        intake_new_value_pence=sum(s.item.new_value_pence for s in items),
        reclaimed_count=counts["reclaimed"],
        reclaimed_mass_kg=mass["reclaimed"],
        reclaimed_value_pence=reclaimed_value,
        recycled_count=counts["recycled"],
        recycled_mass_kg=mass["recycled"],
        landfill_count=counts["landfill"],
        landfill_mass_kg=mass["landfill"],
        open_count=counts["open"],
        open_mass_kg=mass["open"],
        refurbished_count=refurbished,
        value_recovered_pence=value_recovered,
        cost_pence=cost,
        cycle_days=tuple(cycle),
        kg_co2e_avoided=sum(avoided.values()),
        kg_co2e_avoided_by_material=dict(sorted(avoided.items())),
        unfactored_mass_kg=unfactored,
        grades=grades,
        channels=channels,
        labour_pence_per_hour=labour_pence_per_hour,
        recycled_by_stream_kg=dict(sorted(streams.items())),
    )


@dataclass(frozen=True, slots=True)
class KpiRow:
    """The KPIs of one group (a site, a month, or a site and month)."""

    site: str
    month: str
    """``YYYY-MM`` (Europe/London), or ``"all"``."""
    kpis: SecondLifeKpis


def kpi_trends(
    states: Sequence[ItemState],
    factors: MaterialFactors,
    *,
    by_site: bool = True,
    by_month: bool = True,
    labour_pence_per_hour: int = LABOUR_PENCE_PER_HOUR,
) -> list[KpiRow]:
    """KPIs per site and/or month of intake, sorted by site then month (``"all"`` for a merged key)."""
    key: Callable[[ItemState], tuple[str, str]] = lambda s: (  # noqa: E731
        s.item.site if by_site else "all",
        intake_month(s) if by_month else "all",
    )
    groups: dict[tuple[str, str], list[ItemState]] = defaultdict(list)
    for state in states:
        groups[key(state)].append(state)
    return [
        KpiRow(
            site,
            month,
            second_life_kpis(groups[(site, month)], factors, labour_pence_per_hour=labour_pence_per_hour),
        )
        for site, month in sorted(groups)
    ]
