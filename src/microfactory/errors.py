"""Errors the product raises on purpose, each naming where the problem is.

Every error shown to a user says *where* (a file and row, a setting, a field) and *why*. Adapters
(CLI, API) print ``str(error)`` as one line; a traceback is only shown with ``--debug``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class MicrofactoryError(Exception):
    """Base class for every error the product raises deliberately."""


@dataclass(frozen=True, slots=True)
class ErrorLocation:
    """Where a piece of bad input sits: a source (file, setting, object), a row and a field."""

    source: str
    field: str | None = None
    row: int | None = None

    def __str__(self) -> str:
        parts = [self.source]
        if self.row is not None:
            parts.append(str(self.row))
        if self.field:
            parts.append(self.field)
        return ":".join(parts)


@dataclass(frozen=True, slots=True)
class InputIssue:
    """One reason a piece of input was refused."""

    location: ErrorLocation
    reason: str

    def __str__(self) -> str:
        return f"{self.location}: {self.reason}"


class InvalidInputError(MicrofactoryError):
    """Input was refused; carries every issue found, so a user can fix them all in one pass."""

    def __init__(self, issues: Sequence[InputIssue]) -> None:
        if not issues:
            raise ValueError("InvalidInputError needs at least one issue")
        self.issues: tuple[InputIssue, ...] = tuple(issues)
        first = str(self.issues[0])
        more = len(self.issues) - 1
        super().__init__(first if more == 0 else f"{first} (and {more} more)")

    @classmethod
    def single(
        cls, source: str, reason: str, *, field: str | None = None, row: int | None = None
    ) -> InvalidInputError:
        """Build an error with one issue at ``source[:row][:field]``."""
        return cls([InputIssue(ErrorLocation(source, field=field, row=row), reason)])


class ConfigurationError(MicrofactoryError):
    """A setting (environment variable or option) has a value the product cannot use."""

    def __init__(self, setting: str, value: object, reason: str) -> None:
        self.setting = setting
        self.value = value
        self.reason = reason
        super().__init__(f"setting {setting}={value!r}: {reason}")


class NotFoundError(MicrofactoryError):
    """A record named by its natural key does not exist."""

    def __init__(self, kind: str, key: str) -> None:
        self.kind = kind
        self.key = key
        super().__init__(f"{kind} {key!r} not found")
