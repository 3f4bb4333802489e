"""Errors split by cause.

A :class:`KnownError` is a failure the operator can act on (bad input, server down, disk full,
no permission): the UI shows its message and the log records it at WARNING. Anything else that
escapes is a bug: the crash handler shows a dialog naming the log file.
"""

from __future__ import annotations


class KnownError(Exception):
    """A failure with a clear message for the operator; not a defect."""

    exit_code = 2

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message} ({self.hint})"


class ValidationError(KnownError):
    """A value failed a rule at the model boundary (code format, required field...)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


class PermissionDenied(KnownError):
    """The operator's role does not allow this action."""


class NotFound(KnownError):
    """A record the caller named does not exist (or was deleted)."""


class StoreError(KnownError):
    """The database cannot be opened or used (corrupt, locked, read-only, newer schema)."""


class ConflictError(KnownError):
    """A row changed under us (optimistic concurrency) or a state transition is not allowed."""
