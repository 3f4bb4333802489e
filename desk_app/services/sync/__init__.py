"""Sync as a use case: run a sync with the central database, its history and conflicts
(:mod:`.service`); the engine itself lives in :mod:`desk_app.sync`."""
