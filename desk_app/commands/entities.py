"""``desk-app entities officer CODE --superintendent NAME --from DATE``: a change of superintendent."""

from __future__ import annotations

import argparse
from datetime import date, datetime
from typing import Any


def register(sub: Any) -> None:
    """Add ``entities officer`` to the CLI."""
    entities = sub.add_parser("entities", help="educational entities: officers")
    esub = entities.add_subparsers(dest="entities_command", required=True, metavar="ACTION")
    officer = esub.add_parser("officer", help="record a new superintendent of an entity")
    officer.add_argument("code", help="the entity's code, e.g. 048-078")
    officer.add_argument(
        "--superintendent", required=True, metavar="NAME", help="first and last name"
    )
    officer.add_argument(
        "--from",
        dest="start",
        required=True,
        metavar="DATE",
        help="first day in office (YYYY-MM-DD or MM/DD/YYYY)",
    )
    officer.set_defaults(func=cmd_officer)


def parse_date(text: str) -> date:
    """A date as people write it here, or one clear error."""
    from desk_app.errors import ValidationError

    for fmt in ("%Y-%m-%d", "%m/%d/%Y"):
        try:
            return datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    raise ValidationError("--from", f"{text!r} is not a date (write YYYY-MM-DD or MM/DD/YYYY)")


def cmd_officer(args: argparse.Namespace) -> int:
    from desk_app.commands.common import open_for_cli
    from desk_app.services.directory.officers import appoint_superintendent

    start = parse_date(args.start)
    app = open_for_cli(args)
    try:
        appoint_superintendent(app.services, args.code, args.superintendent, start)
    finally:
        app.close()
    print(f"{args.superintendent} is superintendent of {args.code.upper()} from {start:%m/%d/%Y}")
    return 0
