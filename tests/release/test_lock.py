"""The lock files pin every dependency of pyproject.toml, exactly and with hashes."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _name(requirement: str) -> str:
    return re.split(r"[\[<>=!~; ]", requirement, maxsplit=1)[0].lower().replace("_", "-")


@pytest.mark.parametrize("platform", ["windows", "linux"])
def test_lock_pins_every_dependency_with_hashes(platform: str) -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = {_name(r) for r in project["dependencies"] + project["optional-dependencies"]["build"]}
    text = (ROOT / "requirements" / f"lock-{platform}.txt").read_text(encoding="utf-8")
    entries = re.findall(
        r"^([A-Za-z0-9_.-]+)==([^ \\\n]+)((?: \\\n\s+--hash=sha256:[0-9a-f]{64})+)", text, re.M
    )
    pinned = {name.lower().replace("_", "-"): version for name, version, _hashes in entries}
    assert wanted <= set(pinned), f"run scripts/lock.sh: missing {sorted(wanted - set(pinned))}"
    # every requirement line is an exact pin followed by its hashes
    assert len(entries) == len(re.findall(r"^[A-Za-z0-9]", text, re.M))
    if platform == "windows":
        assert "pywin32-ctypes" in pinned  # keyring's Credential Manager backend needs it
