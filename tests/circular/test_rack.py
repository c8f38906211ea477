"""Graded panels go to the offcut matcher as surplus panels; scrap, disposed and appliances do not."""

from __future__ import annotations

from microfactory.circular import grade, take_in
from microfactory.circular.rack import surplus_panels
from microfactory.domain.circular import Channel, Grade
from tests.circular.builders import appliance, disposed, grading, panel


def test_only_graded_usable_panels_reach_the_rack() -> None:
    """A graded B panel passes unchanged (mm floored); ungraded, scrap, disposed and ovens stay out."""
    ready, _ = take_in(None, panel("P-1", length_mm=1000.6), actor="T")
    ready, _ = grade(ready, "P-1", grading(Grade.B))
    ungraded, _ = take_in(None, panel("P-2"), actor="T")
    scrap, _ = take_in(None, panel("P-3"), actor="T")
    scrap, _ = grade(scrap, "P-3", grading(Grade.SCRAP))
    gone = disposed(panel("P-4"), Grade.A, Channel.REUSE, 100)
    oven, _ = take_in(None, appliance(), actor="T")
    oven, _ = grade(oven, "OV-1", grading(Grade.A))
    panels = surplus_panels([gone, scrap, ungraded, oven, ready])
    assert len(panels) == 1
    p = panels[0]
    assert (p.panel_id, p.site, p.material, p.finish, p.thickness_mm, p.length_mm, p.width_mm) == (
        "P-1",
        "KIT-LON",
        "mdf",
        "raw",
        18.0,
        1000,
        500,
    )
