"""The change bus is typed: every area a screen listens for is emitted by some operation, and a
name that is not an area is refused where the change is made."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from desk_app.services.context import Area, Changes

PACKAGE = Path(__file__).resolve().parents[2] / "desk_app"


def _area_names(tree: ast.AST, inside: set[str]) -> set[str]:
    """``Area.X`` names used as arguments of calls to a function named in ``inside`` (or, for
    ``"*"``, anywhere)."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if "*" in inside:
            candidates: list[ast.AST] = [node]
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", None) in inside:
            candidates = list(ast.walk(node))
        elif isinstance(node, ast.Assign) and any(
            getattr(t, "id", None) in inside for t in node.targets
        ):
            candidates = list(ast.walk(node.value))
        elif isinstance(node, ast.AnnAssign) and getattr(node.target, "id", None) in inside:
            candidates = list(ast.walk(node.value)) if node.value else []
        else:
            continue
        for sub in candidates:
            if (
                isinstance(sub, ast.Attribute)
                and isinstance(sub.value, ast.Name)
                and sub.value.id == "Area"
            ):
                found.add(sub.attr)
    return found


def _scan(folder: str, inside: set[str]) -> set[str]:
    names: set[str] = set()
    for path in (PACKAGE / folder).rglob("*.py"):
        names |= _area_names(ast.parse(path.read_text(encoding="utf-8")), inside)
    return names


def test_every_area_a_screen_listens_for_is_emitted() -> None:
    # services emit through Changes.of(...) (and the sync service's table -> area map)
    emitted = _scan("services", {"of", "_AREA"})
    listened = _scan("views", {"touches", "REFRESH_ON"})
    assert listened, "the scan found no listeners: it is looking in the wrong place"
    assert sorted(listened - emitted) == []


def test_scan_sees_a_listener_nobody_serves() -> None:
    tree = ast.parse("class P:\n    REFRESH_ON = (Area.PINS,)\n")
    assert _area_names(tree, {"REFRESH_ON"}) == {"PINS"}


def test_a_name_that_is_not_an_area_is_refused() -> None:
    with pytest.raises(ValueError):
        Changes.of("accounts")  # type: ignore[arg-type]
    assert Changes.of(Area.QUEUE).touches(Area.QUEUE)
    assert (Changes.of(Area.QUEUE) | Changes.of(Area.AUDIT)).areas == {Area.QUEUE, Area.AUDIT}
