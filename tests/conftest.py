"""Test-wide settings: EcoPatrol speaks MAVLink 2, so pymavlink's mavutil must load the v2 dialect
(it reads MAVLINK20 when first imported)."""

import os

os.environ.setdefault("MAVLINK20", "1")
