"""``python -m command``: the pilot's mission CLI."""

import sys

from command.cli import main

sys.exit(main())
