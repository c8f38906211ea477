"""The checklist templates shipped as data (``quality/templates/*.toml``) and how to read them.

Each file holds one template version; the file name is ``<code>-v<version>.toml``. Templates are
data, not code: a site adds or revises a checklist by adding a file (a new version), never by
editing one already in use.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Sequence
from importlib.resources import files
from pathlib import Path

from pydantic import ValidationError

from microfactory.domain.quality import ChecklistTemplate
from microfactory.errors import ErrorLocation, InputIssue, InvalidInputError

TEMPLATE_PACKAGE = "microfactory.quality"
TEMPLATE_FOLDER = "templates"


def parse_template(text: str, *, source: str) -> ChecklistTemplate:
    """Parse one template from TOML text.

    Raises :class:`~microfactory.errors.InvalidInputError` naming ``source`` and the field when the
    TOML is malformed or the template does not validate (unknown unit, HACCP step naming a check that
    is not critical, repeated check codes...).
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInputError.single(source, f"not valid TOML: {exc}") from exc
    try:
        return ChecklistTemplate.model_validate(data)
    except ValidationError as exc:
        issues = [
            InputIssue(ErrorLocation(source, field=".".join(str(p) for p in err["loc"]) or None), err["msg"])
            for err in exc.errors()
        ]
        raise InvalidInputError(issues) from exc


def load_template_files(paths: Iterable[Path]) -> list[ChecklistTemplate]:
    """Parse the template files at ``paths``; sorted by (code, version); repeated versions refused."""
    templates = [parse_template(p.read_text(encoding="utf-8"), source=str(p)) for p in paths]
    return _checked(templates)


def shipped_templates() -> list[ChecklistTemplate]:
    """Every template version shipped with the package, sorted by (code, version)."""
    folder = files(TEMPLATE_PACKAGE) / TEMPLATE_FOLDER
    entries = sorted((e for e in folder.iterdir() if e.name.endswith(".toml")), key=lambda e: e.name)
    return _checked([parse_template(e.read_text(encoding="utf-8"), source=e.name) for e in entries])


def latest_versions(templates: Sequence[ChecklistTemplate]) -> dict[str, ChecklistTemplate]:
    """The newest version of each template code."""
    latest: dict[str, ChecklistTemplate] = {}
    for t in sorted(templates, key=lambda t: t.key):
        latest[t.code] = t
    return latest


def template_for_family(templates: Sequence[ChecklistTemplate]) -> dict[str, ChecklistTemplate]:
    """SKU family code → the newest template version that applies to it.

    Raises :class:`~microfactory.errors.InvalidInputError` when two templates claim one family.
    """
    by_family: dict[str, ChecklistTemplate] = {}
    for template in latest_versions(templates).values():
        for family in template.families:
            other = by_family.get(family)
            if other is not None:
                raise InvalidInputError.single(
                    f"template {template.code}",
                    f"family {family} is already checked by template {other.code}",
                    field="families",
                )
            by_family[family] = template
    return by_family


def _checked(templates: list[ChecklistTemplate]) -> list[ChecklistTemplate]:
    keys = [t.key for t in templates]
    repeated = sorted({k for k in keys if keys.count(k) > 1})
    if repeated:
        code, version = repeated[0]
        raise InvalidInputError.single(
            f"template {code}", f"version {version} is defined twice", field="version"
        )
    return sorted(templates, key=lambda t: t.key)
