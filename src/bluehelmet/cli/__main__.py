import sys

from bluehelmet.cli import main

sys.exit(main())
