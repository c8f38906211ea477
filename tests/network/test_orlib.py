"""Reading OR-Library CFLP text."""

from __future__ import annotations

import numpy as np
import pytest

from microfactory.network import parse_orlib_cflp

# 2 warehouses, 2 customers, tokens wrapped across lines on purpose.
TEXT = """2 2
 10 100.
 20 200.
 5
 1.5 2.5 7 3.0
 4.0
"""


def test_reads_a_stream_of_numbers_across_line_breaks() -> None:
    """Capacities, fixed costs, demands and the cost matrix land in the right places."""
    inst = parse_orlib_cflp(TEXT)
    assert inst.capacity.tolist() == [10, 20]
    assert inst.fixed_cost.tolist() == [100, 200]
    assert inst.demand.tolist() == [5, 7]
    assert np.array_equal(inst.cost, [[1.5, 3.0], [2.5, 4.0]])
    flp = inst.to_flp()
    assert flp.pair_cost.tolist() == [1.5, 3.0, 2.5, 4.0]


def test_word_capacity_needs_an_explicit_capacity() -> None:
    """capa/capb/capc print ``capacity``; the reader asks for one and then uses it."""
    text = TEXT.replace(" 10 100.", " capacity 100.").replace(" 20 200.", " capacity 200.")
    with pytest.raises(ValueError, match="pass capacity"):
        parse_orlib_cflp(text, source="capa")
    assert parse_orlib_cflp(text, capacity=8000).capacity.tolist() == [8000, 8000]


def test_truncated_file_names_what_is_missing() -> None:
    """A short file says which number it expected."""
    with pytest.raises(ValueError, match="cost of customer 2 at warehouse 2"):
        parse_orlib_cflp(TEXT.rsplit("4.0", 1)[0], source="short")
