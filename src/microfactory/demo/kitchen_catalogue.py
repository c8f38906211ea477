"""What Oakline Kitchens makes: seven SKU families, routings and the changeover rules that bind them.

Cabinets are cut on a CNC nesting router, edge-banded, assembled and checked; doors and panels are cut
from MDF and powder-coated in one of twelve finishes; worktops are cut and edged or oiled. Cabinets,
worktops and doors are made to order; accessories and spare parts (``kitchen_stock``) to stock.
Masses and volumes are packed figures (a 600 mm base unit: about 25 kg, 0.35 m³). Prices in pence.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from microfactory.demo.kitchen_codes import (
    ASSEMBLY,
    BRAND,
    CARCASS_BOARD,
    CNC,
    COAT,
    DOOR_BOARD,
    EDGE,
    FAMILY_ACCESSORIES,
    FAMILY_BASE,
    FAMILY_DOORS,
    FAMILY_SPARES,
    FAMILY_TALL,
    FAMILY_WALL,
    FAMILY_WORKTOP,
    QA,
    SHEET_MATERIALS,
    WORKTOP_MATERIALS,
)
from microfactory.demo.kitchen_stock import ACCESSORIES, SPARES
from microfactory.demo.routing import changeover_matrix, step
from microfactory.domain import ChangeoverRule, MakePolicy, RoutingStep, Sku, SkuFamily


@dataclass(frozen=True)
class Finish:
    """A powder-coat colour; ``tone`` (light/dark) drives the coating line's changeover time."""

    code: str
    colour: str
    name: str
    tone: str
    popularity: float
    """Share of kitchens ordered in this finish."""


@dataclass(frozen=True)
class DoorType:
    """A door, drawer front or panel size; one SKU per finish. Minutes are per unit."""

    code: str
    name: str
    mass_kg: float
    volume_m3: float
    price_pence: int
    cnc_minutes: float
    coat_minutes: float
    qa_minutes: float


@dataclass(frozen=True)
class Cabinet:
    """A carcass SKU with its minutes per unit and the fronts it needs: ``(door type, count)``."""

    code: str
    family: str
    name: str
    mass_kg: float
    volume_m3: float
    price_pence: int
    cnc_minutes: float
    edge_minutes: float
    assembly_minutes: float
    qa_minutes: float
    doors: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class Worktop:
    """A worktop length in one material; oiled timber goes through finishing instead of edge banding."""

    code: str
    name: str
    material: str
    mass_kg: float
    volume_m3: float
    price_pence: int


_B, _W, _T = FAMILY_BASE, FAMILY_WALL, FAMILY_TALL

# fmt: off
FINISHES: tuple[Finish, ...] = (
    Finish("CHALK", "chalk_white", "Chalk White", "light", 0.17),
    Finish("PORCELAIN", "porcelain", "Porcelain", "light", 0.10),
    Finish("DOVE", "dove_grey", "Dove Grey", "light", 0.12),
    Finish("SAGE", "pale_sage", "Pale Sage", "light", 0.11),
    Finish("OAT", "oat", "Oat", "light", 0.06),
    Finish("DUCKEGG", "duck_egg", "Duck Egg", "light", 0.05),
    Finish("GRAPHITE", "graphite", "Graphite", "dark", 0.10),
    Finish("NAVY", "midnight_navy", "Midnight Navy", "dark", 0.09),
    Finish("FOREST", "forest_green", "Forest Green", "dark", 0.07),
    Finish("AUBERGINE", "aubergine", "Aubergine", "dark", 0.03),
    Finish("CHARCOAL", "charcoal", "Charcoal", "dark", 0.07),
    Finish("OXBLOOD", "oxblood", "Oxblood", "dark", 0.03),
)
"""The twelve door finishes, six light and six dark."""

DOOR_TYPES: tuple[DoorType, ...] = (
    #        code                 name                       kg    m³     pence  cnc  coat  qa
    DoorType("DOOR-715x297", "Door 715 × 297",              2.9, 0.008,  3_900, 1.5, 1.5, 1.0),
    DoorType("DOOR-715x397", "Door 715 × 397",              3.8, 0.010,  4_600, 2.0, 2.0, 1.0),
    DoorType("DOOR-715x497", "Door 715 × 497",              4.8, 0.012,  5_400, 2.5, 2.0, 1.5),
    DoorType("DOOR-715x597", "Door 715 × 597",              5.8, 0.014,  6_200, 2.5, 2.5, 1.5),
    DoorType("DOOR-2150x597", "Tall door 2150 × 597",      17.3, 0.040, 15_500, 5.0, 5.0, 3.0),
    DoorType("DRAWER-283x597", "Drawer front 283 × 597",    2.3, 0.006,  3_600, 1.5, 1.5, 1.0),
    DoorType("PANEL-END-870x580", "End panel 870 × 580",    6.8, 0.016,  7_500, 3.0, 3.0, 2.0),
)

CABINETS: tuple[Cabinet, ...] = (
    # code, family, name
    #     kg, m³, pence, minutes per unit (cnc, edge, assembly, qa), fronts
    Cabinet("K-BASE-300", _B, "Base unit 300 mm",
            13.0, 0.18, 11_500, 4, 3, 18, 4, (("DOOR-715x297", 1),)),
    Cabinet("K-BASE-400", _B, "Base unit 400 mm",
            16.5, 0.24, 12_500, 5, 3, 20, 4, (("DOOR-715x397", 1),)),
    Cabinet("K-BASE-500", _B, "Base unit 500 mm",
            20.0, 0.29, 14_000, 5, 4, 22, 5, (("DOOR-715x497", 1),)),
    Cabinet("K-BASE-600", _B, "Base unit 600 mm",
            25.0, 0.35, 16_500, 6, 4, 25, 5, (("DOOR-715x597", 1),)),
    Cabinet("K-BASE-600-DRW", _B, "Three-drawer base unit 600 mm",
            32.0, 0.35, 29_500, 8, 6, 40, 6, (("DRAWER-283x597", 3),)),
    Cabinet("K-BASE-800", _B, "Base unit 800 mm",
            30.0, 0.46, 19_500, 7, 5, 28, 5, (("DOOR-715x397", 2),)),
    Cabinet("K-BASE-1000-SINK", _B, "Sink base unit 1000 mm",
            33.0, 0.57, 21_000, 7, 5, 30, 6, (("DOOR-715x497", 2),)),
    Cabinet("K-BASE-CORNER", _B, "Blind corner base unit 1000 mm",
            34.0, 0.57, 24_500, 8, 5, 32, 6, (("DOOR-715x497", 1),)),
    Cabinet("K-WALL-300", _W, "Wall unit 300 mm",
            8.0, 0.10, 8_500, 3, 2, 14, 3, (("DOOR-715x297", 1),)),
    Cabinet("K-WALL-500", _W, "Wall unit 500 mm",
            12.0, 0.16, 10_500, 4, 3, 16, 4, (("DOOR-715x497", 1),)),
    Cabinet("K-WALL-600", _W, "Wall unit 600 mm",
            14.0, 0.19, 11_500, 4, 3, 18, 4, (("DOOR-715x597", 1),)),
    Cabinet("K-WALL-800", _W, "Wall unit 800 mm",
            18.0, 0.25, 14_000, 5, 3, 20, 4, (("DOOR-715x397", 2),)),
    Cabinet("K-WALL-CORNER", _W, "Corner wall unit 600 mm",
            16.0, 0.22, 15_500, 5, 3, 22, 4, (("DOOR-715x297", 1),)),
    Cabinet("K-TALL-LARDER", _T, "Tall larder unit 600 mm",
            55.0, 1.05, 54_000, 10, 7, 45, 8, (("DOOR-2150x597", 1),)),
    Cabinet("K-TALL-OVEN", _T, "Tall oven housing 600 mm",
            52.0, 1.05, 49_000, 10, 7, 42, 8, (("DRAWER-283x597", 2), ("DOOR-715x597", 1))),
    Cabinet("K-TALL-FRIDGE", _T, "Tall integrated fridge housing 600 mm",
            50.0, 1.05, 46_000, 9, 6, 40, 8, (("DOOR-2150x597", 1),)),
)

WORKTOPS: tuple[Worktop, ...] = (
    Worktop("K-WTOP-LAM-2000", "Carrara laminate worktop 2000 × 600", "laminate_38", 30.0, 0.07, 16_500),
    Worktop("K-WTOP-LAM-3000", "Carrara laminate worktop 3000 × 600", "laminate_38", 45.0, 0.10, 22_500),
    Worktop("K-WTOP-OAK-2000", "Solid oak worktop 2000 × 600 × 40", "oak_40", 34.0, 0.08, 38_000),
    Worktop("K-WTOP-OAK-3000", "Solid oak worktop 3000 × 600 × 40", "oak_40", 50.0, 0.11, 52_000),
    Worktop("K-WTOP-WALNUT-3000", "Solid walnut worktop 3000 × 600 × 40", "walnut_40", 55.0, 0.11, 79_000),
)
# fmt: on

HANDLE_SKUS = ("K-ACC-HANDLE-BAR-BLACK", "K-ACC-HANDLE-BAR-BRASS", "K-ACC-HANDLE-KNOB-OAK")

COAT_MINUTES = {
    ("light", "light"): 15.0,
    ("light", "dark"): 20.0,
    ("dark", "dark"): 25.0,
    ("dark", "light"): 45.0,
}
"""Powder-coat colour change by tone: going darker hides traces of the old powder, so it is quicker;
going lighter needs a full booth and gun purge."""


def door_sku(door_type: str, finish: Finish) -> str:
    """SKU code of a door type in a finish (``K-DOOR-715x597-SAGE``)."""
    return f"K-{door_type}-{finish.code}"


def kitchen_families() -> tuple[SkuFamily, ...]:
    """The seven kitchen SKU families: cabinets, worktops and doors to order, the rest to stock."""
    mto, mts = MakePolicy.MAKE_TO_ORDER, MakePolicy.MAKE_TO_STOCK
    return (
        SkuFamily(code=FAMILY_BASE, brand=BRAND, name="Base units", make_policy=mto),
        SkuFamily(code=FAMILY_WALL, brand=BRAND, name="Wall units", make_policy=mto),
        SkuFamily(code=FAMILY_TALL, brand=BRAND, name="Tall units", make_policy=mto),
        SkuFamily(code=FAMILY_WORKTOP, brand=BRAND, name="Worktops", make_policy=mto),
        SkuFamily(code=FAMILY_DOORS, brand=BRAND, name="Doors & panels", make_policy=mto),
        SkuFamily(code=FAMILY_ACCESSORIES, brand=BRAND, name="Accessories", make_policy=mts),
        SkuFamily(code=FAMILY_SPARES, brand=BRAND, name="Spare parts", make_policy=mts),
    )


def _cabinet_routing(cab: Cabinet) -> tuple[RoutingStep, ...]:
    return (
        step(1, "Cut carcass on nesting router", CNC, cab.cnc_minutes, 12, setup={"material": CARCASS_BOARD}),
        step(2, "Edge band", EDGE, cab.edge_minutes, 10),
        step(3, "Assemble carcass and fit hardware", ASSEMBLY, cab.assembly_minutes),
        step(4, "Final inspection", QA, cab.qa_minutes),
    )


def _worktop_routing(top: Worktop) -> tuple[RoutingStep, ...]:
    cut = step(1, "Cut and rout on nesting router", CNC, 14, 20, setup={"material": top.material})
    if top.material == "laminate_38":
        edge = step(2, "Apply laminate edging", EDGE, 6, 10)
    else:
        edge = step(2, "Sand and oil", ASSEMBLY, 25, 15)
    return (cut, edge, step(3, "Final inspection", QA, 4))


def _door_routing(door: DoorType, finish: Finish) -> tuple[RoutingStep, ...]:
    return (
        step(1, "Cut MDF on nesting router", CNC, door.cnc_minutes, 10, setup={"material": DOOR_BOARD}),
        step(2, "Powder coat and cure", COAT, door.coat_minutes, 25, setup={"finish_colour": finish.colour}),
        step(3, "Final inspection", QA, door.qa_minutes),
    )


class _Physical(Protocol):
    @property
    def mass_kg(self) -> float: ...
    @property
    def volume_m3(self) -> float: ...
    @property
    def price_pence(self) -> int: ...


def _sku(
    code: str,
    family: str,
    name: str,
    routing: tuple[RoutingStep, ...],
    item: _Physical,
    policy: MakePolicy,
    batch: tuple[int, int],
) -> Sku:
    return Sku(
        code=code,
        family=family,
        name=name,
        routing=routing,
        unit_mass_kg=item.mass_kg,
        unit_volume_m3=item.volume_m3,
        make_policy=policy,
        unit_price_pence=item.price_pence,
        min_batch_units=batch[0],
        max_batch_units=batch[1],
    )


def kitchen_skus() -> tuple[Sku, ...]:
    """Every kitchen SKU: cabinets, worktops, doors in twelve finishes, accessories and spares."""
    mto, mts = MakePolicy.MAKE_TO_ORDER, MakePolicy.MAKE_TO_STOCK
    skus = [_sku(c.code, c.family, c.name, _cabinet_routing(c), c, mto, (1, 40)) for c in CABINETS]
    skus += [_sku(w.code, FAMILY_WORKTOP, w.name, _worktop_routing(w), w, mto, (1, 20)) for w in WORKTOPS]
    skus += [
        _sku(door_sku(d.code, f), FAMILY_DOORS, f"{d.name}, {f.name}", _door_routing(d, f), d, mto, (1, 120))
        for d in DOOR_TYPES
        for f in FINISHES
    ]
    skus += [
        _sku(i.code, i.family, i.name, i.routing, i, mts, (i.min_batch, i.max_batch))
        for i in (*ACCESSORIES, *SPARES)
    ]
    return tuple(skus)


def _cnc_minutes(a: str, b: str) -> float:
    # Sheet to sheet: swap the stack and load a new nest (10 min). To or from worktop stock: change tooling
    # and the spoilboard set-up (25 min). Between worktop timbers: a new tool path and feeds (15 min).
    if (a in WORKTOP_MATERIALS) != (b in WORKTOP_MATERIALS):
        return 25.0
    return 15.0 if a in WORKTOP_MATERIALS else 10.0


def kitchen_changeovers() -> tuple[ChangeoverRule, ...]:
    """Powder-coat colour changes (light→dark 20 min, dark→light 45 min) and CNC material changes."""
    tone = {f.colour: f.tone for f in FINISHES}
    coat = changeover_matrix(
        COAT, "finish_colour", [f.colour for f in FINISHES], lambda a, b: COAT_MINUTES[(tone[a], tone[b])]
    )
    cnc = changeover_matrix(CNC, "material", [*SHEET_MATERIALS, *WORKTOP_MATERIALS], _cnc_minutes)
    return coat + cnc
