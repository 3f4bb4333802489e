"""Alembic migrations shipped inside the package.

``HEAD_REVISION`` and ``KNOWN_REVISIONS`` let start-up decide "nothing to do" or "newer than me"
without importing Alembic (a test checks they match the scripts). Alembic itself is imported only
when an upgrade actually runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

HEAD_REVISION = "0007_review"
KNOWN_REVISIONS = frozenset(
    {
        "0001",
        "0002",
        "0003",
        "0004",
        "0005",
        "0006_auth",
        "0006_edu",
        "0006_verify",
        "0006_gov",
        "0007_central",
        "0007_audit",
        "0007_edu",
        "0007_review",
    }
)

HERE = Path(__file__).parent


def alembic_config(connection: Any = None) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def run_upgrade(engine: Any, revision: str = "head") -> None:
    from alembic import command

    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), revision)
