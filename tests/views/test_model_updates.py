"""Table models update the rows a change touched instead of resetting (the Anki browser's way),
and every table model passes qtmodeltester."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

from desk_app.models.sync_state import SyncConflict, SyncRun
from desk_app.qt import QItemSelectionModel
from desk_app.services.educators.profiles import EducatorService
from desk_app.services.listing import ListQuery
from desk_app.services.sync.service import ConflictSource, SyncHistorySource
from desk_app.views.pages.sync import ConflictListModel, SyncHistoryModel
from desk_app.views.tablemodels.educators import EducatorTableModel
from desk_app.views.tablemodels.lazy import Column, LazyTableModel


@dataclass(frozen=True)
class _Row:
    id: str
    name: str


class _Rows:
    """A list source over a Python list the test edits (a stand-in for a service's query)."""

    def __init__(self, rows: list[_Row]) -> None:
        self.rows = rows

    def count(self, query: ListQuery) -> int:
        return len(self.rows)

    def fetch(self, query: ListQuery, offset: int, limit: int) -> list[_Row]:
        return self.rows[offset : offset + limit]


class _Model(LazyTableModel[_Row]):
    COLUMNS = (Column("Id"), Column("Name"))

    def display(self, row: _Row, column: int) -> str:
        return (row.id, row.name)[column]


def _model(qtbot, rows: list[_Row]) -> tuple[_Model, _Rows, list[str]]:
    source = _Rows(rows)
    model = _Model(source)
    model.reload()
    signals: list[str] = []
    for name in ("modelReset", "rowsRemoved", "rowsInserted", "dataChanged", "layoutChanged"):
        getattr(model, name).connect(lambda *_a, n=name: signals.append(n))
    return model, source, signals


def _refresh(qtbot, model: _Model) -> None:
    with qtbot.waitSignal(model.rows_updated, timeout=5000):
        model.load_async(model.query)


def test_a_changed_row_is_redrawn_without_a_reset(qtbot, drain) -> None:
    model, source, signals = _model(qtbot, [_Row(str(i), f"n{i}") for i in range(5)])
    kept = model.index(3, 1)
    from desk_app.qt import QPersistentModelIndex

    persistent = QPersistentModelIndex(kept)
    source.rows[3] = replace(source.rows[3], name="changed")
    _refresh(qtbot, model)
    assert signals == ["dataChanged"]
    assert model.index(3, 1).data() == "changed"
    assert persistent.row() == 3


def test_rows_leave_and_join_without_a_reset_and_the_rest_stay_put(qtbot, drain) -> None:
    model, source, signals = _model(qtbot, [_Row(str(i), f"n{i}") for i in range(5)])
    from desk_app.qt import QPersistentModelIndex

    four = QPersistentModelIndex(model.index(4, 0))
    source.rows = [source.rows[0], _Row("new", "joined"), *source.rows[3:]]
    _refresh(qtbot, model)
    assert "modelReset" not in signals
    assert [model.index(r, 0).data() for r in range(model.rowCount())] == ["0", "new", "3", "4"]
    assert four.row() == 3 and four.data() == "4"


def test_a_reordered_list_moves_rows_by_id(qtbot, drain) -> None:
    model, source, signals = _model(qtbot, [_Row(str(i), f"n{i}") for i in range(4)])
    from desk_app.qt import QPersistentModelIndex

    one = QPersistentModelIndex(model.index(1, 0))
    source.rows = list(reversed(source.rows))
    _refresh(qtbot, model)
    assert signals == ["layoutChanged"]
    assert one.row() == 2 and one.data() == "1"


def test_a_new_query_still_resets(qtbot, drain) -> None:
    model, _source, signals = _model(qtbot, [_Row("a", "x")])
    with qtbot.waitSignal(model.loaded, timeout=5000):
        model.load_async(ListQuery("other"))
    assert signals == ["modelReset"]


def test_the_selection_survives_an_update(qtbot, drain) -> None:
    from desk_app.qt import QTableView

    model, source, _signals = _model(qtbot, [_Row(str(i), f"n{i}") for i in range(6)])
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    # the view owns the model: a model collected by Python before qtbot destroys the view left
    # the view's selection model pointing at a deleted model (a segfault in a later test)
    model.setParent(view)
    view.selectionModel().setCurrentIndex(
        model.index(4, 0), QItemSelectionModel.SelectionFlag.ClearAndSelect
    )
    del source.rows[1]
    _refresh(qtbot, model)
    assert view.currentIndex().row() == 3 and view.currentIndex().data() == "4"


def test_educator_model_passes_qtmodeltester(qtmodeltester, ctx) -> None:
    from desk_app.seed import seed_database

    seed_database(ctx, scale=0.002)
    model = EducatorTableModel(EducatorService(ctx))
    model.reload()
    assert model.rowCount() > 0
    qtmodeltester.check(model, force_py=True)


def _sync_rows(ctx) -> None:
    now = datetime.now(UTC)
    with ctx.uow() as uow:
        for n in range(3):
            uow.session.add(SyncRun(started_at=now, status="ok", pushed=n, message=f"run {n}"))
        uow.session.add(
            SyncConflict(
                table_name="county",
                row_id="0" * 32,
                base_version=1,
                mine_version=2,
                theirs_version=3,
                reason="changed on both sides",
                detected_at=now,
            )
        )
        uow.commit()


def test_sync_history_and_conflict_models_pass_qtmodeltester(qtmodeltester, ctx) -> None:
    _sync_rows(ctx)
    history = SyncHistoryModel(SyncHistorySource(ctx))
    history.reload()
    assert history.rowCount() == 3
    qtmodeltester.check(history, force_py=True)
    conflicts = ConflictListModel(ConflictSource(ctx))
    conflicts.reload()
    assert conflicts.rowCount() == 1
    qtmodeltester.check(conflicts, force_py=True)
