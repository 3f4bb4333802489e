"""``desk-app access grant add | change | revoke | end | history``: the direct grant changes of
the Users & access page from the console, each with its reason (see
:mod:`desk_app.services.access.grants`)."""

from __future__ import annotations

import argparse
from dataclasses import asdict
from datetime import date
from typing import Any

from desk_app.errors import ValidationError


def register_grants(asub: Any) -> None:
    """Adds ``grant`` under ``access``."""
    grant = asub.add_parser("grant", help="direct grant changes (Security Administrator)")
    gsub = grant.add_subparsers(dest="grant_command", required=True, metavar="ACTION")
    add = gsub.add_parser("add", help="give an account a role directly")
    add.add_argument("username")
    add.add_argument("role", help="role code, e.g. MOSIS_ENTRY")
    add.add_argument("entity", help="entity code, e.g. 048-078")
    add.add_argument("--building", default="", help="building code (building-level apps)")
    add.add_argument("--ends", default="", help="last day, YYYY-MM-DD")
    add.add_argument("--reason", required=True)
    add.add_argument("--json", action="store_true", help="print JSON")
    add.set_defaults(func=cmd_add)
    change = gsub.add_parser("change", help="correct a grant's role (same application)")
    change.add_argument("grant", metavar="GRANT_ID")
    change.add_argument("role")
    change.add_argument("--reason", required=True)
    change.set_defaults(func=cmd_change)
    revoke = gsub.add_parser("revoke", help="revoke a grant now (emergency, correction)")
    revoke.add_argument("grant", metavar="GRANT_ID")
    revoke.add_argument("--reason", required=True)
    revoke.set_defaults(func=cmd_revoke)
    end = gsub.add_parser("end", help="set or clear a grant's last day")
    end.add_argument("grant", metavar="GRANT_ID")
    end.add_argument("--on", default="", help="last day, YYYY-MM-DD (empty: none)")
    end.add_argument("--reason", required=True)
    end.set_defaults(func=cmd_end)
    history = gsub.add_parser("history", help="which form, which decision, who and when")
    history.add_argument("grant", metavar="GRANT_ID")
    history.add_argument("--json", action="store_true", help="print JSON")
    history.set_defaults(func=cmd_history)


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text.strip() else None
    except ValueError:
        raise ValidationError("end date", f"{text!r} is not YYYY-MM-DD") from None


def _run(args: argparse.Namespace, call: Any) -> Any:
    from desk_app.commands.common import open_for_cli
    from desk_app.services.access.grants import GrantAdmin

    app = open_for_cli(args)
    try:
        return call(GrantAdmin(app.services))
    finally:
        app.close()


def cmd_add(args: argparse.Namespace) -> int:
    from desk_app.commands.common import print_json

    ends = _day(args.ends)
    changes = _run(
        args,
        lambda admin: admin.grant(
            admin.account_id(args.username),
            args.role,
            args.entity,
            args.reason,
            building_code=args.building,
            ends_on=ends,
        ),
    )
    [grant_id] = changes.record_ids
    if args.json:
        print_json({"grant_id": grant_id})
    else:
        print(f"granted {args.role} at {args.entity} to {args.username}: grant {grant_id}")
    return 0


def cmd_change(args: argparse.Namespace) -> int:
    _run(args, lambda admin: admin.change_role(args.grant, args.role, args.reason))
    print(f"grant {args.grant} is now {args.role}")
    return 0


def cmd_revoke(args: argparse.Namespace) -> int:
    _run(args, lambda admin: admin.revoke(args.grant, args.reason))
    print(f"grant {args.grant} revoked")
    return 0


def cmd_end(args: argparse.Namespace) -> int:
    ends = _day(args.on)
    _run(args, lambda admin: admin.set_end_date(args.grant, ends, args.reason))
    print(f"grant {args.grant}: last day {ends or 'none'}")
    return 0


def cmd_history(args: argparse.Namespace) -> int:
    from desk_app.commands.common import print_json

    h = _run(args, lambda admin: admin.history(args.grant))
    if args.json:
        print_json(asdict(h))
        return 0
    source = (
        f"form {h.form_number}, {h.decision or 'decided'} by {h.decided_by}"
        if h.form_number
        else "made directly"
    )
    print(f"{h.username}: {h.role_code} at {h.entity_code} ({source})")
    for e in h.events:
        print(f"{e.occurred_at:%Y-%m-%d %H:%M}  {e.actor:<16} {e.summary}")
    return 0


def register(sub: Any) -> None:
    """Nothing at the top level: ``grant`` is registered under ``access``."""
