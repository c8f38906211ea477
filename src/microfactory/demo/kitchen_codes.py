"""Codes shared by the kitchen catalogue, sites and order generators (brand, resource types, families)."""

from __future__ import annotations

BRAND = "KITCHEN"

CNC = "cnc_nesting"
EDGE = "edge_banding"
COAT = "powder_coating"
ASSEMBLY = "finishing_assembly"
QA = "qa_station"

FAMILY_BASE = "KIT-BASE"
FAMILY_WALL = "KIT-WALL"
FAMILY_TALL = "KIT-TALL"
FAMILY_WORKTOP = "KIT-WORKTOP"
FAMILY_DOORS = "KIT-DOORS"
FAMILY_ACCESSORIES = "KIT-ACCESSORIES"
FAMILY_SPARES = "KIT-SPARES"

CARCASS_BOARD = "melamine_white_18"
DOOR_BOARD = "mdf_18"
ACCESSORY_TIMBER = "oak_20"
SHEET_MATERIALS = (CARCASS_BOARD, DOOR_BOARD, ACCESSORY_TIMBER)
WORKTOP_MATERIALS = ("laminate_38", "oak_40", "walnut_40")
"""Values of the ``material`` setup on the CNC nesting routers."""
