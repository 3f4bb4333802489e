"""The import graph as a whole, function-level and TYPE_CHECKING imports included: the
import-linter contracts in pyproject.toml hold, every top-level module has its place in the
layers, and no module takes part in an import cycle."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "pyproject.toml"


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("desk_app", cache_dir=None)


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected components with more than one module (iterative Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for start in sorted(graph.modules):
        if start in index:
            continue
        work = [(start, iter(sorted(graph.find_modules_directly_imported_by(start))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append(
                        (child, iter(sorted(graph.find_modules_directly_imported_by(child))))
                    )
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def _package_module(module: str) -> str:
    return module if module.count(".") < 1 else ".".join(module.split(".")[:2])


def _lint(config: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    # in a child process: import-linter runs logging.config.dictConfig, which would switch off
    # every logger this test process already has (and with them the log checks of later tests)
    code = (
        "import sys; from importlinter.cli import lint_imports; "
        f"sys.exit(lint_imports(config_filename={str(config)!r}, no_cache=True, no_logo=True))"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(cwd), str(ROOT)])}
    return subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )


def test_contracts_hold() -> None:
    result = _lint(CONFIG, ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_every_top_level_module_has_a_layer(graph: grimp.ImportGraph) -> None:
    config = tomllib.loads(CONFIG.read_text(encoding="utf-8"))["tool"]["importlinter"]
    layers = next(c for c in config["contracts"] if c["type"] == "layers")["layers"]
    placed = {name.strip() for layer in layers for name in layer.split("|")}
    tops = {_package_module(m) for m in graph.modules if m != "desk_app"}
    assert sorted(tops - placed) == []


def test_no_import_cycles(graph: grimp.ImportGraph) -> None:
    assert _cycles(graph) == []


def test_cycle_finder_sees_a_cycle_in_functions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pkg = tmp_path / "cyclic_pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("def f():\n    from cyclic_pkg import b\n")
    (pkg / "b.py").write_text("import cyclic_pkg.a\n")
    (pkg / "c.py").write_text("import cyclic_pkg.b\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        found = _cycles(grimp.build_graph("cyclic_pkg", cache_dir=None))
    finally:
        for name in [n for n in sys.modules if n.startswith("cyclic_pkg")]:
            del sys.modules[name]
    assert found == [["cyclic_pkg.a", "cyclic_pkg.b"]]


def test_layers_contract_sees_an_upward_import(tmp_path: Path) -> None:
    pkg = tmp_path / "layered_pkg"
    (pkg / "low").mkdir(parents=True)
    (pkg / "high").mkdir()
    for init in (pkg / "__init__.py", pkg / "low" / "__init__.py", pkg / "high" / "__init__.py"):
        init.write_text("")
    (pkg / "low" / "x.py").write_text("def f():\n    import layered_pkg.high\n")
    config = tmp_path / "contracts.toml"
    config.write_text(
        '[tool.importlinter]\nroot_package = "layered_pkg"\n'
        '[[tool.importlinter.contracts]]\nname = "l"\ntype = "layers"\n'
        'layers = ["layered_pkg.high", "layered_pkg.low"]\n'
    )
    result = _lint(config, tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "BROKEN" in result.stdout
