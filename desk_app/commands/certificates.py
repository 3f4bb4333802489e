"""``desk-app certificates``: enrol the signing key, issue, print, revoke and verify certificates."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Any

from desk_app.errors import KnownError

EXIT_NOT_VALID = 3


def register(sub: Any) -> None:
    parser = sub.add_parser("certificates", help="educator certificates: issue, print, verify")
    commands = parser.add_subparsers(dest="certificates_command", metavar="ACTION", required=True)

    keygen = commands.add_parser(
        "keygen", help="enrol this workstation: make the agency's certificate-signing key"
    )
    keygen.add_argument("--replace", action="store_true", help="replace an enrolled key")
    keygen.set_defaults(func=cmd_keygen)

    issue = commands.add_parser("issue", help="issue a certificate (supersedes the active one)")
    issue.add_argument("educator", metavar="EDUCATOR_ID")
    issue.add_argument("classification", metavar="CODE", help="e.g. ISS, CSS, IPC, CCPC, SUB")
    issue.add_argument("--effective", type=date.fromisoformat, help="YYYY-MM-DD (default today)")
    issue.add_argument("--subject", default="", help="subject area")
    issue.set_defaults(func=cmd_issue)

    printing = commands.add_parser("print", help="print certificates to a PDF (signed QR)")
    printing.add_argument("certificates", nargs="+", metavar="CERTIFICATE_ID")
    printing.add_argument("--out", required=True, type=Path, help="PDF file to write")
    printing.set_defaults(func=cmd_print)

    revoke = commands.add_parser("revoke", help="revoke a certificate")
    revoke.add_argument("certificate", metavar="CERTIFICATE_ID")
    revoke.add_argument("--reason", required=True)
    revoke.set_defaults(func=cmd_revoke)

    verify = commands.add_parser(
        "verify", help="check a printed certificate from a scan, photo or PDF (offline)"
    )
    verify.add_argument("file", type=Path, metavar="IMAGE_OR_PDF")
    verify.add_argument("--json", action="store_true", help="machine-readable output")
    verify.set_defaults(func=cmd_verify)


def cmd_keygen(args: argparse.Namespace) -> int:
    from desk_app.commands.common import open_for_cli
    from desk_app.services.educators.signing import enrol_new_key

    app = open_for_cli(args)
    kid, public = enrol_new_key(app.services.secrets, replace=args.replace)
    print(f"certificate-signing key {kid} enrolled in {app.services.secrets.backend_name}")
    print(f"public key (add to AGENCY_KEYS and the IT guide): {kid} {public}")
    return 0


def cmd_issue(args: argparse.Namespace) -> int:
    from desk_app.commands.common import open_for_cli
    from desk_app.services.educators.certificates import issue_certificate

    app = open_for_cli(args)
    effective = args.effective or date.today()
    number, _changes = issue_certificate(
        app.services, args.educator, args.classification, effective, args.subject
    )
    print(f"issued certificate {number}")
    return 0


def cmd_print(args: argparse.Namespace) -> int:
    from desk_app.commands.common import open_for_cli
    from desk_app.services.educators.certificates import print_certificates

    app = open_for_cli(args)
    pdf = print_certificates(app.services, args.certificates)
    args.out.write_bytes(pdf)
    print(f"wrote {args.out} ({len(args.certificates)} certificate(s)); printing is audited")
    return 0


def cmd_revoke(args: argparse.Namespace) -> int:
    from desk_app.commands.common import open_for_cli
    from desk_app.services.educators.certificates import revoke_certificate

    app = open_for_cli(args)
    revoke_certificate(app.services, args.certificate, args.reason)
    print("certificate revoked")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from desk_app.commands.common import open_for_cli, print_json
    from desk_app.pdf.errors import PdfRejected
    from desk_app.received import Received
    from desk_app.services.educators.verification import verify_scan

    try:
        data = Received(args.file.read_bytes(), args.file.name)  # a scan from outside
    except OSError as exc:
        raise KnownError(f"cannot read {args.file}: {exc.strerror}") from None
    app = open_for_cli(args)
    try:
        checks = verify_scan(app.services, data)
    except PdfRejected as exc:
        raise KnownError(f"{args.file}: {exc}") from None
    if args.json:
        print_json([_as_json(c) for c in checks])
    elif not checks:
        print(f"NOT VERIFIED: no certificate QR found in {args.file}", file=sys.stderr)
    for check in checks if not args.json else ():
        print(_as_text(check))
    return 0 if checks and all(c.valid for c in checks) else EXIT_NOT_VALID


def _as_json(check: Any) -> dict[str, Any]:
    facts = check.facts
    return {
        "verdict": check.verdict,
        "valid": check.valid,
        "reasons": list(check.reasons),
        "key_id": check.key_id,
        "in_local_records": check.in_local_records,
        "facts": None
        if facts is None
        else {
            "number": facts.number,
            "classification": facts.classification,
            "holder": facts.holder,
            "effective": facts.effective.isoformat(),
            "expires": facts.expires.isoformat(),
        },
    }


def _as_text(check: Any) -> str:
    head = "VALID" if check.valid else f"NOT VALID ({check.verdict.replace('_', ' ')})"
    lines = [head]
    if check.facts is not None:
        f = check.facts
        lines += [
            f"  holder:         {f.holder}",
            f"  certificate:    {f.number} ({f.classification})",
            f"  effective:      {f.effective.isoformat()}",
            f"  valid through:  {f.expires.isoformat()}",
            f"  signed by key:  {check.key_id}",
        ]
    lines += [f"  note: {r}" for r in check.reasons]
    return "\n".join(lines)
