"""The shipped checklist templates: present, valid, versioned; malformed templates refused by name."""

from __future__ import annotations

from pathlib import Path

import pytest

from microfactory.domain.quality import CheckKind, Unit
from microfactory.errors import InvalidInputError
from microfactory.quality import (
    latest_versions,
    load_template_files,
    parse_template,
    shipped_templates,
    template_for_family,
)
from tests.quality.builders import tiny_template


def test_every_required_template_is_shipped() -> None:
    """Cabinet carcass, finish QA, cooked savoury bar, fermented condiment and chilled snack."""
    latest = latest_versions(shipped_templates())
    assert set(latest) >= {
        "cabinet-carcass",
        "finish-qa",
        "cooked-savoury-bar",
        "fermented-condiment",
        "chilled-snack",
    }
    assert latest["finish-qa"].version == 2
    for code in ("cooked-savoury-bar", "fermented-condiment", "chilled-snack"):
        assert latest[code].haccp is not None, f"{code} has no HACCP plan"


def test_fermented_condiment_checks_acidification_culture_and_salt() -> None:
    """pH ≤ 4.6 within 72 h (critical), vessel at 18–24 °C, starter-culture lot recorded, salt %."""
    t = latest_versions(shipped_templates())["fermented-condiment"]
    acid, temp, culture, salt = (
        t.check(c) for c in ("acidification", "ferment_temperature", "starter_culture_lot", "salt_percent")
    )
    assert acid is not None and acid.kind == CheckKind.TIME_TO_LIMIT and acid.critical
    assert acid.limits is not None and acid.limits.bounds == (None, 4.6) and acid.within_hours == 72.0
    assert temp is not None and temp.unit == Unit.CELSIUS and temp.limits is not None
    assert temp.limits.bounds == (18.0, 24.0)
    assert culture is not None and culture.kind == CheckKind.RECORD and culture.mandatory
    assert salt is not None and salt.unit == Unit.PERCENT


def test_carcass_and_food_limits() -> None:
    """Carcass dimensions ±0.5 mm; bars cooked ≥ 75 °C and chilled ≤ 5 °C; gloss in GU."""
    latest = latest_versions(shipped_templates())
    width = latest["cabinet-carcass"].check("width_deviation")
    assert width is not None and width.limits is not None and width.limits.bounds == (-0.5, 0.5)
    bar = latest["cooked-savoury-bar"]
    core, chill = bar.check("core_temperature"), bar.check("chill_temperature")
    assert (
        core is not None and core.critical and core.limits is not None and core.limits.bounds == (75.0, None)
    )
    assert (
        chill is not None
        and chill.critical
        and chill.limits is not None
        and chill.limits.bounds == (None, 5.0)
    )
    gloss = latest["finish-qa"].check("gloss_60")
    assert gloss is not None and gloss.unit == Unit.GLOSS_UNIT and gloss.readings == 5


def test_haccp_steps_name_critical_checks() -> None:
    """Every HACCP step that names a check names a critical check of its template."""
    for t in shipped_templates():
        for step in t.haccp.steps if t.haccp else ():
            assert step.responsible_role and step.corrective_action and step.frequency
            if step.check is not None:
                found = t.check(step.check)
                assert found is not None and found.critical


def test_families_map_to_one_template_each() -> None:
    """Each family is checked by the newest version of exactly one template."""
    by_family = template_for_family(shipped_templates())
    assert by_family["KIT-DOORS"].key == ("finish-qa", 2)
    assert by_family["FOOD-CONDIMENTS"].code == "fermented-condiment"
    clash = tiny_template().model_copy(update={"code": "other", "families": ("KIT-DOORS",)})
    with pytest.raises(InvalidInputError, match="already checked"):
        template_for_family([*shipped_templates(), clash])


def test_bad_template_files_are_refused_naming_file_and_field(tmp_path: Path) -> None:
    """An unknown unit and a HACCP step naming a non-critical check are refused with the file name."""
    bad_unit = tmp_path / "bad-v1.toml"
    bad_unit.write_text(
        'code = "bad"\nversion = 1\nname = "Bad"\n[[checks]]\ncode = "t"\nname = "T"\n'
        'kind = "measurement"\nunit = "kelvin"\nlimits = { minimum = 1.0 }\n',
        encoding="utf-8",
    )
    with pytest.raises(InvalidInputError, match=r"bad-v1\.toml:checks\.0\.unit"):
        load_template_files([bad_unit])
    text = (
        'code = "bad"\nversion = 1\nname = "Bad"\n[[checks]]\ncode = "t"\nname = "T"\nkind = "pass_fail"\n'
        '[haccp]\ncode = "h"\ntitle = "H"\n[[haccp.steps]]\nstep = "S"\nhazard = "H"\n'
        'hazard_kind = "physical"\n'
        'control_measure = "C"\ncritical_limit = "L"\ncheck = "t"\nmonitoring = "M"\nfrequency = "F"\n'
        'responsible_role = "R"\ncorrective_action = "A"\n'
    )
    with pytest.raises(InvalidInputError, match="not a critical check"):
        parse_template(text, source="h.toml")
    with pytest.raises(InvalidInputError, match="not valid TOML"):
        parse_template("code = ", source="broken.toml")


def test_a_version_defined_twice_is_refused(tmp_path: Path) -> None:
    """Two files may not define the same code and version."""
    text = 'code = "x"\nversion = 1\nname = "X"\n[[checks]]\ncode = "t"\nname = "T"\nkind = "pass_fail"\n'
    for name in ("a.toml", "b.toml"):
        (tmp_path / name).write_text(text, encoding="utf-8")
    with pytest.raises(InvalidInputError, match="defined twice"):
        load_template_files(sorted(tmp_path.iterdir()))
