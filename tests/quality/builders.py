"""Small hand-built quality records shared by the quality tests.

``tiny_template`` has one check of every kind, with limits easy to check by hand: core temperature
≥ 75 °C (critical), weight mean of 3 ≥ 100 g, taste 1–9 with mean ≥ 6 and spread ≤ 3, a label
pass/fail (critical), pH ≤ 4.6 within 72 h, the culture lot recorded, and an optional photo.
Lots are of the door SKUs of ``tests.store.factories`` so they can be allocated to its orders.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from microfactory.domain.quality import CheckEntry, ChecklistTemplate, Deviation, Lot, LotKind

T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
SITE = "LON-MF"
SKU = "DOOR-GRAPHITE"


def tiny_template(version: int = 1, **changes: Any) -> ChecklistTemplate:
    """The test template (see the module docstring); ``changes`` override top-level fields."""
    data: dict[str, Any] = {
        "code": "tiny",
        "version": version,
        "name": "Tiny checklist",
        "families": ["DOORS"],
        "checks": [
            {
                "code": "core",
                "name": "Core temperature",
                "kind": "measurement",
                "critical": True,
                "unit": "degC",
                "limits": {"minimum": 75.0},
            },
            {
                "code": "weight",
                "name": "Weight, mean of 3",
                "kind": "formula",
                "unit": "g",
                "readings": 3,
                "aggregate": "mean",
                "limits": {"minimum": 100.0},
            },
            {"code": "taste", "name": "Taste panel", "kind": "sensory", "min_mean": 6.0, "max_spread": 3.0},
            {"code": "label", "name": "Allergen label", "kind": "pass_fail", "critical": True},
            {
                "code": "acid",
                "name": "pH 4.6 within 72 h",
                "kind": "time_to_limit",
                "unit": "pH",
                "limits": {"maximum": 4.6},
                "within_hours": 72.0,
            },
            {"code": "culture", "name": "Culture lot", "kind": "record"},
            {"code": "photo", "name": "Photo", "kind": "attachment", "mandatory": False},
        ],
        "haccp": {
            "code": "haccp-tiny",
            "title": "Tiny HACCP",
            "steps": [
                {
                    "step": "Cook",
                    "hazard": "Pathogens survive",
                    "hazard_kind": "biological",
                    "control_measure": "Cook",
                    "critical_limit": "core ≥ 75 °C",
                    "check": "core",
                    "monitoring": "Probe",
                    "frequency": "Every batch",
                    "responsible_role": "Cook",
                    "corrective_action": "Cook longer",
                },
            ],
        },
    }
    data.update(changes)
    return ChecklistTemplate.model_validate(data)


def lot(
    run: str = "R1",
    *,
    sku: str = SKU,
    quantity: int = 10,
    kind: LotKind = LotKind.PRODUCT,
    template: bool = True,
    sequence: int = 1,
) -> Lot:
    """A lot at ``SITE``; checked against ``tiny`` v1 unless ``template`` is false."""
    return Lot(
        site=SITE,
        run_code=run,
        sku=sku,
        sequence=sequence,
        kind=kind,
        quantity=quantity,
        produced_at=T0,
        template="tiny" if template else None,
        template_version=1 if template else None,
    )


def entry(lot_code: str, check: str, **values: Any) -> CheckEntry:
    """An entry by ``A. Tester`` an hour after ``T0``."""
    return CheckEntry.model_validate(
        {
            "lot": lot_code,
            "check": check,
            "recorded_by": "A. Tester",
            "recorded_at": T0 + timedelta(hours=1),
            **values,
        }
    )


def passing_entries(lot_code: str) -> list[CheckEntry]:
    """One passing entry for every mandatory check of ``tiny``."""
    return [
        entry(lot_code, "core", value=80.0, unit="degC"),
        entry(lot_code, "weight", readings=(101.0, 100.0, 99.5), unit="g"),
        entry(lot_code, "taste", scores=(7, 6, 8)),
        entry(lot_code, "label", passed=True),
        entry(lot_code, "acid", series=[{"hours": 0, "value": 6.2}, {"hours": 48, "value": 4.4}], unit="pH"),
        entry(lot_code, "culture", text="LON-MF/GRN1/STARTER/1"),
    ]


def deviation(lot_code: str, checks: tuple[str, ...]) -> Deviation:
    """A deviation raised by the QA lead and approved by the head of quality."""
    return Deviation(
        lot=lot_code,
        checks=checks,
        description="Core 72 °C on the first probe",
        corrective_action="Re-baked to 81 °C; oven thermostat recalibrated",
        raised_by="B. Lead",
        approved_by="C. Head",
        at=T0 + timedelta(hours=3),
    )


def seed_graph(session: Any) -> dict[str, str]:
    """A small traceability graph in the database, every product lot released and allocated.

    ::

        M1 (board) ──► P1 (DOOR-GRAPHITE, 10) ──► orders 1, 2 (line 1, 2 units each)
             │        ▲
             │   C1 (culture)
             └──────► P2 (DOOR-GRAPHITE, 5) ──► order 3 (line 1, 2 units)
                               └──► K1 (DOOR-WHITE, 3) ──► order 4 (line 2, 1 unit)

    Orders 1 and 3 belong to customer C-001, orders 2 and 4 are guests in E1. Returns the codes.
    """
    from microfactory.domain.quality import LotInput
    from microfactory.store import (
        allocate_lot_to_order,
        create_lots,
        link_lot_inputs,
        record_checks,
        release_lots,
        save_master_data,
        save_templates,
        upsert_orders,
    )
    from tests.store.factories import master_data, order

    save_master_data(session, master_data())
    upsert_orders(session, [order(n) for n in range(1, 5)])
    save_templates(session, [tiny_template()])
    lots = {
        "M1": lot("GRN1", sku="BOARD", kind=LotKind.MATERIAL, template=False),
        "C1": lot("GRN1", sku="CULTURE", kind=LotKind.STARTER_CULTURE, template=False),
        "P1": lot("R1", quantity=10),
        "P2": lot("R2", quantity=5),
        "K1": lot("R4", sku="DOOR-WHITE", quantity=3, kind=LotKind.PRODUCT),
    }
    codes = {k: v.code for k, v in lots.items()}
    create_lots(session, list(lots.values()))
    link_lot_inputs(
        session,
        [
            LotInput(lot=codes["P1"], input_lot=codes["M1"]),
            LotInput(lot=codes["P1"], input_lot=codes["C1"]),
            LotInput(lot=codes["P2"], input_lot=codes["M1"]),
            LotInput(lot=codes["K1"], input_lot=codes["P2"]),
        ],
    )
    record_checks(session, [e for k in ("P1", "P2", "K1") for e in passing_entries(codes[k])])
    release_lots(session, list(codes.values()), released_by="Q. Lead", at=T0 + timedelta(hours=4))
    for key, number, quantity in (("P1", 1, 2), ("P2", 3, 2), ("P1", 2, 2), ("K1", 4, 1)):
        allocate_lot_to_order(session, codes[key], ("web", f"ORD-{number:05d}"), quantity)
    return codes
