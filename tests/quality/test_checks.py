"""Checklist evaluation, checked by hand: limits, formulas, sensory panels, time to limit, refusals."""

from __future__ import annotations

from typing import Any

import pytest

from microfactory.domain.quality import CheckDefinition, CheckEntry
from microfactory.errors import InvalidInputError
from microfactory.quality import evaluate_check
from tests.quality.builders import entry, tiny_template

LOT = "LON-MF/R1/DOOR-GRAPHITE/1"


def check(code: str) -> CheckDefinition:
    """A check of the tiny template."""
    found = tiny_template().check(code)
    assert found is not None
    return found


def judge(definition: CheckDefinition | str, **values: Any) -> tuple[bool, float | None, str]:
    """Evaluate one entry; return (passed, measured, detail)."""
    d = check(definition) if isinstance(definition, str) else definition
    outcome = evaluate_check(d, entry(LOT, d.code, **values))
    return outcome.passed, outcome.measured, outcome.detail


def define(**fields: Any) -> CheckDefinition:
    """A check definition from its fields (code ``c``, name ``C``)."""
    return CheckDefinition.model_validate({"code": "c", "name": "C", **fields})


CARCASS = define(kind="measurement", unit="mm", limits={"target": 600.0, "tolerance": 0.5})


@pytest.mark.parametrize(
    ("value", "passed"),
    [(600.0, True), (600.5, True), (599.5, True), (600.51, False), (599.49, False), (601.0, False)],
)
def test_carcass_dimension_tolerance_is_inclusive(value: float, passed: bool) -> None:
    """600 ± 0.5 mm: both boundaries pass (despite binary rounding), a hundredth beyond fails."""
    assert judge(CARCASS, value=value, unit="mm")[0] is passed


@pytest.mark.parametrize(("value", "passed"), [(75.0, True), (74.99, False), (82.3, True)])
def test_core_temperature_minimum(value: float, passed: bool) -> None:
    """Core ≥ 75 °C: 75.0 passes, 74.99 fails."""
    assert judge("core", value=value, unit="degC") == (
        passed,
        value,
        f"{value:.4g} °C {'within' if passed else 'outside'} ≥ 75 °C",
    )


@pytest.mark.parametrize(("value", "passed"), [(5.0, True), (5.01, False), (-1.0, True)])
def test_chilled_maximum(value: float, passed: bool) -> None:
    """Chilled ≤ 5 °C."""
    chilled = define(kind="measurement", unit="degC", limits={"maximum": 5.0}, critical=True)
    assert judge(chilled, value=value, unit="degC")[0] is passed


def test_formula_mean_of_readings() -> None:
    """Mean of 3 ≥ 100 g: (101 + 100 + 99.5) / 3 = 100.17 passes; (100 + 100 + 99.9) / 3 = 99.97 fails."""
    passed, measured, detail = judge("weight", readings=(101.0, 100.0, 99.5), unit="g")
    assert passed and measured == pytest.approx(100.1667, abs=1e-4) and "mean of 3 = 100.2 g" in detail
    assert judge("weight", readings=(100.0, 100.0, 99.9), unit="g")[0] is False
    assert judge("weight", readings=(100.0, 100.0, 100.0), unit="g")[0] is True


def test_formula_each_reading_and_range() -> None:
    """Each of 5 within 60–120 µm (worst reading reported); range of 4 ≤ 1.0 mm."""
    film = define(
        kind="formula", unit="um", readings=5, aggregate="each", limits={"minimum": 60, "maximum": 120}
    )
    assert judge(film, readings=(60.0, 120.0, 85.0, 90.0, 61.0), unit="um")[0] is True
    passed, worst, detail = judge(film, readings=(59.9, 120.0, 85.0, 90.0, 61.0), unit="um")
    assert not passed and worst == 59.9 and "1 of 5 readings outside" in detail
    spread = define(kind="formula", unit="mm", readings=4, aggregate="range", limits={"maximum": 1.0})
    assert judge(spread, readings=(1.0, 2.0, 1.5, 1.2), unit="mm") == (
        True,
        1.0,
        "range of 4 = 1 mm within ≤ 1 mm",
    )
    assert judge(spread, readings=(1.0, 2.1, 1.5, 1.2), unit="mm")[0] is False


@pytest.mark.parametrize(
    ("scores", "passed", "mean"),
    [
        ((7, 6, 8), True, 7.0),  # mean 7 ≥ 6, spread 2 ≤ 3
        ((6, 6, 6), True, 6.0),  # mean exactly 6
        ((9, 6, 6), True, 7.0),  # spread exactly 3
        ((9, 5, 6), False, 20 / 3),  # spread 4 > 3 although the mean is fine
        ((5, 6, 6), False, 17 / 3),  # mean 5.67 < 6
    ],
)
def test_sensory_mean_and_spread(scores: tuple[int, ...], passed: bool, mean: float) -> None:
    """Sensory panel on 1–9: minimum mean 6 and maximum spread 3 across panellists."""
    result = judge("taste", scores=scores)
    assert result[0] is passed and result[1] == pytest.approx(mean)


def test_sensory_scores_off_the_scale_or_too_few_panellists_are_refused() -> None:
    """A 10 on a 1–9 scale and a two-person panel cannot be judged."""
    with pytest.raises(InvalidInputError, match=r"taste\.scores: score 10 is off the 1–9 scale"):
        judge("taste", scores=(7, 10, 8))
    with pytest.raises(InvalidInputError, match="at least 3 panellists"):
        judge("taste", scores=(7, 8))


@pytest.mark.parametrize(
    ("series", "passed", "hours"),
    [
        ([(0, 6.2), (24, 5.1), (48, 4.4)], True, 48.0),
        ([(0, 6.2), (72, 4.6)], True, 72.0),  # exactly at the limit, exactly on time
        ([(0, 6.2), (72, 4.7), (84, 4.5)], False, 84.0),
        ([(0, 6.2), (96, 4.8)], False, None),
    ],
)
def test_ph_reached_within_the_time_limit(
    series: list[tuple[float, float]], passed: bool, hours: float | None
) -> None:
    """pH ≤ 4.6 within 72 h: the first reading at or below 4.6 must come by 72 h."""
    points = [{"hours": h, "value": v} for h, v in series]
    result = judge("acid", series=points, unit="pH")
    assert result[:2] == (passed, hours)


def test_unsorted_series_is_refused() -> None:
    """Series hours must increase."""
    with pytest.raises(InvalidInputError, match=r"acid\.series"):
        judge("acid", series=[{"hours": 24, "value": 5.0}, {"hours": 0, "value": 6.2}], unit="pH")


def test_value_in_the_wrong_unit_is_refused_naming_lot_check_and_field() -> None:
    """°F for a °C check is refused (no silent conversion); the message names lot, check and field."""
    with pytest.raises(InvalidInputError) as caught:
        judge("core", value=167.0, unit="degF")
    message = str(caught.value)
    assert message.startswith(f"lot {LOT}:core.unit:")
    assert "degF" in message and "degC" in message


def test_missing_unit_missing_value_and_extra_fields_are_refused() -> None:
    """A measurement needs its value and unit; a pass/fail check takes no value."""
    with pytest.raises(InvalidInputError, match=r"core\.unit"):
        judge("core", value=80.0)
    with pytest.raises(InvalidInputError, match=r"core\.value"):
        judge("core", unit="degC")
    with pytest.raises(InvalidInputError, match=r"label\.value: value does not apply"):
        judge("label", passed=True, value=1.0)
    with pytest.raises(InvalidInputError, match=r"label\.passed"):
        judge("label")


def test_record_and_attachment() -> None:
    """A record needs text (matching its pattern when it has one); an attachment needs a reference."""
    assert judge("culture", text="LON-MF/GRN1/STARTER/1")[0] is True
    with pytest.raises(InvalidInputError, match=r"culture\.text"):
        judge("culture", text="  ")
    patterned = define(kind="record", pattern=r"[A-Z]+-\d+")
    assert judge(patterned, text="LAB-12")[0] is True
    with pytest.raises(InvalidInputError, match="does not match"):
        judge(patterned, text="lab 12")
    assert judge("photo", attachment="qa/p1.jpg") == (True, None, "attached: qa/p1.jpg")
    with pytest.raises(InvalidInputError, match=r"photo\.attachment"):
        judge("photo")


def test_entry_for_another_check_is_refused() -> None:
    """Evaluating an entry against the wrong definition is a programming error made visible."""
    with pytest.raises(InvalidInputError, match="not core"):
        evaluate_check(
            check("core"), CheckEntry.model_validate({**entry(LOT, "label").model_dump(), "passed": True})
        )


def test_definitions_are_validated() -> None:
    """A measurement without limits, an optional critical check and an empty scale are refused."""
    with pytest.raises(ValueError, match="needs limits"):
        define(kind="measurement", unit="mm")
    with pytest.raises(ValueError, match="always mandatory"):
        define(kind="pass_fail", critical=True, mandatory=False)
    with pytest.raises(ValueError, match="empty"):
        define(kind="measurement", unit="mm", limits={"minimum": 2, "maximum": 1})
    with pytest.raises(ValueError, match="outside the scale"):
        define(kind="sensory", min_mean=12, max_spread=3)


def test_unknown_unit_is_refused_on_entry() -> None:
    """A unit the product does not know is refused before any check is judged."""
    with pytest.raises(ValueError, match="unit"):
        entry(LOT, "core", value=80.0, unit="kelvin")
