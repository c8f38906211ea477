"""Grade an item from a QA checklist: A, B, C or scrap, with the reason in words.

Grading reuses the quality machinery: a grading template is an ordinary versioned
:class:`~microfactory.domain.quality.ChecklistTemplate` shipped in ``quality/templates``
(``appliance-grading``, ``fitting-grading``, ``panel-grading``), each entry is judged by
:func:`microfactory.quality.evaluate_check`, and the grade follows from the template's own check
attributes, so a site changes grading by publishing a new template version, not by changing code:

* a failed **critical** check → ``scrap`` (unsafe or unsound: it must not be used again);
* else a failed **mandatory** check → ``C`` (works only after refurbishment);
* else a failed or unrecorded **optional** check → ``B`` (cosmetic: sells at a discount);
* every check recorded and passed → ``A``.

A mandatory check without an entry cannot be graded: the grading is refused, naming the check.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from microfactory.domain.circular import Grade, Grading, ItemKind
from microfactory.domain.quality import CheckEntry, CheckKind, ChecklistTemplate, CheckOutcome, Unit
from microfactory.errors import InvalidInputError
from microfactory.quality import evaluate_check, latest_versions

GRADING_TEMPLATES: Mapping[ItemKind, str] = {
    ItemKind.APPLIANCE: "appliance-grading",
    ItemKind.FITTING: "fitting-grading",
    ItemKind.PANEL: "panel-grading",
}
"""The grading template code used for each item kind."""


def grading_template(kind: ItemKind, templates: Sequence[ChecklistTemplate]) -> ChecklistTemplate:
    """The newest version of the grading template for ``kind`` among ``templates``.

    Raises :class:`InvalidInputError` when it is not among them.
    """
    code = GRADING_TEMPLATES[kind]
    template = latest_versions(templates).get(code)
    if template is None:
        raise InvalidInputError.single(
            f"template {code}", f"no grading template for {kind.value} items is published", field="code"
        )
    return template


def grade_from_checklist(
    item: str,
    template: ChecklistTemplate,
    entries: Sequence[CheckEntry],
    *,
    graded_by: str,
    graded_at: datetime,
    note: str = "",
) -> Grading:
    """Judge ``entries`` against ``template`` and derive the grade and its reason.

    Every entry must name ``item`` as its lot and a check of the template, once. Raises
    :class:`InvalidInputError` naming the item and the check for an entry that cannot be judged
    (wrong unit, missing value), an unknown or repeated check, and a mandatory check not recorded.
    """
    source = f"item {item}"
    seen: dict[str, CheckOutcome] = {}
    for entry in entries:
        if entry.lot != item:
            raise InvalidInputError.single(
                source, f"entry is for item {entry.lot}", field=f"{entry.check}.lot"
            )
        check = template.check(entry.check)
        if check is None:
            known = ", ".join(c.code for c in template.checks)
            raise InvalidInputError.single(
                source,
                f"{template.code} v{template.version} has no check {entry.check} (checks: {known})",
                field=entry.check,
            )
        if entry.check in seen:
            raise InvalidInputError.single(source, "check recorded twice", field=entry.check)
        seen[entry.check] = evaluate_check(check, entry)
    missing = [c.code for c in template.checks if c.mandatory and c.code not in seen]
    if missing:
        raise InvalidInputError.single(
            source, f"mandatory checks not recorded: {', '.join(missing)}", field=missing[0]
        )
    outcomes = tuple(seen[c.code] for c in template.checks if c.code in seen)
    critical = [o for o in outcomes if o.critical and not o.passed]
    mandatory = [o for o in outcomes if o.mandatory and not o.critical and not o.passed]
    optional = [o for o in outcomes if not o.mandatory and not o.passed]
    unrecorded = [c.code for c in template.checks if not c.mandatory and c.code not in seen]
    if critical:
        grade, failed = Grade.SCRAP, critical
    elif mandatory:
        grade, failed = Grade.C, mandatory
    elif optional or unrecorded:
        grade, failed = Grade.B, optional
    else:
        grade, failed = Grade.A, []
    reasons = [f"{o.check} failed ({o.detail})" for o in failed]
    reasons += [f"{code} not recorded" for code in unrecorded if grade is Grade.B]
    reason = "; ".join(reasons) if reasons else f"all {len(outcomes)} checks passed"
    if note.strip():
        reason = f"{reason}; {note.strip()}"
    return Grading(
        grade=grade,
        reason=reason,
        graded_at=graded_at,
        graded_by=graded_by,
        template=template.code,
        template_version=template.version,
        outcomes=outcomes,
    )


def parse_check_value(
    template: ChecklistTemplate, item: str, code: str, raw: str, *, recorded_by: str, recorded_at: datetime
) -> CheckEntry:
    """An entry for check ``code`` from text typed on the command line, in the check's own unit.

    Pass/fail: ``pass``/``fail`` (or yes/no, true/false); measurement: a number; formula: numbers
    separated by commas; sensory: integer scores separated by commas; record and attachment: the text.
    Raises :class:`InvalidInputError` naming the item and the check when the text does not fit.
    """
    source = f"item {item}"
    check = template.check(code)
    if check is None:
        known = ", ".join(c.code for c in template.checks)
        raise InvalidInputError.single(
            source, f"{template.code} v{template.version} has no check {code} (checks: {known})", field=code
        )
    base: dict[str, object] = {
        "lot": item,
        "check": code,
        "recorded_by": recorded_by,
        "recorded_at": recorded_at,
    }
    text = raw.strip()
    try:
        if check.kind is CheckKind.PASS_FAIL:
            flags = {"pass": True, "yes": True, "true": True, "fail": False, "no": False, "false": False}
            if text.lower() not in flags:
                raise ValueError(f"{text!r} is not pass or fail")
            return CheckEntry.model_validate({**base, "passed": flags[text.lower()]})
        if check.kind is CheckKind.MEASUREMENT:
            return CheckEntry.model_validate({**base, "value": float(text), "unit": check.unit})
        if check.kind is CheckKind.FORMULA:
            readings = tuple(float(x) for x in text.split(","))
            return CheckEntry.model_validate({**base, "readings": readings, "unit": check.unit})
        if check.kind is CheckKind.SENSORY:
            scores = tuple(int(x) for x in text.split(","))
            return CheckEntry.model_validate({**base, "scores": scores, "unit": Unit.SCORE})
        if check.kind is CheckKind.ATTACHMENT:
            return CheckEntry.model_validate({**base, "attachment": text})
        if check.kind is CheckKind.RECORD:
            return CheckEntry.model_validate({**base, "text": text})
    except ValueError as exc:
        raise InvalidInputError.single(source, f"cannot read {text!r}: {exc}", field=code) from exc
    raise InvalidInputError.single(source, f"{check.kind.value} checks cannot be typed in", field=code)
