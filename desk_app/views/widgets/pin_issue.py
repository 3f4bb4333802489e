"""Issuing an entity's security PIN from the GUI: where to save the mailer, then the service.

The Entities page's "Issue / reissue PIN" action. The PIN is drawn, hashed and put in the letter
by the service on the writer thread: it never reaches the GUI.
"""

from __future__ import annotations

from collections.abc import Callable

from desk_app.qt import QFileDialog, QWidget
from desk_app.services.context import ServiceContext
from desk_app.services.review import pins
from desk_app.views import ops


def issue_pin_interactively(
    parent: QWidget,
    services: ServiceContext,
    entity_id: str,
    entity_code: str,
    on_done: Callable[[object], None],
    on_failed: Callable[[BaseException], None],
) -> None:
    """Ask where to save the PIN mailer letter, then issue the PIN on the writer pool.

    The letter is written by the service on its worker thread: the PIN never reaches the GUI.
    For the Entities page's "Issue / reissue PIN" action.
    """
    path, _ = QFileDialog.getSaveFileName(
        parent,
        f"Save the PIN mailer letter for {entity_code}",
        f"pin-letter-{entity_code}.pdf",
        "PDF (*.pdf)",
    )
    if not path:
        return
    ops.op(pins.issue_pin_to_file, services, entity_id, path).success(on_done).failure(
        on_failed
    ).run("writer", initiator=parent)
