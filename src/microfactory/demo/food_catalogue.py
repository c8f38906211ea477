"""What Hearth & Jar makes: savoury bars, fermented condiments and heat-and-press snacks.

Bars are baked every morning and keep 24 hours; condiments ferment for one to three weeks in vessels and
keep 21 days (504 hours); pressed snacks keep 48 hours. Each SKU carries an ``allergen_group`` setup,
so the mixers, presses and packing lines need a clean-down between groups (longest when going back to
the allergen-free group). Regional variants (``region`` LON or MAN) are made for one city's kitchen.
"""

from __future__ import annotations

from dataclasses import dataclass

from microfactory.demo.routing import changeover_matrix, step
from microfactory.domain import ChangeoverRule, MakePolicy, RoutingStep, Sku, SkuFamily

BRAND = "FOOD"

MIXER = "food_mixer"
OVEN = "combi_oven"
VESSEL = "fermentation_vessel"
CHILLER = "blast_chiller"
PACKING = "packing_line"
PRESS = "heat_press"

FAMILY_BARS = "FOOD-BARS"
FAMILY_CONDIMENTS = "FOOD-CONDIMENTS"
FAMILY_SNACKS = "FOOD-SNACKS"

ALLERGEN_GROUPS = ("none", "gluten", "dairy", "sesame", "mustard")
"""Clean-down classes: the allergen that decides how thoroughly a line must be cleaned after the run."""

REGIONS = ("LON", "MAN")

SHELF_LIFE_HOURS = {FAMILY_BARS: 24.0, FAMILY_CONDIMENTS: 504.0, FAMILY_SNACKS: 48.0}


@dataclass(frozen=True)
class FoodItem:
    """A food SKU with its demo sales weight (relative popularity within its family)."""

    code: str
    family: str
    name: str
    allergen_group: str
    price_pence: int
    popularity: float
    region: str | None = None
    ferment_days: int = 0


_BAR, _CON, _SNK = FAMILY_BARS, FAMILY_CONDIMENTS, FAMILY_SNACKS

# fmt: off
FOOD_ITEMS: tuple[FoodItem, ...] = (
    # code, family, name, allergen group, pence, popularity, region, fermentation days
    FoodItem("BAR-CHEDDAR-LEEK", _BAR, "Cheddar & leek savoury bar", "dairy", 375, 1.0),
    FoodItem("BAR-ROSEMARY-POTATO", _BAR, "Rosemary potato & onion bar", "gluten", 350, 0.8),
    FoodItem("BAR-SQUASH-SAGE", _BAR, "Roast squash & sage oat bar", "none", 350, 0.7),
    FoodItem("BAR-SESAME-MISO", _BAR, "Sesame, miso & spring onion bar", "sesame", 395, 0.6),
    FoodItem("BAR-SALT-BEEF-LON", _BAR, "Salt beef & mustard bar (East End)", "mustard", 425, 0.9, "LON"),
    FoodItem("BAR-JERK-CHICKPEA-LON", _BAR, "Jerk chickpea bar (Hackney)", "none", 375, 0.6, "LON"),
    FoodItem("BAR-LANCS-CHEESE-ONION-MAN", _BAR, "Lancashire cheese & onion bar", "dairy", 375, 1.1, "MAN"),
    FoodItem("BAR-BLACK-PUDDING-MAN", _BAR, "Bury black pudding & apple bar", "gluten", 395, 0.5, "MAN"),
    FoodItem("COND-KIMCHI", _CON, "House kimchi 250 g", "none", 650, 1.0, None, 10),
    FoodItem("COND-HOT-SAUCE", _CON, "Fermented scotch bonnet hot sauce 150 ml", "none", 595, 0.9, None, 21),
    FoodItem("COND-MISO-MUSTARD", _CON, "Miso wholegrain mustard 200 g", "mustard", 550, 0.6, None, 14),
    FoodItem("COND-CHILLI-CRISP", _CON, "Fermented chilli crisp 200 g", "sesame", 695, 0.8, None, 7),
    FoodItem("COND-SAUERKRAUT", _CON, "Caraway sauerkraut 300 g", "none", 495, 0.5, None, 14),
    FoodItem("COND-PICCALILLI-MAN", _CON, "Lacto-fermented piccalilli 250 g", "mustard", 595, 0.5, "MAN", 10),
    FoodItem("SNK-THREE-CHEESE", _SNK, "Three-cheese toastie press", "dairy", 650, 1.0),
    FoodItem("SNK-KIMCHI-CHEESE", _SNK, "Kimchi & cheese press", "dairy", 695, 0.8),
    FoodItem("SNK-MUSHROOM-MISO", _SNK, "Mushroom & miso press", "sesame", 650, 0.6),
    FoodItem("SNK-HAM-MUSTARD", _SNK, "Ham hock & mustard press", "mustard", 695, 0.6),
    FoodItem("SNK-GREENS-VEGAN", _SNK, "Spiced greens press (vegan, gluten-free)", "none", 595, 0.4),
    FoodItem("SNK-SALT-BEEF-LON", _SNK, "Salt beef & pickle press (Brick Lane)", "mustard", 750, 0.7, "LON"),
    FoodItem("SNK-ECCLES-LANCS-MAN", _SNK, "Eccles cake & Lancashire press", "dairy", 650, 0.7, "MAN"),
)
# fmt: on


def food_families() -> tuple[SkuFamily, ...]:
    """The three food SKU families."""
    return (
        SkuFamily(code=FAMILY_BARS, brand=BRAND, name="Savoury bars", make_policy=MakePolicy.MAKE_TO_STOCK),
        SkuFamily(
            code=FAMILY_CONDIMENTS,
            brand=BRAND,
            name="Fermented condiments",
            make_policy=MakePolicy.MAKE_TO_STOCK,
        ),
        SkuFamily(
            code=FAMILY_SNACKS,
            brand=BRAND,
            name="Heat-and-press snacks",
            make_policy=MakePolicy.MAKE_TO_ORDER,
        ),
    )


def _routing(item: FoodItem) -> tuple[RoutingStep, ...]:
    allergen = {"allergen_group": item.allergen_group}
    if item.family == FAMILY_BARS:
        return (
            step(1, "Mix dough and filling", MIXER, 0.05, 12, setup=allergen),
            step(2, "Shape and bake", OVEN, 0.08, 35),
            step(3, "Blast chill", CHILLER, 0.0, 30, operators=0),
            step(4, "Wrap and label", PACKING, 0.12, 8, setup=allergen),
        )
    if item.family == FAMILY_CONDIMENTS:
        return (
            step(1, "Prepare and brine", MIXER, 0.1, 20, setup=allergen),
            step(2, "Ferment", VESSEL, 0.0, item.ferment_days * 24 * 60, operators=0, splittable=True),
            step(3, "Jar and label", PACKING, 0.25, 15, setup=allergen),
        )
    return (
        step(1, "Prepare filling", MIXER, 0.1, 10, setup=allergen),
        step(2, "Heat and press", PRESS, 3.0, 5, setup=allergen),
        step(3, "Chill", CHILLER, 0.0, 20, operators=0),
        step(4, "Pack", PACKING, 0.3, 5, setup=allergen),
    )


_SIZE = {FAMILY_BARS: (0.09, 0.0002), FAMILY_CONDIMENTS: (0.38, 0.0004), FAMILY_SNACKS: (0.21, 0.0008)}
_BATCH = {FAMILY_BARS: (24, 240), FAMILY_CONDIMENTS: (40, 400), FAMILY_SNACKS: (1, 60)}


def food_skus() -> tuple[Sku, ...]:
    """Every food SKU with its routing, shelf life and packed size."""
    families = {f.code: f for f in food_families()}
    skus = []
    for item in FOOD_ITEMS:
        mass, volume = _SIZE[item.family]
        lo, hi = _BATCH[item.family]
        skus.append(
            Sku(
                code=item.code,
                family=item.family,
                name=item.name,
                routing=_routing(item),
                unit_mass_kg=mass,
                unit_volume_m3=volume,
                shelf_life_hours=SHELF_LIFE_HOURS[item.family],
                make_policy=families[item.family].make_policy,
                unit_price_pence=item.price_pence,
                min_batch_units=lo,
                max_batch_units=hi,
                region=item.region,
            )
        )
    return tuple(skus)


def _clean_down(a: str, b: str) -> float:
    # Into the allergen-free group needs a full wet clean and swab test; out of it only a line check.
    if b == "none":
        return 45.0
    if a == "none":
        return 10.0
    return 30.0


def food_changeovers() -> tuple[ChangeoverRule, ...]:
    """Allergen clean-downs on every resource type whose routing step carries ``allergen_group``."""
    rules: tuple[ChangeoverRule, ...] = ()
    for rtype in (MIXER, PRESS, PACKING):
        rules += changeover_matrix(rtype, "allergen_group", ALLERGEN_GROUPS, _clean_down)
    return rules
