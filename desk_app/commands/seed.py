"""``desk-app seed [--scale F]``: fill a new database with deterministic demo data.

A database that already holds educational entities is refused (exit 2) whatever the options:
demo rows would mix with real ones, and synced rows are never deleted, so there is no safe
"replace". Seed into a new folder instead: ``desk-app --data-dir DIR seed``.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any


def register(sub: Any) -> None:
    parser = sub.add_parser("seed", help="fill a new database with deterministic demo data")
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="1 = 100,000 educators and 20,000 accounts; 10 = a million educators",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress lines")
    parser.set_defaults(func=cmd_seed)


def cmd_seed(args: argparse.Namespace) -> int:
    from desk_app.commands.common import open_for_cli, print_json
    from desk_app.seed import seed_database

    app = open_for_cli(args)
    try:

        def progress(stage: str, fraction: float) -> None:
            if not args.quiet:
                print(f"\r{fraction:6.1%}  {stage:<16}", end="", file=sys.stderr, flush=True)

        summary = seed_database(app.services, scale=args.scale, progress=progress)
        if not args.quiet:
            print(file=sys.stderr)
        print_json(
            {
                "scale": summary.scale,
                "seconds": round(summary.seconds, 1),
                "rows": summary.counts,
                "database": str(app.paths.database),
            }
        )
        return 0
    finally:
        app.close()
