"""``python -m desk_app``: same as the ``desk-app`` console script."""

import multiprocessing
import sys

from desk_app.cli import main

if __name__ == "__main__":
    # the PDF sandbox starts child processes; a frozen (PyInstaller) build needs this first
    multiprocessing.freeze_support()
    sys.exit(main())
