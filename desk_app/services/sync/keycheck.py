"""The agency keys' check values, kept locally after each sync and compared at every start.

A workstation joined to a central database must not start work with keys other than the
agency's: closed data sealed with a stray data key cannot be opened anywhere else, and a key made
here by accident (no key imported yet) is exactly that. The central database keeps the check
values (``desk_key_check``); the sync compares them before anything moves, and each sync leaves
them in the data folder so the next start (GUI or CLI, online or not) refuses first. A check
value reveals nothing of its key.
"""

from __future__ import annotations

import json
from pathlib import Path

from desk_app.errors import KnownError
from desk_app.secrets import AGENCY_KEYS, SecretStore, key_checks

CENTRAL_KEY_CHECKS = "agency-key-checks.json"


def remember_central_key_checks(data_dir: Path, checks: dict[str, str]) -> None:
    """Keep the agency keys' check values as the central database holds them (each sync), so
    the next start refuses stray keys before any work, online or not."""
    if not checks:
        return
    path = data_dir / CENTRAL_KEY_CHECKS
    known = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    known.update(checks)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(known, sort_keys=True), encoding="utf-8")
    tmp.replace(path)


def require_agency_keys(data_dir: Path, secrets: SecretStore) -> None:
    """Refuse to start work with keys other than the agency's (or none, where the agency has
    one: a key made here would seal closed data nobody else can open).

    Raises:
        KnownError: a key differs from, or is missing beside, the check value last seen centrally.
    """
    path = data_dir / CENTRAL_KEY_CHECKS
    if not path.exists():
        return  # never synced: nothing to compare with yet
    central: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
    mine = key_checks(secrets)
    for name in AGENCY_KEYS:
        if name not in central:
            continue
        if name not in mine:
            problem = f"this workstation holds no {name}, which the agency's central database has"
        elif mine[name] != central[name]:
            problem = f"this workstation's {name} is not the agency's"
        else:
            continue
        raise KnownError(
            f"{problem}: desk_app will not start work with it",
            hint="import the agency keys with `desk-app keys import FILE` (IT has the key file)",
        )
