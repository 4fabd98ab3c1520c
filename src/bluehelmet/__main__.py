"""``python -m bluehelmet``: the same command line as ``bluehelmet``, where scripts are not on PATH."""

import sys

from bluehelmet.cli import main

sys.exit(main())
