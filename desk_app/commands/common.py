"""Helpers shared by command modules (not itself a command: it has no ``register``)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from desk_app.app import AppContext, open_app


def open_for_cli(args: argparse.Namespace) -> AppContext:
    """The installation for a command; a database this created is said out loud on stderr (the
    first operator became its Security Administrator: never silently, see ``desk-app init``)."""
    app = open_app(args.data_dir, console_log=getattr(args, "verbose", False))
    if app.created:
        print(
            f"desk-app: started a new, empty database at {app.paths.database}; "
            f"{app.operator.username} is its first Security Administrator (local to this "
            "computer until the first sync; desk-app init explains)",
            file=sys.stderr,
        )
    return app


def print_json(value: Any) -> None:
    json.dump(value, sys.stdout, indent=2, sort_keys=True, default=str)
    sys.stdout.write("\n")


def register(sub: Any) -> None:
    """Nothing to register."""
