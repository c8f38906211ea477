"""ORM models for hub stock on hand, moves and policies."""

from __future__ import annotations
