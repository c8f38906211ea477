"""The second-life state machine: the happy path, history replay, and every refusal naming item and field."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microfactory.circular import build_item, dispose, grade, refurbish, replay, take_in
from microfactory.domain.circular import Channel, EventKind, Grade, ItemStatus
from microfactory.errors import InvalidInputError
from tests.circular.builders import T0, appliance, disposition, grading, panel, refurbishment


def test_intake_grade_refurbish_dispose_and_replay() -> None:
    """Each step moves the status on and numbers its event; replaying the events gives the same state."""
    state, e1 = take_in(None, appliance(), actor="Goods-in")
    state, e2 = grade(state, "OV-1", grading(Grade.C))
    state, e3 = refurbish(state, "OV-1", refurbishment(45, parts_pence=1200))
    assert state.status is ItemStatus.REFURBISHED
    state, e4 = grade(state, "OV-1", grading(Grade.B, days=2.5))
    state, e5 = dispose(state, "OV-1", disposition(Channel.RESELL, 40_000))
    events = [e1, e2, e3, e4, e5]
    assert [e.sequence for e in events] == [1, 2, 3, 4, 5]
    assert [e.kind for e in events] == [
        EventKind.INTAKE,
        EventKind.GRADE,
        EventKind.REFURBISH,
        EventKind.GRADE,
        EventKind.DISPOSE,
    ]
    assert state.status is ItemStatus.DISPOSED and state.grading is not None
    assert state.grading.grade is Grade.B
    assert state.refurbished_minutes == 45 and state.parts_pence == 1200
    assert replay(events) == state
    assert "re-grade" in e4.summary


def test_unknown_item_refused() -> None:
    """Grading, refurbishing or disposing of an item never taken in is refused as unknown."""
    with pytest.raises(InvalidInputError, match=r"item GHOST: unknown item"):
        grade(None, "GHOST", grading())
    with pytest.raises(InvalidInputError, match="unknown item"):
        dispose(None, "GHOST", disposition())
    with pytest.raises(InvalidInputError, match="unknown item"):
        refurbish(None, "GHOST", refurbishment())


def test_disposition_before_grading_refused() -> None:
    """An item must be graded before it is disposed of or refurbished."""
    state, _ = take_in(None, appliance(), actor="T")
    with pytest.raises(InvalidInputError, match=r"item OV-1:status: cannot dispose before grading"):
        dispose(state, "OV-1", disposition())
    with pytest.raises(InvalidInputError, match="cannot refurbish before grading"):
        refurbish(state, "OV-1", refurbishment())


def test_second_disposition_and_steps_after_disposal_refused() -> None:
    """A disposed item cannot be disposed of again, re-graded or refurbished."""
    state, _ = take_in(None, appliance(), actor="T")
    state, _ = grade(state, "OV-1", grading())
    state, _ = dispose(state, "OV-1", disposition(Channel.DONATE))
    with pytest.raises(InvalidInputError, match=r"cannot dispose: already disposed \(donate on 2026-10-08\)"):
        dispose(state, "OV-1", disposition(Channel.RESELL, days=4))
    with pytest.raises(InvalidInputError, match="cannot grade: already disposed"):
        grade(state, "OV-1", grading(days=5))
    with pytest.raises(InvalidInputError, match="cannot refurbish: already disposed"):
        refurbish(state, "OV-1", refurbishment(days=5))


def test_second_intake_refused() -> None:
    """An item key is taken in once."""
    state, _ = take_in(None, appliance(), actor="T")
    with pytest.raises(InvalidInputError, match=r"item OV-1:item: already taken in at KIT-LON"):
        take_in(state, appliance(), actor="T")


def test_scrap_only_recycled_or_landfilled_and_never_refurbished() -> None:
    """Scrap goes to recycle or landfill; it cannot be resold, donated, reused or refurbished."""
    state, _ = take_in(None, panel(), actor="T")
    state, _ = grade(state, "P-1", grading(Grade.SCRAP))
    for channel in (Channel.RESELL, Channel.DONATE, Channel.REUSE):
        with pytest.raises(InvalidInputError, match=f"scrap item cannot go to {channel.value}"):
            dispose(state, "P-1", disposition(channel))
    with pytest.raises(InvalidInputError, match="cannot refurbish a scrap item"):
        refurbish(state, "P-1", refurbishment())
    done, _ = dispose(state, "P-1", disposition(Channel.RECYCLE))
    assert done.disposition is not None and done.disposition.material_stream == "wood"


def test_steps_out_of_time_order_and_value_above_new_refused() -> None:
    """A step dated before the previous one, and more value recovered than the item is worth new."""
    state, _ = take_in(None, appliance(), actor="T")
    with pytest.raises(InvalidInputError, match=r"graded_at: .* is before the item's previous step"):
        grade(state, "OV-1", grading(days=-1))
    state, _ = grade(state, "OV-1", grading(days=2))
    with pytest.raises(InvalidInputError, match="disposed_at"):
        dispose(state, "OV-1", disposition(days=1))
    with pytest.raises(
        InvalidInputError, match="value_recovered_pence: value recovered 90000 pence is above"
    ):
        dispose(state, "OV-1", disposition(Channel.RESELL, 90_000))


@pytest.mark.parametrize(
    ("changes", "field", "reason"),
    [
        ({"mass_kg": None}, "mass_kg", "mass is required"),
        ({"mass_kg": ""}, "mass_kg", "mass is required"),
        ({"mass_kg": -2}, "mass_kg", "greater than 0"),
        ({"mass_kg": 0}, "mass_kg", "greater than 0"),
        ({"length_mm": -5}, "length_mm", "greater than 0"),
        ({"width_mm": 0}, "width_mm", "greater than 0"),
        ({"thickness_mm": None}, "", "a panel needs thickness_mm"),
    ],
)
def test_missing_or_negative_mass_or_dimensions_refused(
    changes: dict[str, object], field: str, reason: str
) -> None:
    """Intake of a panel with a missing, zero or negative mass or dimension names file, row and field."""
    fields = {**panel().model_dump(), **changes}
    with pytest.raises(InvalidInputError, match=reason) as caught:
        build_item(fields, source="intake.csv", row=3)
    assert str(caught.value).startswith(f"intake.csv:3{':' + field if field else ''}")


def test_appliance_needs_make_model_and_a_plausible_year() -> None:
    """An appliance without a model, or made after it was taken in, is refused."""
    with pytest.raises(InvalidInputError, match="an appliance needs model"):
        build_item({**appliance().model_dump(), "model": None})
    with pytest.raises(InvalidInputError, match="manufacture_year 2027 is after the intake date"):
        build_item({**appliance().model_dump(), "manufacture_year": 2027})


def test_recycling_needs_a_stream() -> None:
    """A recycling disposition without a material stream is refused by the record itself."""
    from pydantic import ValidationError

    from microfactory.domain.circular import Disposition

    with pytest.raises(ValidationError, match="needs material_stream"):
        Disposition(channel=Channel.RECYCLE, value_recovered_pence=0, disposed_at=T0, disposed_by="D")


def test_replay_refuses_a_broken_history() -> None:
    """A history with a gap in sequence numbers is refused on replay."""
    _, e1 = take_in(None, appliance(), actor="T")
    state, _ = take_in(None, appliance(), actor="T")
    _, e2 = grade(state, "OV-1", grading())
    with pytest.raises(InvalidInputError, match="history has event 3 where 2 was expected"):
        replay([e1, e2.model_copy(update={"sequence": 3})])


STEPS = st.lists(
    st.tuples(
        st.sampled_from(["grade", "refurbish", "dispose"]),
        st.sampled_from(list(Grade)),
        st.sampled_from(list(Channel)),
        st.floats(-2, 10, allow_nan=False),
    ),
    max_size=8,
)


@settings(max_examples=80, deadline=None)
@given(STEPS)
def test_random_command_sequences_keep_the_machine_consistent(
    steps: list[tuple[str, Grade, Channel, float]],
) -> None:
    """Whatever commands arrive, accepted ones form a valid history: one disposition at most, never before
    grading, scrap only recycled or landfilled, and replaying the events gives the same state."""
    state, first = take_in(None, appliance(), actor="T")
    events = [first]
    for step, new_grade, channel, days in steps:
        before = state
        try:
            if step == "grade":
                state, event = grade(state, "OV-1", grading(new_grade, days=days))
            elif step == "refurbish":
                state, event = refurbish(state, "OV-1", refurbishment(days=days))
            else:
                state, event = dispose(state, "OV-1", disposition(channel, 100, days=days))
        except InvalidInputError:
            assert state is before  # a refusal returns nothing new
            continue
        events.append(event)
    assert replay(events) == state
    kinds = [e.kind for e in events]
    assert kinds.count(EventKind.DISPOSE) <= 1
    if EventKind.DISPOSE in kinds:
        assert kinds[-1] is EventKind.DISPOSE and EventKind.GRADE in kinds
        assert state.disposition is not None and state.grading is not None
        if state.grading.grade is Grade.SCRAP:
            assert state.disposition.channel in (Channel.RECYCLE, Channel.LANDFILL)
    assert [e.at for e in events] == sorted(e.at for e in events)
