"""The architecture's arrows, enforced: Qt only in views and qt.py; views never see SQLAlchemy or
ORM classes; the domain layers never import Qt or views."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "desk_app"
DOMAIN_LAYERS = ("models", "services", "pdf", "intake", "sync", "rules", "seed", "crypto.py")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _modules(*parts: str) -> list[Path]:
    out: list[Path] = []
    for part in parts:
        target = PACKAGE / part
        out.extend([target] if target.suffix == ".py" else sorted(target.rglob("*.py")))
    return [p for p in out if p.exists()]


def test_only_qt_module_imports_pyside() -> None:
    offenders = [
        str(p.relative_to(PACKAGE))
        for p in PACKAGE.rglob("*.py")
        if p.name != "qt.py" or p.parent != PACKAGE
        if any(n == "PySide6" or n.startswith("PySide6.") for n in _imports(p))
    ]
    assert offenders == []


def test_domain_layers_never_import_qt_or_views() -> None:
    offenders = [
        str(p.relative_to(PACKAGE))
        for p in _modules(*DOMAIN_LAYERS)
        if any(
            n in {"desk_app.qt", "PySide6"} or n.startswith(("desk_app.views", "PySide6."))
            for n in _imports(p)
        )
    ]
    assert offenders == []


def test_views_never_import_sqlalchemy_or_orm() -> None:
    offenders = [
        str(p.relative_to(PACKAGE))
        for p in _modules("views")
        if any(
            n == "sqlalchemy" or n.startswith(("sqlalchemy.", "desk_app.models"))
            for n in _imports(p)
        )
    ]
    assert offenders == []


def test_pdf_is_free_of_the_database() -> None:
    offenders = [
        str(p.relative_to(PACKAGE))
        for p in _modules("pdf")
        if any(
            n == "sqlalchemy"
            or n.startswith(("sqlalchemy.", "desk_app.models", "desk_app.services"))
            for n in _imports(p)
        )
    ]
    assert offenders == []


def test_layering_check_sees_a_violation(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from sqlalchemy import select\nimport PySide6.QtCore\n")
    assert {"sqlalchemy", "PySide6.QtCore"} <= _imports(bad)
