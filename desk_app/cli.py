"""``desk-app``: the GUI when no subcommand is given, else one of the subcommands.

Each area registers its subcommands in its own module under :mod:`desk_app.commands` (a module
with ``register(subparsers)``); this file only discovers them. Command modules import their heavy
dependencies inside the handler, so ``desk-app --help`` and GUI start-up stay fast.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
from collections.abc import Sequence
from typing import NoReturn

from desk_app import __version__
from desk_app.errors import KnownError
from desk_app.secrets import ALLOW_FILE_ENV


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad option is one clear line (and exit 2), not a usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"desk-app: {message} (see {self.prog} --help)\n")


def _global_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--version", action="version", version=f"desk_app {__version__}")
    parser.add_argument(
        "--data-dir", metavar="DIR", help="use DIR for the database, logs and settings"
    )
    parser.add_argument("--verbose", action="store_true", help="also log to standard error")
    parser.add_argument(
        "--allow-file-secrets",
        action="store_true",
        help="without an OS keyring, keep keys in a private file in the data folder (weaker)",
    )
    parser.add_argument(
        "--take-in",
        metavar="FILE",
        action="append",
        default=[],
        help="GUI: take FILE in (.msg, .eml, .pdf, .tif); a running window gets it instead",
    )


def gui_arguments(argv: Sequence[str]) -> argparse.Namespace | None:
    """The GUI's options when ``argv`` names no command (else None).

    Building the full parser imports every command's module (the whole service layer, about a
    twentieth of a second of the window's start): starting the window needs only the options.
    """
    if any(a in ("-h", "--help", "--version") for a in argv):
        return None
    probe = _Parser(prog="desk-app", add_help=False)
    _global_options(probe)
    args, rest = probe.parse_known_args(list(argv))
    if rest:
        return None  # a command (or a mistake the full parser explains)
    args.command = None
    return args


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="desk-app",
        description="Web systems security workbench: access requests, PINs, user managers, "
        "educator certification. With no command, starts the GUI.",
    )
    _global_options(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    import desk_app.commands as commands

    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"desk_app.commands.{info.name}")
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    gui = gui_arguments(sys.argv[1:] if argv is None else argv)
    if gui is not None:
        from desk_app.views.main import run_gui

        return run_gui(gui)
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.allow_file_secrets:  # read wherever the secret store is opened (GUI, CLI, children)
        os.environ[ALLOW_FILE_ENV] = "1"
    if not args.command:
        from desk_app.views.main import run_gui

        return run_gui(args)
    try:
        return int(args.func(args) or 0)
    except KnownError as exc:
        print(f"desk-app: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
