"""``desk-app forms list | generate | fill | read``: the form catalogue from the command line."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

EXIT_NOT_A_FORM = 1
EXIT_REJECTED = 2


def register(sub: Any) -> None:
    parser = sub.add_parser("forms", help="list, generate, fill and read the agency's forms")
    fsub = parser.add_subparsers(dest="forms_command", required=True, metavar="ACTION")

    listing = fsub.add_parser("list", help="print the form catalogue")
    listing.add_argument("--json", action="store_true", help="print JSON (with every field)")
    listing.set_defaults(func=cmd_list)

    gen = fsub.add_parser("generate", help="write a fillable PDF of a form")
    gen.add_argument("form", help='form number ("MO 500-2356") or key (user_manager)')
    gen.add_argument("--out", required=True, type=Path, help="PDF file to write")
    gen.add_argument("--entity", metavar="CODE", help="prefill for the entity with this code")
    gen.add_argument("--token", help="request token carried in every page's QR code")
    gen.add_argument(
        "--values",
        type=Path,
        help="with --entity: JSON file of more fields to prefill (user rows), never a PIN",
    )
    gen.set_defaults(func=cmd_generate)

    fill = fsub.add_parser("fill", help="fill a form (a number, or a PDF of one) with values")
    fill.add_argument("form", help="form number or key, or the path of a fillable PDF")
    fill.add_argument("--values", required=True, type=Path, help="JSON file: {field: value}")
    fill.add_argument("--out", required=True, type=Path, help="PDF file to write")
    fill.add_argument("--barcode", action="store_true", help="stamp the data barcode for printing")
    fill.add_argument("--flatten", action="store_true", help="write a flattened archival copy")
    fill.add_argument("--strict", action="store_true", help="refuse values that fail validation")
    fill.set_defaults(func=cmd_fill)

    read = fsub.add_parser("read", help="identify a returned form and print its values as JSON")
    read.add_argument("file", type=Path, help="PDF, or a TIFF / PNG / JPEG scan or fax")
    read.set_defaults(func=cmd_read)


def _spec_summary(spec: Any, with_fields: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "number": spec.number,
        "key": spec.key,
        "title": spec.title,
        "edition": spec.edition,
        "pin_policy": spec.pin_policy,
        "signer_roles": list(spec.signer_roles),
        "entity_kinds": list(spec.entity_kinds),
        "pages": spec.page_count,
        "user_rows": spec.user_rows,
        "role_rows": spec.role_rows,
    }
    if with_fields:
        out["fields"] = [
            {
                "name": f.name,
                "label": f.label,
                "kind": f.kind,
                "required": f.required,
                "pattern": f.pattern,
                "options": list(f.options),
                "page": f.page,
                "derived": f.derived,
            }
            for f in spec.fields
        ]
    return out


def cmd_list(args: argparse.Namespace) -> int:
    from desk_app.commands.common import print_json
    from desk_app.pdf.catalogue import FORMS

    if args.json:
        print_json([_spec_summary(s, True) for s in FORMS.values()])
        return 0
    for s in FORMS.values():
        print(f"{s.number:13} {s.edition:7} PIN {s.pin_policy:8} {s.title}  [{s.key}]")
    return 0


def _spec_or_exit(name: str) -> Any:
    from desk_app.pdf.catalogue import find_form

    spec = find_form(name)
    if spec is None:
        print(f"desk-app: no form is called {name!r} (see `desk-app forms list`)", file=sys.stderr)
    return spec


def cmd_generate(args: argparse.Namespace) -> int:
    from desk_app.pdf.generate import generate_form

    spec = _spec_or_exit(args.form)
    if spec is None:
        return EXIT_NOT_A_FORM
    if args.entity:
        from desk_app.commands.common import open_for_cli
        from desk_app.services.directory.forms import generate_with_token

        extra = _load_values(args.values) if args.values else {}
        if extra is None:
            return EXIT_REJECTED
        app = open_for_cli(args)
        try:
            made = generate_with_token(
                app.services, spec.number, args.entity, extra, token=args.token
            )
        finally:
            app.close()
        args.out.write_bytes(made.pdf)
        print(
            f"wrote {args.out} ({spec.number} for {made.entity_code}, request token {made.token}, "
            f"{len(made.prefilled)} field(s) prefilled)"
        )
        return 0
    if args.values:
        print("desk-app: --values needs --entity (a form prefilled for an entity)", file=sys.stderr)
        return EXIT_REJECTED
    pdf = generate_form(spec.number, token=args.token)
    args.out.write_bytes(pdf)
    print(f"wrote {args.out} ({spec.number}, edition {spec.edition}, {spec.page_count} page(s))")
    return 0


def _load_values(path: Path) -> dict[str, str] | None:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        print(f"desk-app: cannot read values from {path}: {exc}", file=sys.stderr)
        return None
    if not isinstance(raw, dict):
        print(f"desk-app: {path} must hold a JSON object {{field: value}}", file=sys.stderr)
        return None
    return {str(k): "" if v is None else str(v) for k, v in raw.items()}


def cmd_fill(args: argparse.Namespace) -> int:
    from desk_app.pdf.catalogue import find_form
    from desk_app.pdf.errors import PdfRejected
    from desk_app.pdf.fill import add_data_barcode, fill_form, flatten
    from desk_app.pdf.generate import generate_form
    from desk_app.pdf.validate import validate

    values = _load_values(args.values)
    if values is None:
        return EXIT_REJECTED
    spec = find_form(args.form)
    if spec is not None:
        pdf = generate_form(spec.number)
    elif Path(args.form).is_file():
        pdf = Path(args.form).read_bytes()
    else:
        print(f"desk-app: {args.form!r} is neither a form number nor a file", file=sys.stderr)
        return EXIT_NOT_A_FORM
    try:
        filled = fill_form(pdf, values)
        if args.barcode:
            filled = add_data_barcode(filled)
        if args.flatten:
            filled = flatten(filled)
    except PdfRejected as exc:
        print(f"desk-app: cannot fill {args.form}: {exc.reason}", file=sys.stderr)
        return EXIT_REJECTED
    if spec is not None:
        problems = validate(spec, values)
        for name, problem in sorted(problems.items()):
            print(f"warning: {name}: {problem}", file=sys.stderr)
        if problems and args.strict:
            return EXIT_REJECTED
    args.out.write_bytes(filled)
    print(f"wrote {args.out}")
    return 0


def cmd_read(args: argparse.Namespace) -> int:
    from desk_app.commands.common import print_json
    from desk_app.pdf.errors import PdfRejected
    from desk_app.sandbox import api as sandbox

    try:
        data = args.file.read_bytes()
    except OSError as exc:
        print(f"desk-app: cannot open {args.file}: {exc.strerror}", file=sys.stderr)
        return EXIT_REJECTED
    try:
        if not data.lstrip()[:5].startswith(b"%PDF"):
            data = sandbox.image_to_pdf(data)
        reading = sandbox.read_form(data)  # a file from outside: read in a sandbox child
    except PdfRejected as exc:
        print(f"desk-app: cannot read {args.file}: {exc.reason}", file=sys.stderr)
        return EXIT_REJECTED
    if not reading.is_form:
        print(
            f"desk-app: {args.file} is not one of our forms (no form QR code, field set or "
            "form number found)",
            file=sys.stderr,
        )
        return EXIT_NOT_A_FORM
    print_json(
        {
            "form_number": reading.form_number,
            "edition": reading.edition,
            "token": reading.token,
            "source": reading.source,
            "page_count": reading.page_count,
            "values": reading.values,
        }
    )
    return 0
