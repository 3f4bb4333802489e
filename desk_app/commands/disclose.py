"""``desk-app disclose``: an open-records disclosure export (closed data redacted, disclosure recorded)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "disclose", help="export an entity's or an educator's records for an open-records request"
    )
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--entity", metavar="CODE", help="entity code (e.g. 048-078)")
    target.add_argument("--educator", metavar="ID", help="educator record id")
    parser.add_argument("--requester", required=True, help="who asked (name, organisation)")
    parser.add_argument("--purpose", required=True, help="the request, as received")
    parser.add_argument("--out", required=True, type=Path, help="ZIP file to write")
    parser.set_defaults(func=cmd_disclose)


def cmd_disclose(args: argparse.Namespace) -> int:
    from desk_app.commands.common import open_for_cli
    from desk_app.services.records.disclosure import DisclosureRequest, export_disclosure

    app = open_for_cli(args)
    kind, key = ("entity", args.entity) if args.entity else ("educator", args.educator)
    data = export_disclosure(
        app.services, DisclosureRequest(kind, key, args.requester, args.purpose)
    )
    args.out.write_bytes(data)
    print(f"wrote {args.out} ({len(data):,} bytes); the disclosure is recorded in the audit log")
    return 0
