"""``desk-app init [--demo | --empty] [--central URL]``: start a new database on purpose.

What the first-run dialog does, for scripts and for IT: an empty database for real work (the
default) or one filled with demo data, the signed-in account as its first Security Administrator
(told plainly that the role is local until the first sync), and optionally the central
database's address. A folder that already has a database is refused (exit 2) untouched.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "init", help="start a new database: empty for real work, or with demo data"
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--empty",
        dest="demo",
        action="store_false",
        help="an empty database for the agency's own records (the default)",
    )
    mode.add_argument(
        "--demo", dest="demo", action="store_true", help="fill it with generated demo data"
    )
    parser.add_argument(
        "--central",
        metavar="URL",
        default="",
        help="the central database, postgresql://user@host:port/database (a password in it "
        "goes to the keyring, not the settings file)",
    )
    parser.add_argument(
        "--scale", type=float, default=1.0, help="with --demo: the demo data's size (see seed)"
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.set_defaults(func=cmd_init, demo=False)


def cmd_init(args: argparse.Namespace) -> int:
    from desk_app.app import initialise
    from desk_app.commands.common import print_json
    from desk_app.services.directory.first_start import first_admin_note

    app = initialise(
        args.data_dir,
        demo=args.demo,
        central_url=args.central,
        console_log=getattr(args, "verbose", False),
    )
    try:
        seconds = 0.0
        if args.demo:
            from desk_app.seed import seed_database

            def progress(stage: str, fraction: float) -> None:
                if not args.json:
                    print(f"\r{fraction:6.1%}  {stage:<16}", end="", file=sys.stderr, flush=True)

            seconds = seed_database(app.services, scale=args.scale, progress=progress).seconds
            if not args.json:
                print(file=sys.stderr)
        result = {
            "database": str(app.paths.database),
            "mode": "demo" if args.demo else "empty",
            "first_security_administrator": app.operator.username,
            "central": app.settings["sync_url"],
            "seed_seconds": round(seconds, 1),
        }
        if args.json:
            print_json(result)
        else:
            kind = "demo data" if args.demo else "an empty database"
            print(f"Started {app.paths.database} with {kind}.")
            print(first_admin_note(app.operator.username))
            if result["central"]:
                print(f"Central database: {result['central']} (sync with: desk-app sync)")
        return 0
    finally:
        app.close()
