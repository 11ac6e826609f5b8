"""EcoPatrol: `python app.py` runs the whole command centre — the demo simulator (or the
configured drones with --config FILE), the centre, and the officers' console on
http://127.0.0.1:5000."""

from __future__ import annotations

import os
import sys

os.environ.setdefault("MAVLINK20", "1")

if __name__ == "__main__":
    from web.runtime import main

    sys.exit(main())
