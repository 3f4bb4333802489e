"""Screens of the certification workbench for ``desk-app screenshot``: the Educators page's
applications and watch-list tabs, and its dialogs, each filled from the demo data.

They are drawn as a Certification Specialist sees them (the role that edits educators), whoever
runs the command: a Security Administrator's window would hide every button worth looking at.
"""

from __future__ import annotations

from dataclasses import replace

from desk_app.app import AppContext
from desk_app.errors import KnownError
from desk_app.qt import QApplication, QWidget
from desk_app.services.context import ServiceContext
from desk_app.services.educators.documents import documents_of
from desk_app.services.educators.evidence_items import list_evidence
from desk_app.services.educators.profiles import EducatorService
from desk_app.services.listing import ListQuery
from desk_app.views import ops

NAMES = (
    "educators-profiles",
    "educators-applications",
    "educators-watch",
    "educator-new-profile",
    "educator-edit-profile",
    "educator-practicum",
    "educator-evidence",
    "educator-application",
)


def _specialist(ctx: AppContext) -> ServiceContext:
    services = ctx.services
    return replace(services, actor=replace(services.actor, role="certification_specialist"))


def _window(ctx: AppContext, tab: int) -> QWidget:
    import desk_app.views.pages.educators  # noqa: F401  # loaded now, so the page is built at once
    from desk_app.views.main_window import MainWindow
    from desk_app.views.pages.base import PageContext

    window = MainWindow(
        PageContext(_specialist(ctx), ctx.operator, ctx.settings), database=ctx.paths.database
    )
    window.show_page("educators")
    page = window.page("educators")
    QApplication.processEvents()
    ops.wait_for_all(15_000)  # the profiles list first, then the tab asked for
    QApplication.processEvents()
    page.tabs.setCurrentIndex(tab)  # type: ignore[attr-defined]
    if tab == 2:
        page.watch.on_compute()  # type: ignore[attr-defined]
    return window


def _educator_with_evidence(services: ServiceContext) -> str:
    service = EducatorService(services)
    rows = service.fetch(ListQuery().with_filter("classification", "ISS"), 0, 50)
    for row in rows:
        if list_evidence(services, row.id):
            return row.id
    rows = rows or service.fetch(ListQuery(), 0, 1)
    if not rows:
        raise KnownError("this screen shows an educator: seed the demo data first")
    return rows[0].id


def build(ctx: AppContext, name: str) -> QWidget:
    """The screen ``name`` (one of :data:`NAMES`), filled in."""
    if name == "educators-profiles":
        return _window(ctx, 0)
    if name == "educators-applications":
        return _window(ctx, 1)
    if name == "educators-watch":
        return _window(ctx, 2)
    from desk_app.views.pages.educator_forms import (
        EditProfileDialog,
        NewProfileDialog,
        PracticumDialog,
    )

    services = _specialist(ctx)
    if name == "educator-new-profile":
        dialog = NewProfileDialog()
        dialog.first.setText("Maria")
        dialog.last.setText("Delgado")
        dialog.email.setText("maria.delgado@example.org")
        return dialog
    if name == "educator-practicum":
        practicum = PracticumDialog(services)
        practicum.hours.setValue(45)
        practicum.show_answer(
            "a practicum of 45 clock hours needs a profile, and this student has none: create it"
        )
        return practicum
    educator_id = _educator_with_evidence(services)
    profile = EducatorService(services).detail(educator_id)
    if name == "educator-application":
        from desk_app.views.pages.educator_forms import ApplicationDialog

        application = ApplicationDialog(services, profile)
        application.kind.setCurrentIndex(application.kind.findData("upgrade"))
        return application
    if name == "educator-edit-profile":
        edit = EditProfileDialog(services, profile)
        edit.username.setText("newname")
        return edit
    from desk_app.views.dialogs.evidence import EvidenceDialog

    items = list_evidence(services, educator_id)
    experience = next((i for i in items if i.kind == "experience"), None)
    return EvidenceDialog(services, educator_id, documents_of(services, educator_id), experience)
