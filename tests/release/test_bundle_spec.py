"""The PyInstaller spec names every module desk_app imports by a name built at run time.

PyInstaller follows ``import`` statements only: a module reached through ``importlib`` (CLI
commands, pages at their first visit, the sync status widget) is missing from the bundle unless
the spec names it, and the miss shows only when a user gets there. The spec keeps those names in
two literal lists; this test reads them and every dotted ``desk_app.`` string in the source.
"""

from __future__ import annotations

import ast
import importlib.util
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "installer" / "desk_app.spec"
DOTTED = re.compile(r"desk_app(\.[a-z_0-9]+)+\.?")


def spec_lists() -> dict[str, list[str]]:
    tree = ast.parse(SPEC.read_text(encoding="utf-8"))
    found: dict[str, list[str]] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            if node.targets[0].id in ("NAMED_PACKAGES", "NAMED_MODULES"):
                found[node.targets[0].id] = ast.literal_eval(node.value)
    return found


def source_files() -> list[Path]:
    return sorted((ROOT / "desk_app").rglob("*.py"))


def statically_imported() -> set[str]:
    names: set[str] = set()
    for path in source_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
                names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def names_in_source() -> tuple[set[str], set[str]]:
    """(package prefixes of f-strings like ``f"desk_app.views.pages.{key}"``, plain module names)."""
    prefixes: set[str] = set()
    modules: set[str] = set()
    for path in source_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.JoinedStr) and node.values:
                head = node.values[0]
                if isinstance(head, ast.Constant) and DOTTED.fullmatch(str(head.value)):
                    prefixes.add(str(head.value).rstrip("."))
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                if DOTTED.fullmatch(node.value) and not node.value.endswith("."):
                    if importlib.util.find_spec(node.value) is not None:
                        modules.add(node.value)
    return prefixes, modules


def test_spec_declares_its_lists() -> None:
    lists = spec_lists()
    assert lists["NAMED_PACKAGES"] and lists["NAMED_MODULES"]


def test_every_name_built_at_run_time_is_in_the_spec() -> None:
    lists = spec_lists()
    prefixes, modules = names_in_source()
    assert {"desk_app.commands", "desk_app.views.pages"} <= prefixes  # the scan finds them
    assert prefixes <= set(lists["NAMED_PACKAGES"]), "f-string module names need NAMED_PACKAGES"
    # a module named by a string and never imported by a statement is reached by importlib only
    assert "desk_app.views.widgets.sync_status" in modules  # the scan finds it
    by_name_only = modules - statically_imported()
    covered = set(lists["NAMED_MODULES"])
    missing = {
        m
        for m in by_name_only
        if m not in covered and not m.startswith(tuple(lists["NAMED_PACKAGES"]))
    }
    assert not missing, f"add to the spec's NAMED_MODULES: {sorted(missing)}"


def test_every_module_the_spec_names_exists() -> None:
    lists = spec_lists()
    absent = [
        m
        for m in lists["NAMED_PACKAGES"] + lists["NAMED_MODULES"]
        if m.startswith("desk_app") and importlib.util.find_spec(m) is None
    ]
    assert not absent, f"the spec names modules that do not exist: {absent}"


def test_alembic_scripts_imports_are_in_the_bundle() -> None:
    """env.py and the revisions are run from files: what they import must be named or reached."""
    lists = spec_lists()
    folder = ROOT / "desk_app" / "models" / "migrations"
    needed: set[str] = set()
    for path in [folder / "env.py", *sorted((folder / "versions").glob("*.py"))]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module != "__future__":
                for alias in node.names:
                    full = f"{node.module}.{alias.name}"
                    needed.add(
                        full
                        if importlib.util.find_spec(node.module) and _is_module(full)
                        else node.module
                    )
    reached = statically_imported() | set(lists["NAMED_MODULES"])
    third_party = {n for n in needed if not n.startswith("desk_app")}
    assert third_party <= reached, f"add to NAMED_MODULES: {sorted(third_party - reached)}"
    spec_text = SPEC.read_text(encoding="utf-8")
    assert 'collect_data_files("desk_app.models.migrations", include_py_files=True)' in spec_text


def _is_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


def test_two_programs_windowed_and_console() -> None:
    text = SPEC.read_text(encoding="utf-8")
    assert '(("desk_app", False), ("desk_app-cli", True))' in text
