"""``desk-app keys export|import``: move the agency keys between workstations under a passphrase.

The passphrase is asked for at the terminal, or read from an environment variable named with
``--passphrase-env`` (for deployment scripts); it is never an argument (it would show in the
process list). Neither command signs in as an operator or touches the database.
"""

from __future__ import annotations

import argparse
import getpass
import os
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    parser = sub.add_parser("keys", help="export or import the agency keys (under a passphrase)")
    ksub = parser.add_subparsers(dest="keys_command", required=True, metavar="ACTION")
    export = ksub.add_parser("export", help="write this workstation's agency keys, sealed")
    export.add_argument("--out", required=True, type=Path, help="the key file to write")
    export.add_argument("--passphrase-env", metavar="VAR", help="read the passphrase from VAR")
    export.set_defaults(func=cmd_export)
    imp = ksub.add_parser("import", help="take the agency keys from a sealed key file")
    imp.add_argument("file", type=Path)
    imp.add_argument("--passphrase-env", metavar="VAR", help="read the passphrase from VAR")
    imp.add_argument(
        "--replace", action="store_true", help="replace different keys already held here"
    )
    imp.set_defaults(func=cmd_import)


def _passphrase(args: argparse.Namespace, confirm: bool) -> str:
    from desk_app.errors import KnownError

    if args.passphrase_env:
        value = os.environ.get(args.passphrase_env)
        if not value:
            raise KnownError(f"the environment variable {args.passphrase_env} is not set")
        return value
    first = getpass.getpass("Passphrase: ")
    if confirm and getpass.getpass("Passphrase again: ") != first:
        raise KnownError("the two passphrases differ")
    return first


def _secrets(args: argparse.Namespace) -> Any:
    from desk_app.app import open_secret_store
    from desk_app.paths import resolve

    paths = resolve(args.data_dir)
    paths.ensure()
    return open_secret_store(paths)


def cmd_export(args: argparse.Namespace) -> int:
    from desk_app.errors import KnownError
    from desk_app.secrets import KeyFileError, export_keys

    try:
        sealed = export_keys(_secrets(args), _passphrase(args, confirm=True))
    except KeyFileError as exc:
        raise KnownError(str(exc)) from exc
    args.out.write_bytes(sealed)
    print(f"agency keys written to {args.out} (sealed under the passphrase)")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from desk_app.errors import KnownError
    from desk_app.secrets import KeyFileError, import_keys

    try:
        data = args.file.read_bytes()
    except OSError as exc:
        raise KnownError(f"cannot read {args.file}: {exc.strerror}") from exc
    try:
        names = import_keys(_secrets(args), data, _passphrase(args, False), args.replace)
    except KeyFileError as exc:
        raise KnownError(str(exc)) from exc
    print(f"imported {', '.join(names)}")
    return 0
