"""``desk-app access compliance | dormant | review ...``: user-manager findings, dormant accounts
and access reviews, for scheduled work (Task Scheduler) as much as for a look from the console."""

from __future__ import annotations

import argparse
from dataclasses import asdict
from datetime import date
from typing import Any

from desk_app.commands.grants import register_grants
from desk_app.errors import ValidationError


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
    expiring = asub.add_parser("expiring", help="grants whose last day is within 30 days")
    expiring.add_argument("--apply", action="store_true", help="revoke those past their last day")
    expiring.add_argument("--json", action="store_true", help="print JSON")
    expiring.set_defaults(func=cmd_expiring)
    dups = asub.add_parser(
        "duplicates", help="likely duplicate accounts (one person, one username)"
    )
    dups.add_argument("--json", action="store_true", help="print JSON")
    dups.set_defaults(func=cmd_duplicates)
    register_reviews(asub)
    register_grants(asub)


def register_reviews(asub: Any) -> None:
    """``access review start | status | remind | defaults``."""
    review = asub.add_parser("review", help="access reviews (recertification campaigns)")
    rsub = review.add_subparsers(dest="review_command", required=True, metavar="ACTION")
    start = rsub.add_parser("start", help="start a campaign: an attestation and draft per entity")
    start.add_argument("--name", required=True, help='e.g. "Spring 2027 access review"')
    start.add_argument("--kinds", default="lea,ihe,public,nonpublic,consultant")
    start.add_argument("--applications", default="", help="application codes, comma-separated")
    start.add_argument("--due", required=True, help="due date, YYYY-MM-DD")
    start.add_argument("--default", choices=("keep", "revoke"), default="keep")
    start.add_argument("--json", action="store_true", help="print JSON")
    start.set_defaults(func=cmd_review_start)
    status = rsub.add_parser("status", help="sent / returned / overdue per entity")
    status.add_argument("--campaign", default="", help="campaign id (default: the newest)")
    status.add_argument("--json", action="store_true", help="print JSON")
    status.set_defaults(func=cmd_review_status)
    remind = rsub.add_parser("remind", help="draft reminders to entities yet to answer")
    remind.add_argument("--campaign", default="")
    remind.set_defaults(func=cmd_review_remind)
    defaults = rsub.add_parser("defaults", help="after the due date, apply the default")
    defaults.add_argument("--campaign", default="")
    defaults.set_defaults(func=cmd_review_defaults)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationError("due date", f"{text!r} is not YYYY-MM-DD") from None


def cmd_review_start(args: argparse.Namespace) -> int:
    from desk_app.commands.common import open_for_cli, print_json
    from desk_app.services.reviews.campaigns import CampaignScope, CampaignService

    scope = CampaignScope(
        args.name,
        tuple(k.strip() for k in args.kinds.split(",") if k.strip()),
        tuple(a.strip().upper() for a in args.applications.split(",") if a.strip()),
        _day(args.due),
        args.default,
    )
    app = open_for_cli(args)
    try:
        started = CampaignService(app.services).start(scope)
    finally:
        app.close()
    if args.json:
        print_json({k: v for k, v in asdict(started).items() if k != "changes"})
    else:
        print(
            f"campaign {started.token}: {started.items} attestations ({started.lines} grants); "
            f"PDFs and drafts in {started.folder}"
        )
    return 0


def cmd_review_status(args: argparse.Namespace) -> int:
    from desk_app.commands.common import open_for_cli, print_json
    from desk_app.services.reviews.returns import ReviewReturns

    app = open_for_cli(args)
    try:
        status = ReviewReturns(app.services).status(args.campaign)
    finally:
        app.close()
    if args.json:
        print_json({**asdict(status), "counts": status.counts()})
        return 0
    for i in status.items:
        late = " OVERDUE" if i.overdue else ""
        print(f"{i.entity_code:<10} {i.entity_name[:36]:<36} {i.outcome:<10}{late}")
    counts = ", ".join(f"{k} {v}" for k, v in status.counts().items())
    print(f"{status.name} ({status.token}), due {status.due_on}: {counts}")
    return 0


def cmd_review_remind(args: argparse.Namespace) -> int:
    from desk_app.commands.common import open_for_cli
    from desk_app.services.reviews.returns import ReviewReturns

    app = open_for_cli(args)
    try:
        count, folder = ReviewReturns(app.services).draft_reminders(args.campaign)
    finally:
        app.close()
    print(f"{count} reminder(s) drafted in {folder}")
    return 0


def cmd_review_defaults(args: argparse.Namespace) -> int:
    from desk_app.commands.common import open_for_cli
    from desk_app.services.reviews.returns import ReviewReturns

    app = open_for_cli(args)
    try:
        changes = ReviewReturns(app.services).apply_defaults(args.campaign)
    finally:
        app.close()
    print(f"default applied; {max(0, len(changes.record_ids) - 1)} grant(s) removed")
    return 0


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


def cmd_duplicates(args: argparse.Namespace) -> int:
    from desk_app.commands.common import open_for_cli, print_json
    from desk_app.services.access.duplicates import find_duplicates

    app = open_for_cli(args)
    try:
        found = find_duplicates(app.services)
    finally:
        app.close()
    if args.json:
        print_json([asdict(d) for d in found])
        return 0
    for d in found:
        print(
            f"{d.score:5.1f}  {d.first.username:<20} {d.second.username:<20} {', '.join(d.reasons)}"
        )
    print(f"{len(found)} likely duplicate pair(s)")
    return 0


def cmd_expiring(args: argparse.Namespace) -> int:
    from desk_app.commands.common import open_for_cli, print_json
    from desk_app.services.access.grants import GrantAdmin

    app = open_for_cli(args)
    try:
        admin = GrantAdmin(app.services)
        expired = len(admin.expire().record_ids) if args.apply else 0
        soon = admin.expiring()
    finally:
        app.close()
    if args.json:
        print_json({"expired": expired, "expiring": [asdict(g) for g in soon]})
        return 0
    for g in soon:
        print(f"{g.ends_on}  {g.username:<20} {g.role_code:<16} {g.entity_code}")
    print(
        f"{len(soon)} grant(s) end within 30 days" + (f"; {expired} revoked" if args.apply else "")
    )
    return 0
