"""Operations: named pools only, and the change bus fires from what an operation returns, never
from a view by hand."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

from desk_app.services.context import Area, Changes
from desk_app.views import ops
from desk_app.views.ops import Pool, changes_in

VIEWS = Path(__file__).resolve().parents[2] / "desk_app" / "views"


def test_a_mistyped_pool_name_is_refused_not_made() -> None:
    before = set(ops._pools)
    with pytest.raises(ValueError, match="no thread pool named 'writter'"):
        ops.op(lambda: None).run("writter")
    assert set(ops._pools) == before
    assert ops.pool("writer") is ops.pool(Pool.WRITER)


@dataclass(frozen=True)
class _Decided:
    changes: Changes
    state: str


def test_changes_are_found_in_what_operations_return() -> None:
    c = Changes.of(Area.QUEUE, ids=("s1",))
    assert changes_in(c) is c
    assert changes_in(_Decided(c, "approved")) is c
    assert changes_in(("report", c)) is c
    assert changes_in(True) is None
    assert changes_in(("report", 3)) is None


def test_the_bus_fires_once_for_a_result_carrying_changes(qtbot, drain) -> None:
    heard: list[tuple[Changes, object]] = []
    ops.bus.changed.connect(lambda c, who: heard.append((c, who)))
    initiator = object()
    done: list[object] = []
    ops.op(lambda: _Decided(Changes.of(Area.VERIFICATION), "approved")).success(done.append).run(
        Pool.WRITER, initiator=initiator
    )
    qtbot.waitUntil(lambda: bool(done))
    assert heard == [(Changes.of(Area.VERIFICATION), initiator)]


def test_no_view_emits_the_change_bus_by_hand() -> None:
    emitters = []
    for path in VIEWS.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "emit"
                and isinstance(node.func.value, ast.Attribute)
                and node.func.value.attr == "changed"
                and "bus" in ast.unparse(node.func.value.value)
            ):
                emitters.append(f"{path.relative_to(VIEWS)}:{node.lineno}")
    # only Operation._finish, from the operation's own Changes
    assert [e.split(":")[0] for e in emitters] == ["ops.py"]


def test_every_pool_name_written_in_the_views_is_a_pool() -> None:
    names = set()
    for path in VIEWS.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in {"run", "load_async", "update_rows"}
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                names.add(node.args[0].value)
    assert names and names <= {p.value for p in Pool}
