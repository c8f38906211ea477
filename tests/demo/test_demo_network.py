"""The demo network's master data: complete, consistent and shaped like the two brands."""

from __future__ import annotations

import csv
import math
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from microfactory.demo import DEFAULT_AS_OF, DemoNetwork, build_demo
from microfactory.domain import MakePolicy, MasterData, Sector, SiteKind, SiteStatus

LONDON = ZoneInfo("Europe/London")
DESNZ = Path(__file__).resolve().parents[3] / "shared" / "data" / "desnz_2025_road_freight_factors.csv"


@pytest.fixture(scope="module")
def demo() -> DemoNetwork:
    return build_demo(seed=1, scale=0.05)


def test_master_data_revalidates(demo: DemoNetwork) -> None:
    """Every reference resolves: rebuilding the master data from its own dump passes validation."""
    again = MasterData.model_validate(demo.master.model_dump())
    assert again == demo.master


def test_two_brands_in_two_sectors(demo: DemoNetwork) -> None:
    """One kitchen maker and one food brand."""
    assert {(b.code, b.sector) for b in demo.master.brands} == {
        ("KITCHEN", Sector.KITCHEN),
        ("FOOD", Sector.FOOD),
    }


def test_kitchen_sites_are_a_plant_two_pilots_and_four_candidates(demo: DemoNetwork) -> None:
    """One active central plant and six microfactories, London and Manchester running as pilots."""
    sites = [s for s in demo.master.sites if s.brand == "KITCHEN"]
    plants = [s for s in sites if s.kind is SiteKind.CENTRAL_PLANT]
    micros = [s for s in sites if s.kind is SiteKind.MICROFACTORY]
    assert len(plants) == 1 and plants[0].status is SiteStatus.ACTIVE
    assert len(micros) == 6
    active = sorted(s.code for s in micros if s.status is SiteStatus.ACTIVE)
    assert active == ["KIT-LON", "KIT-MAN"]
    assert all(s.status is SiteStatus.CANDIDATE for s in micros if s.code not in active)
    assert all(300_000 <= s.fixed_cost_pence_per_week <= 900_000 for s in micros)
    assert plants[0].fixed_cost_pence_per_week > max(s.fixed_cost_pence_per_week for s in micros)


def test_food_brand_has_two_active_ghost_kitchens(demo: DemoNetwork) -> None:
    """Hackney and Ancoats kitchens are active microfactories."""
    kitchens = [
        s.code
        for s in demo.master.sites
        if s.brand == "FOOD" and s.kind is SiteKind.MICROFACTORY and s.status is SiteStatus.ACTIVE
    ]
    assert sorted(kitchens) == ["FOOD-LON", "FOOD-MAN"]


def test_sites_sit_on_real_outcodes_at_their_centroid(demo: DemoNetwork) -> None:
    """Each site's outcode is a zone and its location is that zone's centroid."""
    zones = {z.outcode: z for z in demo.master.zones}
    for site in demo.master.sites:
        assert site.outcode in zones, site.code
        assert site.location == zones[site.outcode].centroid, site.code


def test_every_gb_outcode_is_a_zone(demo: DemoNetwork) -> None:
    """All 2,865 GB outcodes are delivery zones."""
    assert len(demo.master.zones) == 2865


def test_family_counts_and_policies(demo: DemoNetwork) -> None:
    """Seven kitchen families (accessories and spares to stock) and three food families."""
    by_brand = Counter(f.brand for f in demo.master.sku_families)
    assert by_brand == {"KITCHEN": 7, "FOOD": 3}
    stock = {f.code for f in demo.master.sku_families if f.make_policy is MakePolicy.MAKE_TO_STOCK}
    assert {"KIT-ACCESSORIES", "KIT-SPARES"} <= stock
    assert "KIT-BASE" not in stock


def test_doors_come_in_twelve_finishes_six_light_six_dark(demo: DemoNetwork) -> None:
    """Powder-coating setups name twelve colours; every door type exists in each."""
    colours = {
        step.setup["finish_colour"]
        for sku in demo.master.skus
        for step in sku.routing
        if "finish_colour" in step.setup
    }
    assert len(colours) == 12
    door_715 = [s for s in demo.master.skus if s.code.startswith("K-DOOR-715x597-")]
    assert len(door_715) == 12


def test_powder_coat_light_to_dark_is_quicker_than_dark_to_light(demo: DemoNetwork) -> None:
    """Chalk white → graphite takes less time than graphite → chalk white."""
    rules = {
        (r.from_value, r.to_value): r.minutes
        for r in demo.master.changeovers
        if r.resource_type == "powder_coating" and r.attribute == "finish_colour"
    }
    assert len(rules) == 12 * 11
    assert rules[("chalk_white", "graphite")] < rules[("graphite", "chalk_white")]


def test_cnc_and_allergen_changeovers_exist(demo: DemoNetwork) -> None:
    """CNC routers change material; food lines clean down longest into the allergen-free group."""
    cnc = {(r.from_value, r.to_value) for r in demo.master.changeovers if r.attribute == "material"}
    assert ("melamine_white_18", "oak_40") in cnc
    clean = {
        (r.from_value, r.to_value): r.minutes
        for r in demo.master.changeovers
        if r.resource_type == "packing_line" and r.attribute == "allergen_group"
    }
    assert clean[("sesame", "none")] > clean[("none", "sesame")]


def test_routing_setups_match_changeover_attributes(demo: DemoNetwork) -> None:
    """Every changeover attribute is set on routing steps of that resource type, so rules can bite."""
    used = {
        (rtype, attr)
        for sku in demo.master.skus
        for step in sku.routing
        for rtype in step.resource_types
        for attr in step.setup
    }
    for rule in demo.master.changeovers:
        assert (rule.resource_type, rule.attribute) in used


def test_skus_have_realistic_sizes(demo: DemoNetwork) -> None:
    """A 600 mm base unit is about 25 kg and 0.35 m³; a hinge about 0.1 kg."""
    base = demo.master.sku("K-BASE-600")
    hinge = demo.master.sku("K-SP-HINGE-110")
    assert base.unit_mass_kg == pytest.approx(25, abs=3)
    assert base.unit_volume_m3 == pytest.approx(0.35, abs=0.05)
    assert hinge.unit_mass_kg == pytest.approx(0.1, abs=0.05)
    assert [s.resource_types[0] for s in base.routing] == [
        "cnc_nesting",
        "edge_banding",
        "finishing_assembly",
        "qa_station",
    ]


def test_food_shelf_lives_regions_and_allergens(demo: DemoNetwork) -> None:
    """Bars keep 24 h, condiments 504 h, snacks 48 h; LON and MAN variants exist; setups name allergens."""
    life: dict[str, set[float | None]] = {f: set() for f in ("FOOD-BARS", "FOOD-CONDIMENTS", "FOOD-SNACKS")}
    for sku in demo.master.skus:
        if sku.family in life:
            life[sku.family].add(sku.shelf_life_hours)
            assert "allergen_group" in sku.routing[0].setup
    assert life == {"FOOD-BARS": {24.0}, "FOOD-CONDIMENTS": {504.0}, "FOOD-SNACKS": {48.0}}
    regions = {s.region for s in demo.master.skus if s.region}
    assert regions == {"LON", "MAN"}
    assert demo.master.sku("BAR-LANCS-CHEESE-ONION-MAN").region == "MAN"


def test_every_site_has_resources_and_labour_for_its_routings(demo: DemoNetwork) -> None:
    """Each producing site has a resource and a skilled labour pool for every resource type it runs."""
    for site in demo.master.sites:
        types = {r.resource_type for r in demo.master.resources if r.site == site.code}
        if site.kind is SiteKind.HUB:
            continue
        skills = {s for p in demo.master.labour_pools if p.site == site.code for s in p.skills}
        assert types, site.code
        attended = {
            t
            for sku in demo.master.skus
            for step in sku.routing
            if step.operators > 0
            for t in step.resource_types
        }
        assert (types & attended) <= skills, site.code


def test_kitchen_micro_releases_tuesday_thursday_saturday_at_six(demo: DemoNetwork) -> None:
    """A micro-site's release slots in a summer week fall at 06:00 local (05:00 UTC) on Tue, Thu, Sat."""
    cal = demo.master.calendar(demo.master.site("KIT-MAN").calendar)
    start = datetime(2026, 6, 15, tzinfo=LONDON)
    times = cal.release_times(start, start + timedelta(days=7))
    local = [t.astimezone(LONDON).strftime("%a %H:%M") for t in times]
    assert local == ["Tue 06:00", "Thu 06:00", "Sat 06:00"]
    assert times[0] == datetime(2026, 6, 16, 5, tzinfo=UTC)


def test_food_kitchen_releases_daily_at_five(demo: DemoNetwork) -> None:
    """Food kitchens release every day at 05:00 local."""
    cal = demo.master.calendar(demo.master.site("FOOD-LON").calendar)
    start = datetime(2026, 1, 5, tzinfo=LONDON)
    times = cal.release_times(start, start + timedelta(days=7))
    assert len(times) == 7
    assert {t.astimezone(LONDON).hour for t in times} == {5}


def test_christmas_and_new_year_close_the_plant(demo: DemoNetwork) -> None:
    """The plant has no open time on 25–26 December 2026 or 1 January 2027."""
    plant = [r for r in demo.master.resources if r.site == "KIT-CENTRAL"]
    cnc = next(r for r in plant if r.resource_type == "cnc_nesting")
    cal = demo.master.calendar(cnc.calendar)
    for day in (datetime(2026, 12, 25), datetime(2026, 12, 28), datetime(2027, 1, 1)):
        start = day.replace(tzinfo=LONDON)
        assert cal.open_minutes(start, start + timedelta(days=1)) == 0, day.date()
    monday = datetime(2026, 11, 30, tzinfo=LONDON)
    assert cal.open_minutes(monday, monday + timedelta(days=1)) == 16 * 60


def test_glasgow_closes_on_st_andrews_day_but_london_does_not(demo: DemoNetwork) -> None:
    """Scottish sites follow Scottish bank holidays (Monday 30 November 2026)."""
    day = datetime(2026, 11, 30, tzinfo=LONDON)
    glasgow = demo.master.calendar(demo.master.site("KIT-GLA").calendar)
    london = demo.master.calendar(demo.master.site("KIT-LON").calendar)
    assert glasgow.open_minutes(day, day + timedelta(days=1)) == 0
    assert london.open_minutes(day, day + timedelta(days=1)) > 0


def test_vehicles_use_real_desnz_rows(demo: DemoNetwork) -> None:
    """Each vehicle's emission factor key is a row id of the DESNZ 2025 road-freight factor file."""
    if not DESNZ.exists():
        pytest.skip(f"{DESNZ} not available")
    with DESNZ.open(encoding="utf-8") as handle:
        ids = {row["id"] for row in csv.DictReader(handle)}
    codes = {v.code for v in demo.master.vehicle_types}
    assert {"ECARGO-BIKE", "EVAN-35", "DVAN-35", "RIGID-75", "REEFER-VAN"} <= codes
    for vehicle in demo.master.vehicle_types:
        assert vehicle.emission_factor_key in ids, vehicle.code
    rigid = next(v for v in demo.master.vehicle_types if v.code == "RIGID-75")
    assert rigid.crew == 2
    assert any(v.refrigerated for v in demo.master.vehicle_types)


def test_default_history_is_104_weeks_to_monday_23_november_2026(demo: DemoNetwork) -> None:
    """The history runs from Monday 25 November 2024 to Monday 23 November 2026, London midnight."""
    assert demo.history_end == DEFAULT_AS_OF == datetime(2026, 11, 23, tzinfo=UTC)
    assert demo.history_end - demo.history_start == timedelta(weeks=104)
    local = demo.history_start.astimezone(LONDON)
    assert (local.weekday(), local.hour, local.minute) == (0, 0, 0)
    assert demo.history_start.tzinfo is UTC


def test_summer_as_of_midweek_starts_on_a_london_monday() -> None:
    """A Wednesday as_of in summer keeps a Monday 00:00 London start and ends exactly at as_of."""
    as_of = datetime(2026, 6, 17, 9, 30, tzinfo=LONDON)
    demo = build_demo(seed=3, scale=0.01, as_of=as_of)
    start = demo.history_start.astimezone(LONDON)
    assert (start.weekday(), start.hour) == (0, 0)
    assert demo.history_end == as_of
    assert timedelta(weeks=104) <= demo.history_end - demo.history_start < timedelta(weeks=105)
    assert all(o.created_at < as_of for o in demo.orders)


@pytest.mark.parametrize("scale", [0, -1.0, 20.5, math.nan, math.inf])
def test_scale_out_of_range_is_refused(scale: float) -> None:
    """Scale must be > 0 and ≤ 20; the error names ``scale`` and the value."""
    with pytest.raises(ValueError, match=r"scale .*got") as caught:
        build_demo(scale=scale)
    assert repr(scale) in str(caught.value)


def test_naive_as_of_is_refused() -> None:
    """A naive as_of is ambiguous and refused."""
    with pytest.raises(ValueError, match="as_of must be timezone-aware"):
        build_demo(scale=0.01, as_of=datetime(2026, 11, 23))


def test_negative_seed_is_refused() -> None:
    """Seeds are non-negative integers."""
    with pytest.raises(ValueError, match="seed"):
        build_demo(seed=-1, scale=0.01)
