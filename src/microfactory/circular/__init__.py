"""Second-life engine: items taken back, graded, refurbished and disposed of, and what it achieved.

Pure functions over :mod:`microfactory.domain.circular` records; the store
(:mod:`microfactory.store.circular_repository`) keeps items and their append-only history, the
``second_life`` stage runs a seeded quarter of activity on the demo network, and
``microfactory second-life`` is the command line. Typical use::

    state, event = take_in(None, item, actor="Goods-in")          # intake
    grading = grade_from_checklist(item.item, template, entries, graded_by=..., graded_at=...)
    state, event = grade(state, item.item, grading)               # A / B / C / scrap, with reason
    state, event = dispose(state, item.item, disposition)         # resell, reuse, donate, recycle, landfill
    kpis = second_life_kpis(states, load_material_factors())      # reclamation rates, CO2e avoided

Offcut matching against cut lists lives beside it (``offcuts`` / ``packing`` modules).
"""

from microfactory.circular.factors import (
    MaterialFactor,
    MaterialFactors,
    load_material_factors,
    parse_factors,
)
from microfactory.circular.grading import (
    GRADING_TEMPLATES,
    grade_from_checklist,
    grading_template,
    parse_check_value,
)
from microfactory.circular.kpis import (
    LABOUR_PENCE_PER_HOUR,
    KpiRow,
    SecondLifeKpis,
    intake_month,
    kpi_trends,
    second_life_kpis,
)
from microfactory.circular.lifecycle import (
    SCRAP_CHANNELS,
    build_item,
    dispose,
    grade,
    refurbish,
    replay,
    take_in,
    validation_error,
)

__all__ = [
    "GRADING_TEMPLATES",
    "LABOUR_PENCE_PER_HOUR",
    "SCRAP_CHANNELS",
    "KpiRow",
    "MaterialFactor",
    "MaterialFactors",
    "SecondLifeKpis",
    "build_item",
    "dispose",
    "grade",
    "grade_from_checklist",
    "grading_template",
    "intake_month",
    "kpi_trends",
    "load_material_factors",
    "parse_check_value",
    "parse_factors",
    "refurbish",
    "replay",
    "second_life_kpis",
    "take_in",
    "validation_error",
]
