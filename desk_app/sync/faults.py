"""Numbered fault-injection points for the crash tests.

The sync engine calls :func:`point` at every place where an interruption matters (before and after
each server commit, before and after each local commit). Tests install a hook that raises at the
n-th point; in production no hook is installed and a point costs one global lookup.
"""

from __future__ import annotations

from collections.abc import Callable

_hook: list[Callable[[str], None] | None] = [None]


class InjectedFault(Exception):
    """Raised by test hooks: stands for the process dying at that point."""


def set_hook(hook: Callable[[str], None] | None) -> None:
    """Install (or with ``None`` remove) the function called at every fault point."""
    _hook[0] = hook


def point(name: str) -> None:
    """A place where the sync may be interrupted; calls the installed hook, if any."""
    hook = _hook[0]
    if hook is not None:
        hook(name)
