"""ORM models for second-life items, grades and dispositions."""

from __future__ import annotations
