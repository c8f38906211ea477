"""Quality and compliance engine: checklist evaluation, hold and release rules, lots, drift charts.

Pure functions over the domain's quality records (:mod:`microfactory.domain.quality`); the store
(:mod:`microfactory.store.lot_repository`, :mod:`~microfactory.store.qa_records`,
:mod:`~microfactory.store.traceability` and their siblings) persists lots, the audit log and traces,
and the ``quality`` plan stage runs it on the demo network. Typical use::

    outcome = evaluate_check(template.check("core_temperature"), entry)   # passed / failed, detail
    decision = release_decision(lot_code, template, outcomes, deviations)  # releasable? why not?
    drift = control_charts(observations)                                   # X̄/s charts, WE rules
"""

from microfactory.quality.catalogue import (
    latest_versions,
    load_template_files,
    parse_template,
    shipped_templates,
    template_for_family,
)
from microfactory.quality.checks import evaluate_check
from microfactory.quality.drift import (
    ChartPoint,
    ControlChart,
    DriftFlag,
    DriftResult,
    Observation,
    Rule,
    control_charts,
)
from microfactory.quality.lots import (
    ConfirmationPlan,
    ConfirmedRun,
    DeliveredLine,
    LotState,
    PlannedAllocation,
    lots_for_runs,
    plan_allocations,
    plan_confirmations,
    plan_input_lots,
)
from microfactory.quality.records import audit_csv, audit_html
from microfactory.quality.rules import (
    AllocationRefusedError,
    QualityRuleError,
    ReleaseDecision,
    ReleaseRefusedError,
    check_allocation,
    check_release,
    failed_critical,
    release_decision,
)
from microfactory.quality.trace import (
    RECALL_COLUMNS,
    Direction,
    Trace,
    TracedDelivery,
    TracedLot,
    recall_rows,
)

__all__ = [
    "RECALL_COLUMNS",
    "AllocationRefusedError",
    "ChartPoint",
    "ConfirmationPlan",
    "ConfirmedRun",
    "ControlChart",
    "DeliveredLine",
    "Direction",
    "DriftFlag",
    "DriftResult",
    "LotState",
    "Observation",
    "PlannedAllocation",
    "QualityRuleError",
    "ReleaseDecision",
    "ReleaseRefusedError",
    "Rule",
    "Trace",
    "TracedDelivery",
    "TracedLot",
    "audit_csv",
    "audit_html",
    "check_allocation",
    "check_release",
    "control_charts",
    "evaluate_check",
    "failed_critical",
    "latest_versions",
    "load_template_files",
    "lots_for_runs",
    "parse_template",
    "plan_allocations",
    "plan_confirmations",
    "plan_input_lots",
    "recall_rows",
    "release_decision",
    "shipped_templates",
    "template_for_family",
]
