"""What the Work queue page writes about a submission: its summary, the SLA legend, the document
to preview and the values to key from (plain functions of the DTOs)."""

from __future__ import annotations

from typing import Any

from desk_app.services.queue.dto import CHANNEL_TITLES, STATE_TITLES, QueueDetail
from desk_app.views.tablemodels.queue import AGING_COLOURS

# the Work queue's filter choices, as the operator reads them (label, filter value)
AGE_FILTERS = (
    ("Any age", ""),
    ("Past the SLA", "overdue"),
    ("Older than 5 days", "5d"),
    ("Older than 10 days", "10d"),
)
HOLDER_FILTERS = (("Anyone", ""), ("Mine", "me"), ("Unassigned", "none"))


def preview_document(detail: QueueDetail) -> Any:
    """The PDF to show: this form's part of a normalised fax, else the received PDF itself."""
    docs = sorted(detail.documents, key=lambda d: d.role != "normalised")
    return next((d for d in docs if d.media_type == "application/pdf"), None)


def sla_legend_html(sla_days: float) -> str:
    """What the row colours mean, against the SLA in business days."""
    swatch = "<span style='background:{};'>&nbsp;&nbsp;&nbsp;&nbsp;</span>"
    due, overdue = (AGING_COLOURS[k].name() for k in ("due", "overdue"))
    return (
        f"<span title='past half the SLA of {sla_days:g} business days'>"
        f"{swatch.format(due)} due</span> &nbsp; "
        f"<span title='past the SLA of {sla_days:g} business days'>"
        f"{swatch.format(overdue)} overdue</span>"
    )


def known_values(detail: QueueDetail) -> dict[str, Any]:
    """The values to key from: those read or keyed so far, and the entity the row already names
    (from the page's marks or the list fields), which then prefills from the entity record."""
    values = dict(detail.values)
    if detail.row.entity_code and not values.get("entity_code"):
        values["entity_code"] = detail.row.entity_code
    return values


def summary(detail: QueueDetail) -> str:
    row = detail.row
    lines = [
        f"{row.form_title} · {STATE_TITLES.get(row.state, row.state)} · received "
        f"{row.received_at.astimezone():%Y-%m-%d %H:%M} by {CHANNEL_TITLES.get(row.channel, row.channel)}"
        f" from {row.sender or 'unknown sender'}"
    ]
    if row.entity_code or row.entity_name:
        lines.append(f"Entity: {row.entity_code} {row.entity_name}".strip())
    lines.append(f"Held by {row.assigned_to}" if row.assigned_to else "Not held by anyone")
    if row.quarantine_reason:
        lines.append(f"Quarantined: {row.quarantine_reason}")
    if detail.duplicate_of:
        lines.append(f"Possible duplicate: {detail.duplicate_reason}")
    return "\n".join(lines)


def summary_label(detail: QueueDetail | None) -> str:
    """A submission in a few words for a status line: form and entity."""
    if detail is None:
        return "the submission"
    row = detail.row
    return f"{row.form_number or 'form'} {row.entity_code or ''}".strip()
