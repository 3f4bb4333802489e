"""What a sync run changed on this workstation, as :class:`Changes`, so the screens hear of a
sync through the change bus like any other operation instead of a view announcing it by hand."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from desk_app.services.context import Area, Changes
from desk_app.services.sync.dto import SyncSummaryDTO
from desk_app.services.sync.service import SyncService

# a pull or a merge can bring rows of any synced table: every screen that shows them refreshes
_PULLED = (Area.ENTITIES, Area.ACCESS, Area.EDUCATORS, Area.QUEUE, Area.AUDIT, Area.SYNC)


@dataclass(frozen=True)
class SyncOutcome:
    """A finished sync: its summary and what it changed here."""

    summary: SyncSummaryDTO
    changes: Changes


def changes_of(summary: SyncSummaryDTO) -> Changes:
    """What ``summary``'s run changed: everything synced when rows came in, only the sync state
    (pending count, history) when rows only went out, nothing for an idle run."""
    if summary.pulled or summary.merged:
        return Changes.of(*_PULLED)
    if summary.pushed or summary.blobs_sent or summary.conflicts:
        return Changes.of(Area.SYNC)
    return Changes()


def run_sync(
    service: SyncService,
    *,
    background: bool = False,
    progress: Callable[[int, int, str], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> SyncOutcome:
    """Run one sync with ``service`` and say what it changed (see :meth:`SyncService.run`)."""
    summary = service.run(background=background, progress=progress, cancelled=cancelled)
    return SyncOutcome(summary, changes_of(summary))
