"""Checklist templates in the store: every published ``(code, version)``, immutable once stored.

Functions take a ``Session`` and never commit (see :func:`microfactory.store.db.transaction`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from microfactory.domain.quality import ChecklistTemplate
from microfactory.errors import InvalidInputError
from microfactory.store.models import QaTemplateRow


def _hash(template: ChecklistTemplate) -> str:
    raw = json.dumps(template.model_dump(mode="json"), sort_keys=True).encode()
    return hashlib.sha256(raw).hexdigest()[:32]


def save_templates(session: Session, templates: Iterable[ChecklistTemplate]) -> int:
    """Store template versions not stored yet; returns how many were new.

    Raises :class:`~microfactory.errors.InvalidInputError` when ``(code, version)`` is already stored
    with different content: a published version never changes (publish a new version instead).
    """
    stored = {(r.code, r.version): r.content_hash for r in session.scalars(select(QaTemplateRow))}
    new = 0
    for t in templates:
        digest = _hash(t)
        if t.key in stored:
            if stored[t.key] != digest:
                raise InvalidInputError.single(
                    f"template {t.code}",
                    f"version {t.version} is already published with other content; publish version "
                    f"{max(v for c, v in stored if c == t.code) + 1} instead",
                    field="version",
                )
            continue
        definition = t.model_dump(mode="json")
        session.add(
            QaTemplateRow(
                code=t.code,
                version=t.version,
                name=t.name,
                definition=definition,
                content_hash=digest,
                created_at=datetime.now(UTC),
            )
        )
        stored[t.key] = digest
        new += 1
    session.flush()
    return new


def load_templates(session: Session) -> dict[tuple[str, int], ChecklistTemplate]:
    """Every stored template version by ``(code, version)``."""
    return {
        (r.code, r.version): ChecklistTemplate.model_validate(r.definition)
        for r in session.scalars(select(QaTemplateRow))
    }
