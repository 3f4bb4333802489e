"""``desk-app access compliance | dormant``: user-manager findings and dormant accounts, for
scheduled work (Task Scheduler) as much as for a look from the console."""

from __future__ import annotations

import argparse
from dataclasses import asdict
from typing import Any


def register(sub: Any) -> None:
    parser = sub.add_parser("access", help="user-manager compliance, dormant accounts, reviews")
    asub = parser.add_subparsers(dest="access_command", required=True, metavar="ACTION")
    comp = asub.add_parser("compliance", help="list every user-manager finding")
    comp.add_argument("--json", action="store_true", help="print JSON")
    comp.set_defaults(func=cmd_compliance)
    dormant = asub.add_parser("dormant", help="accounts not used for 12 months")
    dormant.add_argument(
        "--apply",
        action="store_true",
        help="flag them (or disable them, as the dormant_action setting says) and draft notices",
    )
    dormant.add_argument("--json", action="store_true", help="print JSON")
    dormant.set_defaults(func=cmd_dormant)
    register_reviews(asub)


def register_reviews(asub: Any) -> None:
    """The access-review subcommands (added by the campaigns module when it exists)."""
    try:
        from desk_app.commands.access_reviews import register as register_review
    except ImportError:
        return
    register_review(asub)


def cmd_compliance(args: argparse.Namespace) -> int:
    from desk_app.commands.common import open_for_cli, print_json
    from desk_app.services.directory.compliance import ComplianceService

    app = open_for_cli(args)
    try:
        report = ComplianceService(app.services).report()
    finally:
        app.close()
    if args.json:
        print_json(
            {
                "checked_at": report.checked_at.isoformat(),
                "entities_checked": report.entities_checked,
                "by_rule": report.by_rule(),
                "findings": [asdict(f) for f in report.findings],
            }
        )
        return 0
    for f in report.findings:
        print(f"{f.entity_code:<10} {f.entity_name[:36]:<36} {f.rule_title}: {f.detail}")
    print(f"{len(report.findings)} finding(s) over {report.entities_checked} entities")
    return 0


def cmd_dormant(args: argparse.Namespace) -> int:
    from desk_app.commands.common import open_for_cli, print_json
    from desk_app.services.access.dormant import DormantAccounts

    app = open_for_cli(args)
    try:
        service = DormantAccounts(app.services)
        if args.apply:
            done = service.apply()
            result: dict[str, Any] = {
                "action": done.action,
                "accounts": done.accounts,
                "notices": done.notices_folder,
            }
            verb = {"flag": "flagged", "disable": "disabled"}[done.action]
            text = f"{done.accounts} account(s) {verb}; notices in {done.notices_folder}"
        else:
            found = service.find()
            result = {"accounts": [asdict(a) for a in found]}
            text = "\n".join(
                f"{a.username:<24} {a.entity_code:<10} {a.last_login_at}" for a in found
            )
            text += f"\n{len(found)} dormant account(s)"
    finally:
        app.close()
    if args.json:
        print_json(result)
    else:
        print(text)
    return 0
