"""Master data: exact round trip, idempotent upsert by natural key, constraints that bite."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from microfactory.domain import MasterData, RoutingStep, SiteKind
from microfactory.store.master_repository import (
    list_sites,
    list_zones,
    load_master_data,
    save_master_data,
    sort_master_data,
)
from microfactory.store.models import (
    Base,
    BrandRow,
    CalendarRow,
    ChangeoverRuleRow,
    ResourceRow,
    RoutingStepResourceTypeRow,
    RoutingStepRow,
    SiteRow,
)
from tests.store.factories import master_data


def _row_counts(session: Session) -> dict[str, int]:
    return {
        name: session.execute(select(func.count()).select_from(table)).scalar_one()
        for name, table in Base.metadata.tables.items()
    }


def test_round_trip_is_exact(session: Session) -> None:
    """What is saved loads back equal, field for field, including calendars, routings and skills."""
    master = master_data()
    save_master_data(session, master)
    loaded = load_master_data(session)
    assert loaded == master
    assert loaded.calendar("NIGHT").shifts[0].minutes == 8 * 60
    assert loaded.labour_pools[0].skills == ("powder_coat", "cnc_nesting")


def test_empty_database_loads_empty_master_data(session: Session) -> None:
    """Nothing saved yet: every list is empty."""
    assert load_master_data(session) == MasterData()


def test_save_reports_counts_per_table(session: Session) -> None:
    """The returned counts name each table and the records saved into it."""
    counts = save_master_data(session, master_data())
    assert counts["brands"] == 1
    assert counts["calendars"] == 2
    assert counts["skus"] == 2
    assert counts["routing_steps"] == 4
    assert counts["routing_step_resource_types"] == 6
    assert counts["labour_pool_skills"] == 2
    assert counts["zones"] == 3


def test_saving_twice_changes_and_duplicates_nothing(session: Session) -> None:
    """A second save of the same data leaves every table exactly as the first one did."""
    save_master_data(session, master_data())
    before = _row_counts(session)
    ids_before = session.execute(select(RoutingStepRow.id).order_by(RoutingStepRow.id)).scalars().all()
    save_master_data(session, master_data())
    assert _row_counts(session) == before
    assert (
        session.execute(select(RoutingStepRow.id).order_by(RoutingStepRow.id)).scalars().all() == ids_before
    )
    assert load_master_data(session) == master_data()


def test_changed_fields_are_updated_in_place(session: Session) -> None:
    """Renamed site, new cost, shorter routing and fewer eligible types all land; ids stay."""
    master = master_data()
    save_master_data(session, master)
    site_id = session.execute(select(SiteRow.id)).scalar_one()

    site = master.sites[0].model_copy(update={"name": "London (Battersea)", "fixed_cost_pence_per_week": 1})
    white = master.skus[1]
    shorter = white.model_copy(
        update={
            "routing": (
                RoutingStep(
                    sequence=10, name="Cut only", resource_types=("cnc_nesting",), minutes_per_unit=2.0
                ),
            )
        }
    )
    changed = master.model_copy(update={"sites": (site,), "skus": (master.skus[0], shorter)})
    save_master_data(session, changed)

    assert load_master_data(session) == changed
    assert session.execute(select(SiteRow.id)).scalar_one() == site_id
    assert session.execute(select(func.count()).select_from(RoutingStepRow)).scalar_one() == 3
    assert session.execute(select(func.count()).select_from(RoutingStepResourceTypeRow)).scalar_one() == 4


def test_records_missing_from_a_later_save_are_kept(session: Session) -> None:
    """Saving is an upsert, not a sync: a later save with fewer zones deletes none."""
    master = master_data()
    save_master_data(session, master)
    save_master_data(session, master.model_copy(update={"zones": master.zones[:1]}))
    assert [z.outcode for z in list_zones(session)] == ["E1", "M1", "SW1A"]


def test_load_returns_canonical_order(session: Session) -> None:
    """Input in any order loads back sorted by natural key (what sort_master_data gives)."""
    master = master_data()
    shuffled = master.model_copy(
        update={
            "zones": tuple(reversed(master.zones)),
            "skus": tuple(reversed(master.skus)),
            "changeovers": tuple(reversed(master.changeovers)),
        }
    )
    save_master_data(session, shuffled)
    assert load_master_data(session) == sort_master_data(shuffled) == master


def test_list_sites_filters_by_brand_and_kind(session: Session) -> None:
    """Filters by brand code and site kind; an unknown brand gives nothing."""
    save_master_data(session, master_data())
    assert [s.code for s in list_sites(session)] == ["LON-MF"]
    assert [s.code for s in list_sites(session, brand="KIT", kind=SiteKind.MICROFACTORY)] == ["LON-MF"]
    assert list_sites(session, kind="hub") == []
    assert list_sites(session, brand="NOPE") == []
    with pytest.raises(ValueError):
        list_sites(session, kind="warehouse")


def test_list_zones_returns_zones_with_area(session: Session) -> None:
    """Zones come back sorted by outcode with their centroid and grid reference."""
    save_master_data(session, master_data())
    zones = list_zones(session)
    assert zones == list(master_data().zones)
    assert [z.area for z in zones] == ["E", "M", "SW"]


def test_duplicate_natural_keys_are_refused(session: Session) -> None:
    """Unique constraints hold even for writes that bypass the repository."""
    save_master_data(session, master_data())
    brand_id = session.execute(select(BrandRow.id)).scalar_one()
    calendar_id = session.execute(select(CalendarRow.id).where(CalendarRow.code == "DAY")).scalar_one()
    site = {
        "code": "LON-MF",
        "name": "Copy",
        "brand_id": brand_id,
        "kind": "hub",
        "lat": 51.5,
        "lon": -0.1,
        "outcode": "SW1A",
        "fixed_cost_pence_per_week": 0,
        "status": "active",
        "calendar_id": calendar_id,
    }
    with pytest.raises(IntegrityError), session.begin_nested():
        session.execute(insert(SiteRow), [site])
    resource = session.execute(select(ResourceRow)).scalars().first()
    assert resource is not None
    with pytest.raises(IntegrityError), session.begin_nested():
        session.execute(
            insert(ResourceRow),
            [
                {
                    "site_id": resource.site_id,
                    "code": resource.code,
                    "resource_type_id": resource.resource_type_id,
                    "count": 1,
                    "calendar_id": resource.calendar_id,
                }
            ],
        )
    rule = session.execute(select(ChangeoverRuleRow)).scalars().first()
    assert rule is not None
    with pytest.raises(IntegrityError), session.begin_nested():
        session.execute(
            insert(ChangeoverRuleRow),
            [
                {
                    "resource_type_id": rule.resource_type_id,
                    "attribute": rule.attribute,
                    "from_value": rule.from_value,
                    "to_value": rule.to_value,
                    "minutes": 1.0,
                }
            ],
        )


def test_reference_to_an_unknown_record_is_refused(session: Session) -> None:
    """Foreign keys are enforced (SQLite too): a site on a calendar that does not exist fails."""
    save_master_data(session, master_data())
    brand_id = session.execute(select(BrandRow.id)).scalar_one()
    with pytest.raises(IntegrityError), session.begin_nested():
        session.execute(
            insert(SiteRow),
            [
                {
                    "code": "NEW",
                    "name": "New",
                    "brand_id": brand_id,
                    "kind": "hub",
                    "lat": 51.5,
                    "lon": -0.1,
                    "outcode": "SW1A",
                    "fixed_cost_pence_per_week": 0,
                    "status": "active",
                    "calendar_id": 999_999,
                }
            ],
        )


def test_a_changeover_rule_given_twice_is_refused() -> None:
    """Two rules for the same switch would make the stored minutes depend on order: refused."""
    master = master_data()
    data = master.model_dump()
    data["changeovers"] = [*data["changeovers"], data["changeovers"][0]]
    with pytest.raises(ValidationError, match=r"changeovers: duplicate code 'powder_coat/finish_colour"):
        MasterData.model_validate(data)
