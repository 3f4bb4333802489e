"""``desk-app verify FILE`` (the verification report as JSON) and ``desk-app pin issue CODE``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    """Add ``verify`` and ``pin issue`` to the CLI."""
    verify = sub.add_parser(
        "verify", help="run the verification checks on a form and print them as JSON"
    )
    verify.add_argument("file", nargs="?", help="a PDF of one of our forms")
    verify.add_argument(
        "--submission", metavar="ID", help="verify a queued submission (results saved)"
    )
    verify.set_defaults(func=cmd_verify)
    pin = sub.add_parser("pin", help="issue or reissue an entity's security PIN")
    psub = pin.add_subparsers(dest="pin_command", required=True, metavar="ACTION")
    issue = psub.add_parser(
        "issue", help="draw a new PIN and write the mailer letter to the superintendent"
    )
    issue.add_argument("code", help="the entity's code, e.g. 048-078")
    issue.add_argument(
        "--out", required=True, metavar="LETTER.pdf", help="where to write the letter"
    )
    issue.set_defaults(func=cmd_pin_issue)


def cmd_verify(args: argparse.Namespace) -> int:
    """Print the report as JSON; exit 1 when it blocks approval."""
    from desk_app.commands.common import open_for_cli, print_json
    from desk_app.errors import KnownError
    from desk_app.received import Received
    from desk_app.services.review import verification

    if not args.file and not args.submission:
        raise KnownError("name a FILE or --submission ID")
    app = open_for_cli(args)
    try:
        if args.submission:
            report = verification.verify_submission(app.services, args.submission)
        else:
            path = Path(args.file)
            if not path.is_file():
                raise KnownError(f"no such file: {path}")
            received = Received(path.read_bytes(), path.name)  # a file from outside
            report = verification.verify_document(app.services, received)
        out = report.as_json()
        out["elapsed_ms"] = report.elapsed_ms
        print_json(out)
        return 0 if report.can_approve else 1
    finally:
        app.close()


def cmd_pin_issue(args: argparse.Namespace) -> int:
    """Issue the PIN and write the letter; the PIN is printed nowhere else."""

    from desk_app.commands.common import open_for_cli
    from desk_app.errors import NotFound
    from desk_app.models.entities import entity_by_code
    from desk_app.services.review import pins

    app = open_for_cli(args)
    try:
        with app.store.read() as s:
            entity = entity_by_code(s, args.code)
            entity_id = entity.id if entity is not None else None
        if entity_id is None:
            raise NotFound(f"no entity with code {args.code}")
        issued = pins.issue_pin(app.services, str(entity_id))
        out = Path(args.out)
        out.write_bytes(issued.letter_pdf)
        print(
            f"PIN issued for {issued.entity_code}; mailer letter written to {out} "
            "(the PIN is in that letter only)"
        )
        return 0
    finally:
        app.close()
