"""ORM models for API users, keys, sessions, jobs and the write audit."""

from __future__ import annotations
