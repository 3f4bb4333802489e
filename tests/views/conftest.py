"""Fixtures for view tests: a few entities, officers and audit events written through the ORM
(independent of the demo seeder), a page context, and a main window that cleans up after itself."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest

from desk_app.models import auditchain as audit
from desk_app.models.access import UserAccount, UserManagerDesignation
from desk_app.models.entities import Building, County, EducationalEntity
from desk_app.models.people import EntityOfficer, Person
from desk_app.rules.permissions import ROLE_TITLES
from desk_app.services.context import ServiceContext
from desk_app.services.directory.dto import OperatorDTO
from desk_app.views import ops
from desk_app.views.pages.base import PageContext


@dataclass(frozen=True)
class DemoIds:
    columbia: str
    boone_ihe: str
    st_mary: str


def add_demo_rows(ctx: ServiceContext) -> DemoIds:
    """Two counties, four entities (one with an officer history, buildings and a user manager),
    and three audit events."""
    with ctx.uow() as uow:
        s = uow.session
        boone, jackson = County(code="010", name="Boone"), County(code="048", name="Jackson")
        columbia = EducationalEntity(
            kind="lea",
            code="010-093",
            name="Columbia Public Schools",
            county=boone,
            city="Columbia",
            phone="573-555-0100",
        )
        kc = EducationalEntity(
            kind="lea",
            code="048-078",
            name="Kansas City Public Schools",
            county=jackson,
            city="Kansas City",
        )
        ihe = EducationalEntity(
            kind="ihe", code="002516", name="Boone Valley College", county=boone, city="Columbia"
        )
        st_mary = EducationalEntity(
            kind="nonpublic",
            code="N04567",
            name="St. Mary Academy",
            county=jackson,
            city="Independence",
        )
        s.add_all([boone, jackson, columbia, kc, ihe, st_mary])
        s.flush()
        old = Person(first_name="Ruth", last_name="Okafor", title="Superintendent")
        new = Person(
            first_name="Dana",
            last_name="Whitfield",
            title="Superintendent",
            email="dana.whitfield@example.org",
        )
        s.add_all(
            [
                EntityOfficer(
                    entity_id=columbia.id,
                    person=old,
                    role="superintendent",
                    start_date=date(2015, 7, 1),
                    end_date=date(2022, 6, 30),
                ),
                EntityOfficer(
                    entity_id=columbia.id,
                    person=new,
                    role="superintendent",
                    start_date=date(2022, 7, 1),
                ),
                Building(
                    entity_id=columbia.id, code="1050", name="Rock Bridge High", grades="9-12"
                ),
                Building(entity_id=columbia.id, code="4020", name="Grant Elementary", grades="K-5"),
            ]
        )
        manager = UserAccount(
            username="jlopez",
            first_name="Jo",
            last_name="Lopez",
            email="jo.lopez@example.org",
            entity_id=columbia.id,
        )
        s.add(manager)
        s.flush()
        s.add(
            UserManagerDesignation(
                entity_id=columbia.id,
                user_account_id=manager.id,
                start_at=datetime(2023, 8, 1, tzinfo=UTC),
            )
        )
        for action, entity in (
            ("entity.create", columbia),
            ("entity.create", ihe),
            ("pin.issue", columbia),
        ):
            audit.record(
                uow,
                action,
                record_type="educational_entity",
                record_id=entity.id,
                summary=f"{entity.code} {entity.name}",
            )
        uow.commit()
        return DemoIds(str(columbia.id), str(ihe.id), str(st_mary.id))


@pytest.fixture
def demo(ctx: ServiceContext) -> DemoIds:
    return add_demo_rows(ctx)


@pytest.fixture
def page_context(ctx: ServiceContext) -> PageContext:
    operator = OperatorDTO(
        ctx.actor.username,
        ctx.actor.username.title(),
        ctx.actor.role,
        ROLE_TITLES[ctx.actor.role],
        ctx.actor.workstation_id,
    )
    return PageContext(services=ctx, operator=operator, settings=ctx.settings)


@pytest.fixture
def drain(qtbot) -> Iterator[object]:
    """Lets background operations finish and deliver their callbacks before the test ends."""

    def wait() -> None:
        ops.wait_for_all(10_000)
        qtbot.wait(20)

    yield wait
    wait()


@pytest.fixture
def main_window(qtbot, page_context: PageContext, app_paths, drain):
    from desk_app.views.main_window import MainWindow
    from desk_app.views.pages import PAGE_ORDER

    # the app imports a page's module on a pool thread at its first visit (tested on its own in
    # test_main_window); with every module loaded, show_page() shows the page at once
    for key in PAGE_ORDER:
        importlib.import_module(f"desk_app.views.pages.{key}")
    window = MainWindow(page_context, database=app_paths.database, config_dir=app_paths.config_dir)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    yield window  # qtbot closes it; drain (torn down later) lets its operations finish
