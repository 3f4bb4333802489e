"""Child process for the SIGKILL test: syncs one workstation slowly (small batches, short pauses)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from desk_app.app import open_workstation_store
from desk_app.models.store import Actor, open_url
from desk_app.sync import faults
from desk_app.sync.engine import SyncEngine
from desk_app.sync.server import ServerLink


def main() -> None:
    database, url, workstation = sys.argv[1:4]
    store = open_workstation_store(Path(database))
    central = open_url(url, migrate=False)
    faults.set_hook(lambda name: time.sleep(0.005))
    engine = SyncEngine(
        store,
        Actor("alice", workstation, "security_admin"),
        ServerLink(central.engine),
        "central",
        None,
        push_batch=40,
        pull_batch=40,
    )
    engine.run()


if __name__ == "__main__":
    main()
