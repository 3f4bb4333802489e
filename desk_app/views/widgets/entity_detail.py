"""The detail pane of the Entities page: contact, PIN status, officers with history, buildings,
user managers. It renders an :class:`EntityDetail` DTO; loading happens elsewhere, off the GUI thread."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from html import escape

from desk_app.qt import QTextBrowser, QUrl, QWidget, Signal
from desk_app.services.directory.dto import EntityDetail

OFFICER_ROLES = {
    "superintendent": "Superintendent",
    "authorized_representative": "Authorized representative",
    "agency_contact": "Agency contact",
}


def _when(value: date | datetime | None, empty: str = "") -> str:
    if value is None:
        return empty
    return f"{value:%Y-%m-%d}"


def _table(
    headers: Sequence[str],
    rows: Iterable[Sequence[str]],
    empty: str,
    nowrap: frozenset[int] = frozenset(),
) -> str:
    """An HTML table; columns in ``nowrap`` (dates, codes) never break inside a value."""

    def cell(i: int, value: str) -> str:
        style = " style='white-space:nowrap'" if i in nowrap else ""
        return f"<td{style}>{escape(value)}</td>"

    body = "".join(
        "<tr>" + "".join(cell(i, c) for i, c in enumerate(row)) + "</tr>" for row in rows
    )
    if not body:
        return f"<p><i>{escape(empty)}</i></p>"
    head = "".join(f"<th align='left'>{escape(h)}</th>" for h in headers)
    return f"<table cellspacing='0' cellpadding='3' width='100%'><tr>{head}</tr>{body}</table>"


def _items(entries: Iterable[str], empty: str) -> str:
    """A bulleted list of already-escaped HTML entries (wraps well in a narrow pane)."""
    body = "".join(f"<li>{entry}</li>" for entry in entries)
    return f"<ul style='margin-left:0'>{body}</ul>" if body else f"<p><i>{escape(empty)}</i></p>"


def _pin_text(detail: EntityDetail) -> str:
    if not detail.row.has_pin:
        return "not issued"
    issued = _when(detail.pin_issued_at)
    state = "locked after failed attempts" if detail.row.pin_locked else "issued"
    return f"{state} (letter of {issued})" if issued else state


def detail_html(detail: EntityDetail) -> str:
    """The pane's HTML; every value is escaped."""
    r = detail.row
    contact = [
        ("County", r.county),
        ("City", r.city),
        ("Address", detail.address),
        ("Phone", detail.phone),
        ("Fax", detail.fax),
        ("Email", detail.email),
        ("Agency contact", detail.agency_contact),
        ("Security PIN", _pin_text(detail)),
        ("Opened", _when(detail.opened_on)),
        ("Closed", _when(detail.closed_on)),
    ]
    facts = "".join(
        f"<tr><td><b>{escape(k)}</b></td><td>{escape(v)}</td></tr>" for k, v in contact if v
    )
    officers = _items(
        (
            f"<b>{escape(o.name)}</b>, {escape(OFFICER_ROLES.get(o.role, o.role))}<br>"
            f"<span style='white-space:nowrap'>{_when(o.start_date)} – {_when(o.end_date, 'in office')}</span>"
            f" · <a href='specimens:{escape(o.person_id)}'>signature specimens</a>"
            for o in detail.officers
        ),
        "No superintendent or authorized representative on file.",
    )
    managers = _items(
        (
            f"<b>{escape(m.name)}</b> ({escape(m.username)}), since {_when(m.since)}"
            for m in detail.user_managers
        ),
        "No current user manager.",
    )
    buildings = _table(
        ("Code", "Building", "Grades"),
        ((b.code, b.name, b.grades) for b in detail.buildings),
        "No buildings.",
        frozenset({0, 2}),
    )
    return (
        f"<h2>{escape(r.name)}</h2><p>{escape(r.kind_title)} · <b>{escape(r.code)}</b>"
        f"{'' if r.active else ' · inactive'}</p>"
        f"<table cellpadding='2'>{facts}</table>"
        f"<h3>Officers</h3>{officers}"
        f"<h3>User managers ({len(detail.user_managers)})</h3>{managers}"
        f"<h3>Buildings ({len(detail.buildings)})</h3>{buildings}"
        f"<p><small>Last changed {_when(detail.updated_at)} by {escape(detail.updated_by or 'unknown')}"
        f" · version {detail.row_version}</small></p>"
    )


class EntityDetailPane(QTextBrowser):
    """Read-only, selectable, keyboard-scrollable detail of one entity.

    Signals:
        specimens_requested(str, str): an officer's "signature specimens" link was followed
            (person id, name).
    """

    specimens_requested = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Entity detail")
        self.setOpenLinks(False)
        self.anchorClicked.connect(self.on_anchor_clicked)
        self.detail: EntityDetail | None = None
        self.show_message("Select an entity to see its officers, buildings and user managers.")

    def on_anchor_clicked(self, url: QUrl) -> None:
        text = url.toString()
        if text.startswith("specimens:") and self.detail is not None:
            person = text.removeprefix("specimens:")
            name = next((o.name for o in self.detail.officers if o.person_id == person), "")
            self.specimens_requested.emit(person, name)

    def show_message(self, text: str) -> None:
        self.detail = None
        self.setHtml(f"<p style='color:gray'>{escape(text)}</p>")

    def show_detail(self, detail: EntityDetail) -> None:
        self.detail = detail
        self.setHtml(detail_html(detail))
