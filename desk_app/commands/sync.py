"""``desk-app sync [--url URL] [--check]``: one headless sync (or only a connection test).

Prints a summary; non-zero exit when the sync cannot finish. Rows the central database refused
(or that clash with its own) do not fail the run: each open one is listed with its reason, as on
the Sync page, and the exit code stays 0.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any


def register(sub: Any) -> None:
    parser = sub.add_parser("sync", help="sync once with the central database and exit")
    parser.add_argument(
        "--url",
        help="central database URL (default: the sync_url setting); "
        "the password comes from the keyring entry 'sync-password'",
    )
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.add_argument(
        "--check",
        action="store_true",
        help="only test the connection (Settings > Sync > Test connection); exit 3 if it fails",
    )
    parser.set_defaults(func=cmd_sync)


CHECK_FAILED_EXIT = 3


def cmd_sync(args: argparse.Namespace) -> int:
    from desk_app.commands.common import open_for_cli, print_json
    from desk_app.services.sync.service import SyncService

    app = open_for_cli(args)
    if args.check:
        from desk_app.services.sync.probe import check_central

        try:
            check = check_central(app.services, args.url)
        finally:
            app.close()
        if args.json:
            print_json({"ok": check.ok, "message": check.message})
        else:
            print(check.message)
        return 0 if check.ok else CHECK_FAILED_EXIT
    try:
        service = SyncService(app.services)
        summary = service.run(args.url)
        status = service.status()
        waiting = service.conflicts()
    finally:
        app.close()
    refusals = [
        {"table": c.table, "row_id": c.row_id, "reason": c.reason, "detected_at": c.detected_at}
        for c in waiting
    ]
    if args.json:
        print_json(dict(summary.__dict__, open_conflicts=status.conflicts, refusals=refusals))
    else:
        print(f"sync ok: {summary.text()}; open conflicts {status.conflicts}")
        for c in waiting:
            print(f"  {c.table_title} {c.row_id[:8]}: {c.reason}")
    if status.conflicts:
        print(
            f"{status.conflicts} conflict(s) wait for a decision on the Sync page", file=sys.stderr
        )
    return 0
