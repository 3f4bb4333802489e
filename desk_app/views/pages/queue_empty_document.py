"""The Document tab of a submission that has no document to show: it says why instead of a grey
area, and a seeded demo submission gets its generated document on first opening
(:mod:`desk_app.services.queue.demo_documents`)."""

from __future__ import annotations

from typing import Any

from desk_app.services.queue.demo_documents import make_demo_document, why_none
from desk_app.services.queue.dto import QueueDetail
from desk_app.views import ops

GENERATING = "Generating this demo submission's document from its values…"


def no_document(page: Any, detail: QueueDetail) -> None:
    """Show why ``detail`` has no document on ``page.viewer``; for a demo submission, make its
    document (writer pool) and show it once stored, if the operator is still on it."""
    row = detail.row
    reason = why_none(row.state, row.form_number, row.quarantine_reason)
    if detail.documents or not row.form_number or row.state == "quarantine":
        page.viewer.clear(reason)
        return
    page.viewer.clear(GENERATING)

    def made(result: Any) -> None:
        current = page.detail
        if current is None or current.row.id != row.id:
            return  # the operator moved on; the document is there when they come back
        if result is None:  # not demo data: a real submission recorded without a file
            page.viewer.clear(reason)
            return
        ops.op(page.listing.document_bytes, result.document_id).success(
            lambda pdf: _show(page, row.id, pdf)
        ).failure(lambda exc: page.viewer.clear(f"The document could not be read: {exc}")).run(
            "instant", initiator=page
        )

    ops.op(make_demo_document, page.context.services, row.id).success(made).failure(
        lambda exc: page.viewer.clear(f"{reason} ({exc})")
    ).run("writer", initiator=page)


def _show(page: Any, submission_id: str, pdf: bytes) -> None:
    current = page.detail
    if current is not None and current.row.id == submission_id:
        page.viewer.set_document(pdf, untrusted_source=True)
