"""`python -m missions plan|check`: see missions.cli."""

import sys

from missions.cli import main

sys.exit(main())
