"""``python -m sensors``: see sensors.cli."""

from sensors.cli import main

raise SystemExit(main())
