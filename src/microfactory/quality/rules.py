"""Hold, release and allocation rules: pure decisions over a lot's recorded outcomes.

* **Hold**: a failed critical check puts the lot on hold, automatically and at once.
* **Release**: every mandatory check must have passed (its latest result), or be covered by a
  recorded deviation with a corrective action and an approver. A critical check that ever failed
  needs a deviation even when a re-test passed later (HACCP principle 5: a corrective action is
  recorded for every deviation from a critical limit); only a *correction* of a mistyped entry takes a
  failure back.
* **Allocation**: only released lots may be allocated to a delivery or a transfer, and never more
  than the lot holds.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from microfactory.domain.quality import ChecklistTemplate, CheckOutcome, Deviation, LotStatus
from microfactory.errors import MicrofactoryError


class QualityRuleError(MicrofactoryError):
    """A QA rule refused an action (release, allocation); the message names the lot and the rule."""


class ReleaseRefusedError(QualityRuleError):
    """A lot cannot be released yet."""


class AllocationRefusedError(QualityRuleError):
    """A lot cannot be allocated: not released, or not enough left."""


def failed_critical(outcomes: Iterable[CheckOutcome]) -> tuple[str, ...]:
    """Codes of critical checks that failed in ``outcomes`` (in order, once each): the hold rule."""
    seen: dict[str, None] = {}
    for o in outcomes:
        if o.critical and not o.passed:
            seen.setdefault(o.check)
    return tuple(seen)


@dataclass(frozen=True, slots=True)
class ReleaseDecision:
    """Whether a lot may be released, and if not, which checks stand in the way and why."""

    lot: str
    missing: tuple[str, ...] = ()
    """Mandatory checks with no result and no deviation."""
    failed: tuple[str, ...] = ()
    """Mandatory checks whose latest result failed and no deviation covers."""
    needs_deviation: tuple[str, ...] = ()
    """Critical checks that failed earlier (re-test passed) and no deviation covers."""
    covered: tuple[str, ...] = ()
    """Checks a deviation covers."""

    @property
    def releasable(self) -> bool:
        """True when nothing stands in the way."""
        return not (self.missing or self.failed or self.needs_deviation)

    def explain(self) -> str:
        """One line naming every obstacle, or ``releasable``."""
        if self.releasable:
            return "releasable" + (f" (deviation covers {', '.join(self.covered)})" if self.covered else "")
        parts = []
        if self.missing:
            parts.append(f"no result for mandatory check(s) {', '.join(self.missing)}")
        if self.failed:
            parts.append(f"check(s) {', '.join(self.failed)} failed")
        if self.needs_deviation:
            parts.append(f"critical check(s) {', '.join(self.needs_deviation)} failed earlier")
        return (
            "; ".join(parts) + ": record a passing result or a deviation with corrective action and approver"
        )


def release_decision(
    lot: str,
    template: ChecklistTemplate | None,
    outcomes: Sequence[CheckOutcome],
    deviations: Sequence[Deviation] = (),
) -> ReleaseDecision:
    """Decide whether lot ``lot`` may be released.

    ``outcomes`` are the lot's results in the order recorded, without superseded (corrected)
    entries; the last per check counts. A lot without a template has nothing to check and is
    releasable.
    """
    if template is None:
        return ReleaseDecision(lot)
    latest = {o.check: o for o in outcomes}
    covered = {c for d in deviations for c in d.checks}
    ever_failed = set(failed_critical(outcomes))
    missing, failed, needs = [], [], []
    for code in template.mandatory:
        if code in covered:
            continue
        outcome = latest.get(code)
        if outcome is None:
            missing.append(code)
        elif not outcome.passed:
            failed.append(code)
        elif code in ever_failed:
            needs.append(code)
    return ReleaseDecision(
        lot,
        missing=tuple(missing),
        failed=tuple(failed),
        needs_deviation=tuple(needs),
        covered=tuple(c for c in template.mandatory if c in covered),
    )


def check_release(decision: ReleaseDecision, status: LotStatus) -> None:
    """Raise :class:`ReleaseRefusedError` unless the lot can move to released now."""
    if status == LotStatus.RELEASED:
        raise ReleaseRefusedError(f"lot {decision.lot} is already released")
    if not decision.releasable:
        raise ReleaseRefusedError(f"lot {decision.lot} cannot be released: {decision.explain()}")


def check_allocation(
    lot: str, status: LotStatus | str, lot_quantity: int, allocated: int, quantity: int, *, target: str
) -> None:
    """Raise :class:`AllocationRefusedError` unless ``quantity`` units of lot ``lot`` may go to ``target``.

    ``allocated`` is what the lot already gave to deliveries and transfers (units). Held and pending
    (unreleased) lots are refused whatever the quantity; so is a quantity ≤ 0 or above what is left.
    """
    status = LotStatus(status)
    if status != LotStatus.RELEASED:
        why = "on hold" if status == LotStatus.HELD else "not released yet"
        raise AllocationRefusedError(f"lot {lot} is {why}: it cannot be allocated to {target}")
    if quantity <= 0:
        raise AllocationRefusedError(f"lot {lot}: quantity must be positive, got {quantity}")
    left = lot_quantity - allocated
    if quantity > left:
        raise AllocationRefusedError(
            f"lot {lot}: cannot allocate {quantity} to {target}: only {left} of {lot_quantity} left"
        )
