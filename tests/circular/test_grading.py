"""Grading from the shipped checklists: critical fail → scrap, mandatory → C, optional → B, all pass → A."""

from __future__ import annotations

import pytest

from microfactory.circular import GRADING_TEMPLATES, grade_from_checklist, grading_template, parse_check_value
from microfactory.domain.circular import Grade, ItemKind
from microfactory.domain.quality import CheckEntry, ChecklistTemplate
from microfactory.errors import InvalidInputError
from microfactory.quality import latest_versions, shipped_templates
from tests.circular.builders import T0

APPLIANCE_PASS = {
    "electrical_safety": "pass",
    "serial_plate": "NF123",
    "functional_test": "pass",
    "doors_and_seals": "pass",
    "cosmetic_condition": "5",
    "accessories_complete": "pass",
}


def template(kind: ItemKind = ItemKind.APPLIANCE) -> ChecklistTemplate:
    """The shipped grading template for ``kind``."""
    return grading_template(kind, shipped_templates())


def entries(
    values: dict[str, str], item: str = "OV-1", kind: ItemKind = ItemKind.APPLIANCE
) -> list[CheckEntry]:
    """Entries typed as on the command line."""
    t = template(kind)
    return [parse_check_value(t, item, c, v, recorded_by="G", recorded_at=T0) for c, v in values.items()]


def graded(values: dict[str, str], kind: ItemKind = ItemKind.APPLIANCE) -> tuple[Grade, str]:
    """Grade and reason for ``values``."""
    g = grade_from_checklist("OV-1", template(kind), entries(values, kind=kind), graded_by="G", graded_at=T0)
    return g.grade, g.reason


def test_every_item_kind_has_a_shipped_grading_template() -> None:
    """Appliance, fitting and panel grading templates ship with the QA templates, with no SKU family."""
    latest = latest_versions(shipped_templates())
    for kind, code in GRADING_TEMPLATES.items():
        assert code in latest, kind
        assert latest[code].families == ()
        assert any(c.critical for c in latest[code].checks)


def test_all_passed_is_a() -> None:
    """Every check recorded and passed: grade A, template and version recorded."""
    g = grade_from_checklist("OV-1", template(), entries(APPLIANCE_PASS), graded_by="G", graded_at=T0)
    assert g.grade is Grade.A and g.reason == "all 6 checks passed"
    assert (g.template, g.template_version) == ("appliance-grading", 1) and len(g.outcomes) == 6


def test_cosmetic_failure_or_missing_optional_is_b() -> None:
    """A cosmetic score under 4 or an unrecorded optional check gives B, naming why."""
    grade, reason = graded({**APPLIANCE_PASS, "cosmetic_condition": "3"})
    assert grade is Grade.B and reason.startswith("cosmetic_condition failed (3 score outside ≥ 4 score)")
    values = dict(APPLIANCE_PASS)
    del values["accessories_complete"]
    assert graded(values) == (Grade.B, "accessories_complete not recorded")


def test_functional_failure_is_c() -> None:
    """A failed mandatory check gives C even with cosmetic failures too."""
    grade, reason = graded({**APPLIANCE_PASS, "functional_test": "fail", "cosmetic_condition": "2"})
    assert grade is Grade.C and reason == "functional_test failed (fail)"


def test_critical_failure_is_scrap() -> None:
    """A failed PAT test makes the appliance scrap whatever else failed."""
    grade, reason = graded({**APPLIANCE_PASS, "electrical_safety": "fail", "functional_test": "fail"})
    assert grade is Grade.SCRAP and reason == "electrical_safety failed (fail)"


def test_panel_edge_damage_is_c_and_swollen_core_is_scrap() -> None:
    """Panels: edge damage over 5 mm needs trimming (C); a swollen core is scrap."""
    ok = {
        "sound_core": "pass",
        "bow_mm": "1.2",
        "edge_damage_mm": "2",
        "surface_finish": "pass",
        "finish_delta_e": "0.4",
    }
    assert graded(ok, ItemKind.PANEL)[0] is Grade.A
    assert graded({**ok, "edge_damage_mm": "7.5"}, ItemKind.PANEL) == (
        Grade.C,
        "edge_damage_mm failed (7.5 mm outside ≤ 5 mm)",
    )
    assert graded({**ok, "sound_core": "fail"}, ItemKind.PANEL)[0] is Grade.SCRAP


def test_missing_mandatory_check_refused() -> None:
    """Grading without every mandatory check is refused, naming the first missing one."""
    values = dict(APPLIANCE_PASS)
    del values["electrical_safety"]
    with pytest.raises(
        InvalidInputError, match=r"item OV-1:electrical_safety: mandatory checks not recorded"
    ):
        graded(values)


def test_bad_entries_refused() -> None:
    """Unknown checks, repeated checks, unreadable values and entries for another item are refused."""
    with pytest.raises(InvalidInputError, match="has no check colour"):
        entries({"colour": "pass"})
    with pytest.raises(InvalidInputError, match=r"item OV-1:cosmetic_condition: cannot read 'nice'"):
        entries({"cosmetic_condition": "nice"})
    with pytest.raises(InvalidInputError, match="is not pass or fail"):
        entries({"functional_test": "maybe"})
    twice = entries(APPLIANCE_PASS) + entries({"functional_test": "pass"})
    with pytest.raises(InvalidInputError, match="check recorded twice"):
        grade_from_checklist("OV-1", template(), twice, graded_by="G", graded_at=T0)
    other = entries(APPLIANCE_PASS, item="OV-2")
    with pytest.raises(InvalidInputError, match="entry is for item OV-2"):
        grade_from_checklist("OV-1", template(), other, graded_by="G", graded_at=T0)


def test_note_is_added_to_the_reason() -> None:
    """A grader's note is appended to the derived reason."""
    g = grade_from_checklist(
        "OV-1", template(), entries(APPLIANCE_PASS), graded_by="G", graded_at=T0, note="boxed"
    )
    assert g.reason == "all 6 checks passed; boxed"
