"""``desk-app audit verify``, ``audit list`` and ``audit acknowledge-restore``."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any) -> None:
    parser = sub.add_parser("audit", help="check or list the audit log")
    asub = parser.add_subparsers(dest="audit_command", required=True, metavar="ACTION")
    verify = asub.add_parser(
        "verify", help="check the hash chain; non-zero exit names the first broken event"
    )
    verify.add_argument("--json", action="store_true", help="print the report as JSON")
    verify.add_argument(
        "--central",
        action="store_true",
        help="check the central database's history of every workstation, signatures included",
    )
    verify.add_argument("--url", help="with --central: the central database (default: sync_url)")
    verify.set_defaults(func=cmd_verify)
    listing = asub.add_parser("list", help="print the newest events")
    listing.add_argument("--limit", type=int, default=50)
    listing.add_argument("--action", default="")
    listing.set_defaults(func=cmd_list)
    ack = asub.add_parser(
        "acknowledge-restore",
        help="after a legitimate restore from a backup: take this workstation's history back "
        "from the central database, record why (Security Administrators only), then sync",
    )
    ack.add_argument("--reason", required=True, help="why the restore was legitimate (audited)")
    ack.add_argument("--url", help="central database URL (default: the sync_url setting)")
    ack.add_argument("--json", action="store_true", help="print the outcome as JSON")
    ack.set_defaults(func=cmd_acknowledge_restore)


def cmd_verify(args: argparse.Namespace) -> int:
    """Check the chain and the anchored heads, changing nothing: no operator sign-in (which
    would append a ``session.start`` event to the log being checked), no key created."""
    from desk_app.app import head_anchor, open_secret_store, open_workstation_store
    from desk_app.commands.common import print_json
    from desk_app.errors import KnownError
    from desk_app.models.auditchain import verify_chain
    from desk_app.models.auditkey import chain_keys, chain_scope
    from desk_app.paths import resolve

    if args.central:
        return _verify_central(args)
    paths = resolve(args.data_dir)
    if not paths.database.is_file():
        raise KnownError(f"no database in {paths.data_dir}")
    store = open_workstation_store(paths.database, migrate=False)
    try:
        secrets = open_secret_store(paths)
        anchor = head_anchor(paths.data_dir, secrets, False)
        with store.read() as s:
            report = verify_chain(s, keys=chain_keys(secrets, chain_scope(paths.data_dir)))
            lost = anchor.problem(s)  # said beside a broken chain too: both may have a story
    finally:
        store.dispose()
    ok = report.ok and lost is None
    if args.json:
        print_json(
            {
                "ok": ok,
                "events_checked": report.events_checked,
                "workstations": report.workstations,
                "first_break": report.first_break.__dict__ if report.first_break else None,
                "anchor_problem": lost,
            }
        )
    elif not ok:
        if report.first_break is not None:
            b = report.first_break
            print(
                f"audit chain BROKEN at event {b.seq} of workstation {b.workstation_id} (id {b.event_id}): {b.reason}"
            )
        if lost is not None:
            print(f"audit log BROKEN: {lost}")
    else:
        print(
            f"audit chain intact: {report.events_checked} events on {report.workstations} workstation(s)"
        )
    return 0 if ok else 1


def _verify_central(args: argparse.Namespace) -> int:
    from desk_app.commands.common import open_for_cli, print_json
    from desk_app.services.sync.central_audit import central_chain_report

    app = open_for_cli(args)
    try:
        report = central_chain_report(app.services, args.url)
    finally:
        app.close()
    b = report.first_break
    if args.json:
        print_json(
            {
                "ok": report.ok,
                "events_checked": report.events_checked,
                "workstations": report.workstations,
                "first_break": b.__dict__ if b else None,
            }
        )
    elif b is not None:
        print(
            f"central audit history BROKEN at event {b.seq} of workstation {b.workstation_id}: {b.reason}"
        )
    else:
        print(
            f"central audit history intact: {report.events_checked} events on "
            f"{report.workstations} workstation(s), signatures checked"
        )
    return 0 if report.ok else 1


def cmd_list(args: argparse.Namespace) -> int:
    from desk_app.commands.common import open_for_cli
    from desk_app.services.listing import ListQuery
    from desk_app.services.records.audit_log import AuditLogService

    app = open_for_cli(args)
    query = ListQuery().with_filter("action", args.action)
    for row in AuditLogService(app.services).fetch(query, 0, args.limit):
        print(
            f"{row.occurred_at:%Y-%m-%d %H:%M:%S}Z {row.workstation_id}#{row.seq} {row.actor} {row.action} {row.summary}"
        )
    return 0


def cmd_acknowledge_restore(args: argparse.Namespace) -> int:
    from desk_app.commands.common import open_for_cli, print_json
    from desk_app.services.sync.restore import acknowledge_restore
    from desk_app.services.sync.service import SyncService

    app = open_for_cli(args)
    try:
        done = acknowledge_restore(app.services, args.reason, args.url)
        if not args.json:  # said before the sync, which may fail on its own account
            print(done.text())
        summary = SyncService(app.services).run(args.url)
    finally:
        app.close()
    if args.json:
        print_json({"restore": done.__dict__, "sync": summary.__dict__})
    else:
        print(f"sync ok: {summary.text()}")
    return 0
