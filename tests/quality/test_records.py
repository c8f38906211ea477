"""Audit exports: CSV and a printable, self-contained HTML record."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from microfactory.domain.quality import AuditAction, AuditEntry
from microfactory.quality import audit_csv, audit_html
from tests.quality.builders import T0

ENTRIES = [
    AuditEntry(
        id=1,
        at=T0,
        actor="A. Tester",
        action=AuditAction.CHECK,
        lot="L/R1/X/1",
        check="core",
        passed=False,
        summary="core: 7.9 °C outside ≥ 75 °C",
        detail={"entry": {"value": 7.9}},
    ),
    AuditEntry(
        id=2,
        at=T0,
        actor="system (automatic hold)",
        action=AuditAction.HOLD,
        lot="L/R1/X/1",
        summary="held: critical check(s) core failed",
    ),
    AuditEntry(
        id=3,
        at=T0 + timedelta(hours=1),
        actor="A. Tester",
        action=AuditAction.CORRECTION,
        lot="L/R1/X/1",
        check="core",
        passed=True,
        summary="core: 79 °C within ≥ 75 °C",
        corrects=1,
    ),
]


def test_csv_has_every_entry_with_who_when_what() -> None:
    """One row per entry; the correction names the entry it corrects; times are UTC."""
    rows = list(csv.DictReader(io.StringIO(audit_csv(ENTRIES))))
    assert [r["id"] for r in rows] == ["1", "2", "3"]
    assert rows[0]["at_utc"] == "2026-11-23T08:00:00+00:00" and rows[0]["passed"] == "fail"
    assert rows[2]["corrects"] == "1" and rows[2]["action"] == "correction"
    assert rows[0]["detail"] == '{"entry":{"value":7.9}}'


def test_html_record_is_self_contained_and_printable() -> None:
    """No scripts or external references; a print stylesheet, the facts and a sign-off block."""
    html = audit_html(ENTRIES, title="QA record <lot>", generated_at=T0, facts={"lot": "L/R1/X/1"})
    assert "<script" not in html and "http://" not in html and "https://" not in html
    assert "@media print" in html and "Inspected by" in html
    assert "QA record &lt;lot&gt;" in html and "lot: L/R1/X/1" in html
    assert "3 entries (1 check, 1 correction, 1 hold)" in html
    assert html.count("<tr class=") == 3 and "FAIL" in html
