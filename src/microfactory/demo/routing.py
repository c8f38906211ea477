"""Small helpers to write demo routings and changeover matrices compactly."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from microfactory.domain import ChangeoverRule, RoutingStep


def step(
    sequence: int,
    name: str,
    resource_type: str,
    minutes_per_unit: float,
    minutes_per_batch: float = 0.0,
    *,
    setup: dict[str, str] | None = None,
    operators: int = 1,
    splittable: bool = False,
) -> RoutingStep:
    """One routing operation on a single resource type."""
    return RoutingStep(
        sequence=sequence,
        name=name,
        resource_types=(resource_type,),
        minutes_per_unit=minutes_per_unit,
        minutes_per_batch=minutes_per_batch,
        operators=operators,
        splittable=splittable,
        setup=dict(setup or {}),
    )


def changeover_matrix(
    resource_type: str,
    attribute: str,
    values: Sequence[str],
    minutes: Callable[[str, str], float],
) -> tuple[ChangeoverRule, ...]:
    """A rule for every ordered pair of distinct ``values``; ``minutes(from, to)`` gives the time.

    Pairs where ``minutes`` returns 0 are left out (no rule means no changeover).
    """
    rules: list[ChangeoverRule] = []
    for a in values:
        for b in values:
            if a == b:
                continue
            m = minutes(a, b)
            if m > 0:
                rules.append(
                    ChangeoverRule(
                        resource_type=resource_type, attribute=attribute, from_value=a, to_value=b, minutes=m
                    )
                )
    return tuple(rules)
