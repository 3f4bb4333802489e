"""The Work queue page's hands on documents: naming the form, keying a fax with what its request
token and the entity record already know, taking files in (sources, drops anywhere on the
window). A mixin of :class:`desk_app.views.pages.queue.Page`, split off to keep that module
readable; it uses the page's widgets and services and nothing of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from desk_app.errors import KnownError
from desk_app.pdf.catalogue import find_form
from desk_app.qt import QInputDialog, QWidget
from desk_app.services.context import Changes
from desk_app.services.directory.forms import entity_prefill
from desk_app.services.queue.keying import request_prefill
from desk_app.views import ops
from desk_app.views.pages.queue_text import known_values, preview_document
from desk_app.views.widgets.file_drop import FileDropFilter, dropped_paths

if TYPE_CHECKING:  # typed as the page's widget for the checker
    # the intake service pulls in the PDF engine: named here for the checker only
    from desk_app.services.queue.intake import Source

    _Widget = QWidget
else:  # at run time a plain mixin ahead of the page's base
    _Widget = object
DROPPABLE = (".msg", ".eml", ".pdf", ".tif", ".tiff", ".png", ".jpg", ".jpeg")


class DocumentActions(_Widget):
    """Identify, key and take in (see the module docstring)."""

    # provided by the page
    current_row: Any
    detail: Any
    status: Any
    tabs: Any
    keying: Any
    listing: Any
    service: Any
    intake: Any
    intake_progress: Any
    context: Any
    on_error: Any
    refresh: Any
    _run: Any
    _done: Any

    def on_identify_clicked(self) -> None:
        from desk_app.pdf.catalogue import FORMS

        row = self.current_row()
        if row is None:
            return
        numbers = list(FORMS)
        current = numbers.index(row.form_number) if row.form_number in numbers else 0
        number, ok = QInputDialog.getItem(
            self, "Form", "This submission is form:", numbers, current, False
        )
        if ok:
            self.identify_current(number)

    def identify_current(self, form_number: str) -> None:
        """Name the form of the current submission (an unidentified one then needs keying)."""
        row = self.current_row()
        if row is not None:
            self._run(
                self.service.identify, row.id, form_number, done=f"Form set to {form_number}."
            )

    def open_keying(self) -> None:
        detail = self.detail
        doc = preview_document(detail) if detail else None
        if detail is None or doc is None or not detail.row.form_number:
            self.status.setText("Identify the form first: keying needs a known form.")
            return
        self.tabs.setCurrentWidget(self.keying)
        ops.op(self.listing.document_bytes, doc.id).success(
            lambda pdf: self.keying.open(
                detail.row.id,
                detail.row.form_number,
                pdf,
                doc.page_count or detail.row.page_count or 1,
                known_values(detail),
            )
        ).failure(self.on_error).run("instant", initiator=self)

    def _keying_prefill(
        self, submission_id: str, form_number: str, code: str
    ) -> dict[str, tuple[str, str]]:
        """Pool thread: what the form's request token and the entity record fill in, as
        ``{field: (value, where from)}``; the token's values are what is printed on the page."""
        services = self.context.services
        out: dict[str, tuple[str, str]] = {}
        if submission_id:
            requested = request_prefill(services, submission_id)
            out = {k: (v, f"request token {requested.token}") for k, v in requested.values}
        spec = find_form(form_number)
        code = code or (out.get(spec.entity_code_field, ("", ""))[0] if spec else "")
        if code:
            try:
                known = entity_prefill(services, form_number, code).values
            except KnownError:
                if not out:
                    raise
                known = {}
            for name, value in known.items():
                out.setdefault(name, (value, "entity record"))
        return out

    def _save_keyed(self, submission_id: str, values: dict[str, str], complete: bool) -> Changes:
        changes: Changes = self.service.save_keyed_values(submission_id, values, complete=complete)
        return changes

    def run_intake(self, which: str) -> None:
        """Take in from a configured source off the GUI thread; the queue refreshes after."""
        sources: dict[str, Callable[[], Source]] = {
            "imap": self.intake.imap_source,
            "fax": self.intake.fax_source,
            "folder": self.intake.mail_folder_source,
        }
        source = sources[which]
        self.status.setText("Taking in…")
        self.intake_progress.track(
            ops.op(lambda **step: self.intake.run_changes([source()], **step))
        ).success(lambda result: self._intake_done(result)).failure(self.on_error).run(
            "writer", initiator=self
        )

    def _intake_done(self, result: Any) -> None:
        report, changes = result  # the bus hears of ``changes`` from the operation itself
        first = report.summary().splitlines()[0]
        waiting = len(report.settling)
        self.status.setText(
            first + (f"; {waiting} file(s) too new, taken at the next run" if waiting else "")
        )
        if changes.areas:
            self.refresh()

    def take_files(self, paths: list[str]) -> None:
        self.status.setText(f"Taking in {len(paths)} file(s)…")
        taking = self.intake_progress.track(ops.op(self.intake.ingest_files, paths))
        taking.success(
            lambda _c: self._done(
                "Stopped: the files not yet taken were left where they are."
                if taking.cancel_requested
                else f"Took in {len(paths)} file(s)."
            )
        ).failure(self.on_error).run("writer", initiator=self)

    # --- drag and drop -------------------------------------------------------------------------
    def showEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        window = self.window()
        if window is not self and not window.property("queue_drop_target"):
            # files dropped anywhere on the main window are taken in, not only on this page
            window.setProperty("queue_drop_target", True)
            window.setAcceptDrops(True)
            self.drop_filter = FileDropFilter(self.take_files, DROPPABLE, self)
            window.installEventFilter(self.drop_filter)

    def dragEnterEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        if dropped_paths(event, DROPPABLE):
            event.acceptProposedAction()

    def dropEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        paths = dropped_paths(event, DROPPABLE)
        if paths:
            event.acceptProposedAction()
            self.take_files(paths)
