import sys

from textlake.cli import main

sys.exit(main())
