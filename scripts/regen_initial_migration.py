"""Regenerate ``0001_initial`` from the models (only until the first release ships).

Run: ``.venv/bin/python scripts/regen_initial_migration.py``. Autogenerates against an empty
in-memory database, so the script is deterministic for a given set of models.
"""

from __future__ import annotations

import re
import subprocess
import sys

from alembic import command
from sqlalchemy import create_engine

from desk_app.models.migrations import HERE, alembic_config

versions = HERE / "versions"
for old in versions.glob("0001_*.py"):
    old.unlink()
engine = create_engine("sqlite://")
with engine.begin() as conn:
    cfg = alembic_config(conn)
    command.revision(cfg, message="initial schema", autogenerate=True, rev_id="0001")
made = next(versions.glob("0001_*.py"))
target = versions / "0001_initial.py"
text = made.read_text()
text = re.sub(r"Create Date: .*", "Create Date: (generated)", text)
text = "\n".join(line.rstrip() for line in text.splitlines()) + "\n"
made.unlink()
target.write_text(text)
subprocess.run([sys.executable, "-m", "ruff", "check", "--fix", "-q", str(target)], check=False)
subprocess.run([sys.executable, "-m", "ruff", "format", "-q", str(target)], check=False)
print(f"wrote {target}")
