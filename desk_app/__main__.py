"""``python -m desk_app``: same as the ``desk-app`` console script."""

import sys

from desk_app.cli import main

sys.exit(main())
