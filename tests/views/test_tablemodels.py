"""The Entities and Audit table models: qtmodeltester, and plain unit tests with no widgets."""

from __future__ import annotations

from desk_app.qt import Qt
from desk_app.services.directory.entities import EntityService
from desk_app.services.listing import ListQuery
from desk_app.services.records.audit_log import AuditLogService
from desk_app.views.tablemodels import audit as audit_cols
from desk_app.views.tablemodels import entities as entity_cols
from desk_app.views.tablemodels.audit import AuditTableModel
from desk_app.views.tablemodels.entities import EntityTableModel
from desk_app.views.tablemodels.lazy import ROW_ROLE


def test_entity_model_passes_qtmodeltester(qtmodeltester, ctx, demo) -> None:
    model = EntityTableModel(EntityService(ctx))
    model.reload()
    qtmodeltester.check(model, force_py=True)


def test_audit_model_passes_qtmodeltester(qtmodeltester, ctx, demo) -> None:
    model = AuditTableModel(AuditLogService(ctx))
    model.reload()
    qtmodeltester.check(model, force_py=True)


def test_entity_model_rows_columns_and_row_role(ctx, demo, drain) -> None:
    model = EntityTableModel(EntityService(ctx))
    model.reload()
    assert model.rowCount() == 4
    assert model.columnCount() == len(EntityTableModel.COLUMNS)
    names = [model.index(r, entity_cols.COL_NAME).data() for r in range(4)]
    assert names == sorted(names, key=str.lower)  # default order: name
    columbia = next(r for r in range(4) if model.index(r, entity_cols.COL_CODE).data() == "010-093")
    row = model.index(columbia, 0).data(ROW_ROLE)
    assert row.id == demo.columbia
    assert model.index(columbia, entity_cols.COL_KIND).data() == "LEA"
    assert (
        model.index(columbia, entity_cols.COL_KIND).data(Qt.ItemDataRole.ToolTipRole)
        == "Local education agency"
    )
    assert model.index(columbia, entity_cols.COL_USER_MANAGERS).data() == "1"
    assert model.index(columbia, entity_cols.COL_PIN).data() == "not issued"
    assert model.headerData(entity_cols.COL_COUNTY, Qt.Orientation.Horizontal) == "County"


def test_entity_model_filters_and_sorts_in_sql(ctx, demo, drain) -> None:
    model = EntityTableModel(EntityService(ctx))
    model.set_query(ListQuery().with_filter("kind", "lea"))
    assert {model.index(r, entity_cols.COL_CODE).data() for r in range(model.rowCount())} == {
        "010-093",
        "048-078",
    }
    model.sort(entity_cols.COL_CODE, Qt.SortOrder.DescendingOrder)
    assert [model.index(r, entity_cols.COL_CODE).data() for r in range(2)] == ["048-078", "010-093"]
    assert model.query.filter("kind") == "lea"  # sorting keeps the filter
    model.set_query(ListQuery("columbia"))
    assert [model.index(r, entity_cols.COL_NAME).data() for r in range(model.rowCount())] == [
        "Columbia Public Schools"
    ]


def test_entity_model_pages_with_fetch_more(qtbot, ctx, demo, monkeypatch, drain) -> None:
    from desk_app.views.tablemodels import lazy

    monkeypatch.setattr(lazy, "PAGE", 3)
    model = EntityTableModel(EntityService(ctx))
    model.reload()
    assert model.rowCount() == 3 and model.canFetchMore(model.index(-1, -1))
    with qtbot.waitSignal(model.more_loaded, timeout=5000):
        model.fetchMore(model.index(-1, -1))
        model.fetchMore(
            model.index(-1, -1)
        )  # a second call while the page is on its way is ignored
    assert model.rowCount() == 4 and not model.canFetchMore(model.index(-1, -1))
    assert len({r.id for r in model.rows()}) == 4


def test_count_arrives_off_the_gui_thread(qtbot, ctx, demo, drain) -> None:
    model = EntityTableModel(EntityService(ctx))
    with qtbot.waitSignal(model.count_changed, timeout=5000) as counted:
        model.load_async(ListQuery().with_filter("kind", "lea"))
    assert counted.args == [2]
    assert model.rowCount() == 2


def test_a_stale_search_never_replaces_a_newer_one(qtbot, ctx, demo, drain) -> None:
    model = EntityTableModel(EntityService(ctx))
    model.load_async(ListQuery("kansas"))
    with qtbot.waitSignal(model.count_changed, timeout=5000):
        model.load_async(ListQuery("boone"))
    assert [r.name for r in model.rows()] == ["Boone Valley College"]


def test_header_sort_runs_off_the_gui_thread(qtbot, ctx, demo, drain) -> None:
    model = EntityTableModel(EntityService(ctx))
    model.reload()
    with qtbot.waitSignal(model.loaded, timeout=5000):
        model.sort_async(entity_cols.COL_CODE, Qt.SortOrder.DescendingOrder)
    assert [r.code for r in model.rows()][:2] == ["N04567", "048-078"]
    assert model.query.sort == "code" and model.query.descending


def test_audit_model_newest_first_with_filters(ctx, demo, drain) -> None:
    model = AuditTableModel(AuditLogService(ctx))
    model.reload()
    actions = [model.index(r, audit_cols.COL_ACTION).data() for r in range(model.rowCount())]
    assert actions == ["pin.issue", "entity.create", "entity.create"]
    seqs = [model.index(r, 0).data(ROW_ROLE).seq for r in range(model.rowCount())]
    assert seqs == sorted(seqs, reverse=True)
    model.set_query(ListQuery().with_filter("action", "entity.create"))
    assert model.rowCount() == 2
    assert model.index(0, audit_cols.COL_WORKSTATION).data().startswith("ws-test #")
    assert "Boone Valley College" in model.index(0, audit_cols.COL_SUMMARY).data()
