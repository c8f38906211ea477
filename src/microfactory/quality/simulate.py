"""Seeded QA results for the demo: realistic values for every check of a lot's checklist.

Each lot draws from its own generator, seeded by ``(seed, crc32(lot code))``, so the same lot gets
the same results whatever else is simulated. Process profiles (mean and standard deviation in the
check's unit) are typical of the processes: a core temperature of 82 ± 2 °C after baking, gloss of a
satin-matt powder coat 25 ± 1.5 GU, a vegetable ferment reaching pH 4.6 after 40 ± 8 h. With these,
random failures are rare (about one lot in a few hundred, mostly non-critical), as in a capable
process; ``shifts`` moves a check's mean by a number of standard deviations to simulate drift, and
:func:`failing_entry` makes a deliberate failure for the demo story.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from microfactory.domain.quality import (
    Aggregate,
    CheckDefinition,
    CheckEntry,
    CheckKind,
    ChecklistTemplate,
    Lot,
    SeriesPoint,
)

ROSTER = ("A. Patel", "J. Murphy", "K. Nowak", "S. Okoye", "R. Evans", "M. Hughes", "L. Byrne", "T. Ahmed")
PH_START, PH_FLOOR = 6.3, 3.9
"""A lacto-ferment's brine pH at inoculation and where it levels off."""


@dataclass(frozen=True, slots=True)
class Profile:
    """A process's typical value of a check: mean and standard deviation (per reading for formulas)."""

    mean: float
    sd: float
    lot_sd: float = 0.0
    """Formula checks: lot-to-lot standard deviation of the mean, on top of the reading spread."""


PROFILES: dict[str, Profile] = {
    "width_deviation": Profile(0.0, 0.12),
    "height_deviation": Profile(0.0, 0.12),
    "depth_deviation": Profile(0.0, 0.12),
    "diagonal_difference": Profile(0.0, 0.3),  # folded: |N(0, 0.3)|
    "gloss_60": Profile(25.0, 1.0, lot_sd=1.5),
    "film_thickness": Profile(85.0, 7.0, lot_sd=3.0),
    "colour_delta_e": Profile(0.0, 0.3),  # folded
    "core_temperature": Profile(82.0, 2.0),
    "chill_temperature": Profile(3.2, 0.5),
    "chill_time": Profile(62.0, 8.0),
    "bar_weight": Profile(93.0, 1.8, lot_sd=0.6),
    "portion_weight": Profile(206.0, 3.0, lot_sd=1.0),
    "water_activity": Profile(0.91, 0.01),
    "salt_percent": Profile(2.5, 0.12),
    "final_ph": Profile(4.05, 0.12),
    "acidification": Profile(40.0, 8.0),  # hours to reach pH 4.6
    "ferment_temperature": Profile(21.0, 0.6, lot_sd=0.4),
    "sensory_panel": Profile(7.4, 0.6, lot_sd=0.25),
}
FOLDED = frozenset({"diagonal_difference", "colour_delta_e"})
PASS_FAIL_FAILURE_RATE = {True: 0.0002, False: 0.003}
"""Probability a pass/fail check fails, for critical (True) and other checks."""


def lot_rng(seed: int, lot: str) -> np.random.Generator:
    """The lot's own generator: independent of which other lots are simulated."""
    return np.random.default_rng([seed, zlib.crc32(lot.encode())])


def inspector(site: str, rng: np.random.Generator) -> str:
    """A name from the demo roster, with the site: ``K. Nowak (FOOD-LON)``."""
    return f"{ROSTER[int(rng.integers(len(ROSTER)))]} ({site})"


def _acidification_series(
    hours_to_limit: float, rng: np.random.Generator, *, noise: float = 0.03
) -> tuple[SeriesPoint, ...]:
    # Exponential approach to the floor: pH(t) = start − (start − floor)(1 − e^(−t/τ)), with τ chosen so
    # pH 4.6 is reached at ``hours_to_limit``; read every 12 h for 96 h, with meter noise (pH units).
    tau = hours_to_limit / -math.log((4.6 - PH_FLOOR) / (PH_START - PH_FLOOR))
    points = []
    for t in range(0, 97, 12):
        ph = PH_START - (PH_START - PH_FLOOR) * (1 - math.exp(-t / tau)) + float(rng.normal(0, noise))
        points.append(SeriesPoint(hours=float(t), value=round(ph, 2)))
    return tuple(points)


def _values(
    check: CheckDefinition, profile: Profile, rng: np.random.Generator, shift: float
) -> dict[str, object]:
    mean = profile.mean + shift * profile.sd
    if check.kind == CheckKind.PASS_FAIL:
        return {"passed": bool(rng.random() >= PASS_FAIL_FAILURE_RATE[check.critical])}
    if check.kind == CheckKind.SENSORY:
        centre = mean + float(rng.normal(0, profile.lot_sd))
        scores = np.clip(np.rint(rng.normal(centre, profile.sd, size=5)), check.scale_min, check.scale_max)
        return {"scores": tuple(int(s) for s in scores), "unit": "score"}
    if check.kind == CheckKind.TIME_TO_LIMIT:
        hours = max(6.0, float(rng.normal(mean, profile.sd)))
        return {"series": _acidification_series(hours, rng), "unit": check.unit}
    if check.kind == CheckKind.FORMULA:
        centre = mean + float(rng.normal(0, profile.lot_sd))
        readings = rng.normal(centre, profile.sd, size=check.readings or 1)
        return {"readings": tuple(round(float(x), 2) for x in readings), "unit": check.unit}
    value = float(rng.normal(mean, profile.sd))
    if check.code in FOLDED:
        value = abs(value)
    return {"value": round(value, 3), "unit": check.unit}


def simulate_entries(
    lot: Lot,
    template: ChecklistTemplate,
    *,
    seed: int,
    inputs: Mapping[str, str] | None = None,
    shifts: Mapping[str, float] | None = None,
) -> list[CheckEntry]:
    """One entry per check of ``template`` for ``lot``, recorded from two hours after production.

    ``inputs`` maps record checks to their text (``starter_culture_lot`` → the culture lot code);
    ``shifts`` moves a check's mean by that many standard deviations (drift). Checks without a
    profile get a value at the middle of their limits. Deterministic for ``(seed, lot.code)``.
    """
    rng = lot_rng(seed, lot.code)
    who = inspector(lot.site, rng)
    entries = []
    for i, check in enumerate(template.checks):
        at = lot.produced_at + timedelta(hours=2, minutes=15 * i)
        base = {"lot": lot.code, "check": check.code, "recorded_by": who, "recorded_at": at}
        if check.kind == CheckKind.RECORD:
            text = (inputs or {}).get(check.code, f"{lot.site}/UNKNOWN/{check.code}/1")
            entries.append(CheckEntry.model_validate({**base, "text": text}))
            continue
        if check.kind == CheckKind.ATTACHMENT:
            ref = f"qa-photos/{lot.code.replace('/', '_')}-{check.code}.jpg"
            entries.append(CheckEntry.model_validate({**base, "attachment": ref}))
            continue
        profile = PROFILES.get(check.code) or _middle(check)
        values = _values(check, profile, rng, (shifts or {}).get(check.code, 0.0))
        entries.append(CheckEntry.model_validate({**base, **values}))
    return entries


def _middle(check: CheckDefinition) -> Profile:
    low, high = check.limits.bounds if check.limits else (None, None)
    if low is not None and high is not None:
        return Profile((low + high) / 2, (high - low) / 8)
    edge = low if low is not None else high if high is not None else 0.0
    return Profile(
        edge + (1.0 if low is not None else -1.0) * max(abs(edge) * 0.1, 1.0), max(abs(edge) * 0.02, 0.1)
    )


def failing_entry(check: CheckDefinition, lot: Lot, *, recorded_by: str, at: datetime) -> CheckEntry:
    """A clearly failing entry for ``check`` (the demo's deliberate failure).

    Time to limit: the limit reached at the first 12-hourly reading after ``within_hours``;
    measurements and formulas: beyond the limit by a tenth of the limit's magnitude (at least one
    unit); sensory: a mean two points under the minimum; pass/fail: failed. Raises ``ValueError``
    for record and attachment checks, which cannot fail (only be missing).
    """
    base = {"lot": lot.code, "check": check.code, "recorded_by": recorded_by, "recorded_at": at}
    if check.kind == CheckKind.PASS_FAIL:
        return CheckEntry.model_validate({**base, "passed": False})
    if check.kind == CheckKind.SENSORY:
        assert check.min_mean is not None
        worst = max(check.scale_min, round(check.min_mean) - 2)
        return CheckEntry.model_validate({**base, "scores": (worst, worst, worst + 1), "unit": "score"})
    if check.kind in (CheckKind.RECORD, CheckKind.ATTACHMENT) or check.limits is None:
        raise ValueError(f"check {check.code} ({check.kind.value}) cannot fail, only be missing")
    if check.kind == CheckKind.TIME_TO_LIMIT:
        assert check.within_hours is not None
        series = _acidification_series(check.within_hours + 6.0, np.random.default_rng(0), noise=0.0)
        return CheckEntry.model_validate({**base, "series": series, "unit": check.unit})
    low, high = check.limits.bounds
    edge = low if low is not None else high
    assert edge is not None
    step = max(abs(edge) * 0.1, 1.0) * (-1.0 if low is not None else 1.0)
    value = round(edge + step, 3)
    if check.kind == CheckKind.FORMULA:
        n = check.readings or 1
        readings = (
            [value] * n
            if check.aggregate != Aggregate.EACH
            else [value] + [round(edge - step / 4, 3)] * (n - 1)
        )
        return CheckEntry.model_validate({**base, "readings": tuple(readings), "unit": check.unit})
    return CheckEntry.model_validate({**base, "value": value, "unit": check.unit})
