"""Judge one recorded entry against its check definition.

:func:`evaluate_check` is pure: it returns a :class:`~microfactory.domain.quality.CheckOutcome` for a
well-formed entry (passed or failed) and raises
:class:`~microfactory.errors.InvalidInputError` for an entry that cannot be judged — a missing or
extra field, a value in another unit, a sensory score off the scale — naming the lot, the check and
the field, so nothing half-recorded reaches the log.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Callable, Sequence

from microfactory.domain.quality import (
    Aggregate,
    CheckDefinition,
    CheckEntry,
    CheckKind,
    CheckOutcome,
    Limits,
    Unit,
)
from microfactory.errors import InvalidInputError

_VALUE_FIELDS = ("passed", "value", "unit", "readings", "scores", "series", "text", "attachment")
_NEEDS_UNIT = frozenset({CheckKind.MEASUREMENT, CheckKind.FORMULA, CheckKind.TIME_TO_LIMIT})
_USES: dict[CheckKind, frozenset[str]] = {
    CheckKind.PASS_FAIL: frozenset({"passed"}),
    CheckKind.MEASUREMENT: frozenset({"value", "unit"}),
    CheckKind.SENSORY: frozenset({"scores", "unit"}),
    CheckKind.FORMULA: frozenset({"readings", "unit"}),
    CheckKind.TIME_TO_LIMIT: frozenset({"series", "unit"}),
    CheckKind.RECORD: frozenset({"text"}),
    CheckKind.ATTACHMENT: frozenset({"attachment"}),
}


def _refuse(entry: CheckEntry, field: str, reason: str) -> InvalidInputError:
    return InvalidInputError.single(f"lot {entry.lot}", reason, field=f"{entry.check}.{field}")


def _given(entry: CheckEntry, name: str) -> bool:
    value = getattr(entry, name)
    return value not in (None, (), "")


def _check_shape(check: CheckDefinition, entry: CheckEntry) -> None:
    """Refuse fields that do not apply to the check's kind and a unit other than the check's."""
    uses = _USES[check.kind]
    extra = [name for name in _VALUE_FIELDS if name not in uses and _given(entry, name)]
    if extra:
        raise _refuse(
            entry, extra[0], f"{extra[0]} does not apply to a {check.kind.value} check ({check.name})"
        )
    expected = Unit.SCORE if check.kind == CheckKind.SENSORY else check.unit
    wanted = expected.value if expected is not None else "no unit"
    if entry.unit is not None and entry.unit != expected:
        raise _refuse(
            entry,
            "unit",
            f"value recorded in {entry.unit.value} but check {check.code} ({check.name}) is in {wanted}; "
            f"record it in {wanted} (no conversion is made)",
        )
    if entry.unit is None and check.kind in _NEEDS_UNIT:
        raise _refuse(entry, "unit", f"a unit is required ({wanted})")


def _outcome(
    check: CheckDefinition, passed: bool, detail: str, measured: float | None = None
) -> CheckOutcome:
    # Built without re-validation: every field comes from a validated definition and entry, and the
    # pipeline judges tens of thousands of entries (finite inputs give a finite measured value).
    return CheckOutcome.model_construct(
        check=check.code,
        passed=passed,
        critical=check.critical,
        mandatory=check.mandatory,
        measured=measured,
        detail=detail,
    )


def _fmt(value: float, unit: Unit | None) -> str:
    return f"{value:.4g} {unit.symbol}" if unit is not None else f"{value:.4g}"


def _pass_fail(check: CheckDefinition, entry: CheckEntry) -> CheckOutcome:
    if entry.passed is None:
        raise _refuse(entry, "passed", "a pass/fail check needs passed = true or false")
    return _outcome(check, entry.passed, "pass" if entry.passed else "fail")


def _measurement(check: CheckDefinition, entry: CheckEntry) -> CheckOutcome:
    if entry.value is None:
        raise _refuse(entry, "value", f"a measurement is required ({check.describe()})")
    limits = _limits(check)
    ok = limits.contains(entry.value)
    detail = f"{_fmt(entry.value, check.unit)} {'within' if ok else 'outside'} {check.describe()}"
    return _outcome(check, ok, detail, entry.value)


def _limits(check: CheckDefinition) -> Limits:
    assert check.limits is not None  # guaranteed by CheckDefinition's validator
    return check.limits


def _worst(readings: Sequence[float], limits: Limits) -> float:
    """The reading farthest outside the limits, or (all inside) the one closest to a limit."""
    low, high = limits.bounds
    inf = float("inf")

    def margin(x: float) -> float:
        return min(x - low if low is not None else inf, high - x if high is not None else inf)

    return min(readings, key=margin)


_AGGREGATES: dict[Aggregate, Callable[[Sequence[float]], float]] = {
    Aggregate.MEAN: statistics.fmean,
    Aggregate.MIN: min,
    Aggregate.MAX: max,
    Aggregate.RANGE: lambda xs: max(xs) - min(xs),
}


def _formula(check: CheckDefinition, entry: CheckEntry) -> CheckOutcome:
    if len(entry.readings) != check.readings:
        raise _refuse(
            entry, "readings", f"exactly {check.readings} readings are required, got {len(entry.readings)}"
        )
    limits = _limits(check)
    if check.aggregate == Aggregate.EACH:
        worst = _worst(entry.readings, limits)
        outside = [x for x in entry.readings if not limits.contains(x)]
        ok = not outside
        detail = (
            f"all {len(entry.readings)} readings within {limits.describe(check.unit)}"
            if ok
            else f"{len(outside)} of {len(entry.readings)} readings outside {limits.describe(check.unit)} "
            f"(worst {_fmt(worst, check.unit)})"
        )
        return _outcome(check, ok, detail, worst)
    assert check.aggregate is not None
    value = _AGGREGATES[check.aggregate](entry.readings)
    ok = limits.contains(value)
    detail = (
        f"{check.aggregate.value} of {len(entry.readings)} = {_fmt(value, check.unit)} "
        f"{'within' if ok else 'outside'} {limits.describe(check.unit)}"
    )
    return _outcome(check, ok, detail, value)


def _sensory(check: CheckDefinition, entry: CheckEntry) -> CheckOutcome:
    scores = entry.scores
    off = [s for s in scores if not check.scale_min <= s <= check.scale_max]
    if off:
        raise _refuse(entry, "scores", f"score {off[0]} is off the {check.scale_min}–{check.scale_max} scale")
    if len(scores) < check.min_panellists:
        raise _refuse(
            entry, "scores", f"at least {check.min_panellists} panellists are required, got {len(scores)}"
        )
    assert check.min_mean is not None and check.max_spread is not None
    mean = statistics.fmean(scores)
    spread = max(scores) - min(scores)
    mean_ok = mean >= check.min_mean - 1e-9
    spread_ok = spread <= check.max_spread + 1e-9
    detail = (
        f"mean {mean:.2f} {'≥' if mean_ok else '<'} {check.min_mean:g}, "
        f"spread {spread} {'≤' if spread_ok else '>'} {check.max_spread:g} ({len(scores)} panellists)"
    )
    return _outcome(check, mean_ok and spread_ok, detail, mean)


def _time_to_limit(check: CheckDefinition, entry: CheckEntry) -> CheckOutcome:
    if not entry.series:
        raise _refuse(entry, "series", "a time series of (hours, value) readings is required")
    hours = [p.hours for p in entry.series]
    if hours != sorted(set(hours)):
        raise _refuse(entry, "series", "series hours must be strictly increasing")
    limits = _limits(check)
    assert check.within_hours is not None
    reached = next((p.hours for p in entry.series if limits.contains(p.value)), None)
    target = limits.describe(check.unit)
    if reached is None:
        detail = f"{target} not reached by {hours[-1]:g} h (limit {check.within_hours:g} h)"
        return _outcome(check, False, detail, None)
    ok = reached <= check.within_hours + 1e-9
    detail = f"{target} reached at {reached:g} h ({'within' if ok else 'after'} {check.within_hours:g} h)"
    return _outcome(check, ok, detail, reached)


def _record(check: CheckDefinition, entry: CheckEntry) -> CheckOutcome:
    text = (entry.text or "").strip()
    if not text:
        raise _refuse(entry, "text", f"{check.name} must be recorded")
    if check.pattern is not None and re.fullmatch(check.pattern, text) is None:
        raise _refuse(entry, "text", f"{text!r} does not match the expected form {check.pattern!r}")
    return _outcome(check, True, f"recorded: {text}")


def _attachment(check: CheckDefinition, entry: CheckEntry) -> CheckOutcome:
    ref = (entry.attachment or "").strip()
    if not ref:
        raise _refuse(entry, "attachment", f"{check.name}: an attachment reference is required")
    return _outcome(check, True, f"attached: {ref}")


_JUDGES: dict[CheckKind, Callable[[CheckDefinition, CheckEntry], CheckOutcome]] = {
    CheckKind.PASS_FAIL: _pass_fail,
    CheckKind.MEASUREMENT: _measurement,
    CheckKind.SENSORY: _sensory,
    CheckKind.FORMULA: _formula,
    CheckKind.TIME_TO_LIMIT: _time_to_limit,
    CheckKind.RECORD: _record,
    CheckKind.ATTACHMENT: _attachment,
}


def evaluate_check(check: CheckDefinition, entry: CheckEntry) -> CheckOutcome:
    """Judge ``entry`` against ``check``: passed or failed, with the value judged and a one-line detail.

    Limits are inclusive (``600.5`` passes ``600 ± 0.5 mm``; ``75.0`` passes ``≥ 75 °C``). Sensory:
    pass when the mean score ≥ ``min_mean`` and the spread (max − min) ≤ ``max_spread``. Formula:
    the aggregate of exactly ``readings`` readings must be within the limits (``each``: every
    reading). Time to limit: the first reading within the limits must come at or before
    ``within_hours``.

    Raises :class:`~microfactory.errors.InvalidInputError` (``lot <code>:<check>.<field>``) when
    the entry names another check, lacks a field the kind needs, carries one it does not use, is in
    another unit (no conversion is made: °F for a °C check is refused), or has a sensory score off
    the scale.
    """
    if entry.check != check.code:
        raise _refuse(entry, "check", f"entry is for check {entry.check}, not {check.code}")
    _check_shape(check, entry)
    return _JUDGES[check.kind](check, entry)
