"""Public reference data shipped with the package (see ATTRIBUTION.md beside this file)."""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable


def data_file(name: str) -> Traversable:
    """A shipped data file by name, readable without network access."""
    return files(__package__).joinpath(name)
