"""Subcommands of ``desk-app``, one module per area, each exposing ``register(subparsers)``.

A handler receives the parsed ``argparse.Namespace`` and returns the exit code. Use
:func:`desk_app.commands.common.open_for_cli` to open the installation.
"""
