"""Intake use cases for the GUI and the CLI: the pipeline over the configured sources.

The queue side of the pipeline (a batch of read items becoming submissions, duplicates flagged,
one message queued once) is :mod:`desk_app.services.queue.enqueue`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

from desk_app.errors import KnownError
from desk_app.intake.imap import ImapMailbox, ImapSettings
from desk_app.intake.ledger import Ledger
from desk_app.intake.pipeline import Cancelled, Hook, IntakeReport, Pipeline, Progress, no_hook
from desk_app.intake.sources import FileList, SourceUnreachable, fax_folder, mail_folder
from desk_app.intake.sources import Source as Source  # re-exported: the views name sources by it
from desk_app.rules.permissions import Perm
from desk_app.services.context import Area, Changes, ServiceContext
from desk_app.services.queue.enqueue import enqueue_batch

log = logging.getLogger(__name__)

IMAP_PASSWORD = "imap-password"
FOLDER_SETTLE_SECONDS = 5.0  # leave files younger than this: the fax server may still be writing


class IntakeService:
    """Runs the pipeline over the configured sources (CLI, scheduler, GUI buttons, drops)."""

    def __init__(self, ctx: ServiceContext, hook: Hook = no_hook) -> None:
        self.ctx = ctx
        self.hook = hook

    def pipeline(self) -> Pipeline:
        if self.ctx.paths is None:
            raise KnownError("no data folder: intake needs the blob store")
        return Pipeline(
            Ledger(self.ctx.store),
            self.ctx.blobs(),
            lambda items, hook: enqueue_batch(self.ctx, items, hook),
            self.hook,
        )

    def run(
        self,
        sources: Iterable[Source],
        progress: Progress | None = None,
        cancelled: Cancelled | None = None,
    ) -> IntakeReport:
        """Take everything the sources offer (and resume anything interrupted before); with
        ``cancelled``, stop between items when asked (see :meth:`Pipeline.run`)."""
        self.ctx.require(Perm.WORK_QUEUE)
        return self.pipeline().run(sources, progress, cancelled)

    def run_changes(
        self,
        sources: Iterable[Source],
        progress: Progress | None = None,
        cancelled: Cancelled | None = None,
    ) -> tuple[IntakeReport, Changes]:
        report = self.run(sources, progress, cancelled)
        return report, Changes.of(Area.QUEUE) if report.submissions or report.resumed else Changes()

    # --- sources from settings -------------------------------------------------------------------
    def imap_source(self) -> ImapMailbox:
        st = self.ctx.settings
        if not st["imap_host"]:
            raise SourceUnreachable(
                "no IMAP server is configured", hint="set it in Settings > Intake"
            )
        password = self.ctx.secrets.get(IMAP_PASSWORD)
        if password is None:
            raise SourceUnreachable(
                "no IMAP password is stored", hint="enter it in Settings > Intake"
            )
        return ImapMailbox(
            ImapSettings(
                st["imap_host"],
                st["imap_port"],
                st["imap_security"],
                st["imap_user"],
                st["imap_folder"],
                st["imap_processed_folder"],
            ),
            password,
        )

    def fax_source(
        self, folder: str | Path | None = None, settle: float = FOLDER_SETTLE_SECONDS
    ) -> Source:
        path = folder or self.ctx.settings["fax_folder"]
        if not path:
            raise SourceUnreachable(
                "no fax folder is configured", hint="set it in Settings > Intake"
            )
        return fax_folder(Path(path), self.ctx.settings["fax_number_pattern"], settle)

    def mail_folder_source(
        self, folder: str | Path | None = None, settle: float = FOLDER_SETTLE_SECONDS
    ) -> Source:
        path = folder or self.ctx.settings["mail_folder"]
        if not path:
            raise SourceUnreachable(
                "no mail folder is configured", hint="set it in Settings > Intake"
            )
        return mail_folder(Path(path), settle)

    def ingest_files(
        self,
        paths: Iterable[str | Path],
        progress: Progress | None = None,
        cancelled: Cancelled | None = None,
    ) -> Changes:
        """Files dropped on the window (.msg, .eml, .pdf, .tif...): taken where they are (with
        ``cancelled``, the files not yet taken when it turns true are left alone)."""
        report = self.run([FileList(Path(p) for p in paths)], progress, cancelled)
        if report.unreachable:
            raise SourceUnreachable("; ".join(report.unreachable))
        return Changes.of(Area.QUEUE) if report.submissions else Changes()

    def set_imap_password(self, password: str) -> None:
        """Keep the mailbox password in the OS keyring (never in settings)."""
        self.ctx.require(Perm.SETTINGS)
        self.ctx.secrets.set(IMAP_PASSWORD, password)
