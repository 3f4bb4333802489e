"""Helpers shared by command modules (not itself a command: it has no ``register``)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from desk_app.app import AppContext, open_app


def open_for_cli(args: argparse.Namespace) -> AppContext:
    return open_app(args.data_dir, console_log=getattr(args, "verbose", False))


def print_json(value: Any) -> None:
    json.dump(value, sys.stdout, indent=2, sort_keys=True, default=str)
    sys.stdout.write("\n")


def register(sub: Any) -> None:
    """Nothing to register."""
