"""``desk-app educators``: find profiles, create one, enter evidence, eligibility, watch lists,
the public look-up export."""

from __future__ import annotations

import argparse
import getpass
import sys
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any

from desk_app.commands.educators.records import register_records
from desk_app.errors import KnownError


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def register(sub: Any) -> None:
    parser = sub.add_parser("educators", help="educator profiles, evidence and eligibility")
    commands = parser.add_subparsers(dest="educators_command", metavar="ACTION", required=True)

    find = commands.add_parser("find", help="search profiles as on the Educators page")
    find.add_argument("text", help="last name, 'last, first', username, e-mail or certificate no.")
    find.add_argument("--limit", type=int, default=20)
    find.add_argument("--json", action="store_true")
    find.set_defaults(func=cmd_find)

    create = commands.add_parser(
        "create", help="create a profile (SSN and date of birth are asked for, not echoed)"
    )
    create.add_argument("--first", required=True, help="legal first name")
    create.add_argument("--middle", default="")
    create.add_argument("--last", required=True, help="legal last name")
    create.add_argument("--email", required=True)
    create.set_defaults(func=cmd_create)

    register_records(commands)

    eligibility = commands.add_parser("eligibility", help="upgrade requirement tracker")
    eligibility.add_argument("educator", metavar="EDUCATOR_ID")
    eligibility.add_argument("--json", action="store_true")
    eligibility.set_defaults(func=cmd_eligibility)

    register_applications(commands)

    export = commands.add_parser("export", help="public look-up CSV of current certificates")
    export.add_argument("--out", required=True, type=Path)
    export.set_defaults(func=cmd_export)


def _app(args: argparse.Namespace) -> Any:
    from desk_app.commands.common import open_for_cli

    return open_for_cli(args)


def cmd_find(args: argparse.Namespace) -> int:
    from desk_app.commands.common import print_json
    from desk_app.services.educators.profiles import EducatorService
    from desk_app.services.listing import ListQuery

    service = EducatorService(_app(args).services)
    query = ListQuery(args.text)
    rows = service.fetch(query, 0, max(1, args.limit))
    if args.json:
        print_json([asdict(r) for r in rows])
        return 0
    for r in rows:
        print(
            f"{r.id}  {r.display_name:40} {r.classification or '-':5} {r.username or '-':16} {r.email}"
        )
    print(f"{len(rows)} shown")
    return 0


def cmd_create(args: argparse.Namespace) -> int:
    from desk_app.services.educators.editing import NewProfile, create_profile

    app = _app(args)
    ssn = getpass.getpass("SSN (not shown): ")
    born = _day(getpass.getpass("Date of birth YYYY-MM-DD (not shown): ").strip())
    result = create_profile(
        app.services, NewProfile(ssn, born, args.first, args.last, args.email, args.middle)
    )
    if result.existed:
        print(f"{result.warning}: {result.educator_id} (nothing created)", file=sys.stderr)
        return 1
    print(f"created profile {result.educator_id}")
    return 0


def cmd_eligibility(args: argparse.Namespace) -> int:
    from desk_app.commands.common import print_json
    from desk_app.services.educators.profiles import EducatorService

    profile = EducatorService(_app(args).services).detail(args.educator)
    if args.json:
        print_json([asdict(u) for u in profile.upgrades])
        return 0
    if not profile.upgrades:
        print(f"{profile.row.display_name}: no active certificate with an upgrade")
    for u in profile.upgrades:
        state = "ELIGIBLE" if u.eligible else "not yet eligible"
        print(f"{u.classification} -> {u.upgrade_to} (certificate {u.certificate_number}): {state}")
        for r in u.requirements:
            mark = "met " if r.met else "MISS"
            print(f"  [{mark}] {r.title}: {r.completed:g} of {r.required:g} {r.unit}")
            for why in r.not_counted:
                print(f"         not counted: {why}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from desk_app.services.educators.public import export_public_lookup

    count, data = export_public_lookup(_app(args).services)
    try:
        args.out.write_bytes(data)
    except OSError as exc:
        raise KnownError(f"cannot write {args.out}: {exc.strerror}") from None
    print(f"wrote {count:,} current certificates to {args.out}; the export is audited")
    return 0


def register_applications(commands: Any) -> None:
    """``educators applications``: the certificate applications queue."""
    parser = commands.add_parser("applications", help="the certificate applications queue")
    acts = parser.add_subparsers(dest="applications_command", metavar="ACTION", required=True)
    listing = acts.add_parser("list", help="open applications, oldest first")
    listing.add_argument("--state", default="", choices=("", "received", "waiting", "ready"))
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=cmd_app_list)
    submit = acts.add_parser("submit", help="record a received application")
    submit.add_argument("educator", metavar="EDUCATOR_ID")
    submit.add_argument("kind", help="substitute, initial, upgrade or renewal")
    submit.add_argument("classification", metavar="CODE")
    submit.set_defaults(func=cmd_app_submit)
    for name, helptext in (("claim", "take an application"), ("release", "give it back")):
        p = acts.add_parser(name, help=helptext)
        p.add_argument("application", metavar="APPLICATION_ID")
        p.set_defaults(func=cmd_app_claim, release=name == "release")
    move = acts.add_parser("move", help="received, waiting (say for what) or ready")
    move.add_argument("application", metavar="APPLICATION_ID")
    move.add_argument("state", choices=("received", "waiting", "ready"))
    move.add_argument("--note", default="")
    move.set_defaults(func=cmd_app_move)
    tracker = acts.add_parser("tracker", help="the requirement tracker of an application")
    tracker.add_argument("application", metavar="APPLICATION_ID")
    tracker.add_argument("--json", action="store_true")
    tracker.set_defaults(func=cmd_app_tracker)
    decide = acts.add_parser("decide", help="approve (issues the certificate) or reject")
    decide.add_argument("application", metavar="APPLICATION_ID")
    verdict = decide.add_mutually_exclusive_group(required=True)
    verdict.add_argument("--approve", action="store_true")
    verdict.add_argument("--reject", action="store_true")
    decide.add_argument("--note", default="", help="the reason (required to reject)")
    decide.add_argument("--effective", type=_day, help="YYYY-MM-DD (default today)")
    decide.add_argument("--eml", type=Path, help="write the educator's e-mail draft here")
    decide.set_defaults(func=cmd_app_decide)


def cmd_app_list(args: argparse.Namespace) -> int:
    from desk_app.commands.common import print_json
    from desk_app.services.educators.applications import queue

    count, rows = queue(_app(args).services, args.state)
    if args.json:
        print_json({"count": count, "rows": [asdict(r) for r in rows]})
        return 0
    for r in rows:
        held = f" (claimed by {r.claimed_by})" if r.claimed_by else ""
        print(f"{r.id}  {r.state:9} {r.kind:10} {r.classification:5} {r.educator_name}{held}")
    print(f"{count:,} open application(s)")
    return 0


def cmd_app_submit(args: argparse.Namespace) -> int:
    from desk_app.services.educators.applications import submit

    print(
        f"received application {submit(_app(args).services, args.educator, args.kind, args.classification)}"
    )
    return 0


def cmd_app_claim(args: argparse.Namespace) -> int:
    from desk_app.services.educators.applications import claim, release

    (release if args.release else claim)(_app(args).services, args.application)
    print("released" if args.release else "claimed")
    return 0


def cmd_app_move(args: argparse.Namespace) -> int:
    from desk_app.services.educators.applications import move

    move(_app(args).services, args.application, args.state, args.note)
    print(f"moved to {args.state}")
    return 0


def cmd_app_tracker(args: argparse.Namespace) -> int:
    from desk_app.commands.common import print_json
    from desk_app.services.educators.applications import tracker

    rows = tracker(_app(args).services, args.application)
    if args.json:
        print_json([asdict(r) for r in rows])
        return 0
    for r in rows:
        print(
            f"[{'met ' if r.met else 'MISS'}] {r.title}: {r.completed:g} of {r.required:g} {r.unit}".rstrip()
        )
        for why in r.not_counted:
            print(f"       {why}")
    return 0


def cmd_app_decide(args: argparse.Namespace) -> int:
    from desk_app.services.educators.applications import decide

    decision = decide(
        _app(args).services,
        args.application,
        approve=args.approve,
        note=args.note,
        effective=args.effective,
    )
    if args.eml is not None:
        args.eml.write_bytes(decision.eml)
    issued = (
        f"; certificate {decision.certificate_number} issued" if decision.certificate_number else ""
    )
    where = f"; e-mail draft in {args.eml}" if args.eml is not None else ""
    print(("approved" if decision.approved else "rejected") + issued + where)
    return 0
