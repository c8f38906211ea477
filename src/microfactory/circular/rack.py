"""Hand graded second-life panels to the offcut matcher as :class:`~microfactory.domain.cutlist.SurplusPanel`.

A panel is available for reuse in production when it has been graded (not scrap) and not yet disposed
of; its material, finish, thickness and size pass through unchanged (dimensions rounded down to whole
millimetres, as the cut list records them, so a part never gets more board than there is).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from microfactory.domain.circular import Grade, ItemKind, ItemState, ItemStatus
from microfactory.domain.cutlist import SurplusPanel


def available_panel(state: ItemState) -> bool:
    """True for a graded, not-scrap, not-disposed panel: one the routers may cut parts from."""
    grading = state.grading
    return (
        state.item.kind is ItemKind.PANEL
        and state.status is not ItemStatus.DISPOSED
        and grading is not None
        and grading.grade is not Grade.SCRAP
    )


def surplus_panels(states: Iterable[ItemState]) -> list[SurplusPanel]:
    """The available panels among ``states`` as surplus panels for offcut matching, by site and id."""
    panels = []
    for state in states:
        if not available_panel(state):
            continue
        item = state.item
        assert item.finish is not None and item.thickness_mm is not None
        assert item.length_mm is not None and item.width_mm is not None
        panels.append(
            SurplusPanel(
                panel_id=item.item,
                site=item.site,
                material=item.material,
                finish=item.finish,
                thickness_mm=item.thickness_mm,
                length_mm=math.floor(item.length_mm),
                width_mm=math.floor(item.width_mm),
            )
        )
    return sorted(panels, key=lambda p: (p.site, p.panel_id))
