"""``python -m desk_app``: same as the ``desk-app`` console script."""

import multiprocessing
import sys

if __name__ == "__main__":
    if sys.argv[1:2] == ["--sandbox-child"]:  # a frozen build starts its sandbox children so
        from desk_app.sandbox.child import main as sandbox_child

        sandbox_child()
        sys.exit(0)
    from desk_app.cli import main

    # the seeder starts child processes too; a frozen (PyInstaller) build needs this first
    multiprocessing.freeze_support()
    sys.exit(main())
