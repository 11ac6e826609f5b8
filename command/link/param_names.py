"""Parameter names across ArduCopter versions: 4.7 renamed the MAVLink ones (SYSID_THISMAV →
MAV_SYSID, SYSID_MYGCS → MAV_GCS_SYSID, and the stream rates SRn_* → MAV(n+1)_*, counted from 1).
A caller names a parameter either way; the link sends the name the vehicle's firmware knows."""

from __future__ import annotations

import re

RENAMED_4_7 = {"SYSID_THISMAV": "MAV_SYSID", "SYSID_MYGCS": "MAV_GCS_SYSID"}
STREAM_GROUPS = frozenset(
    {"RAW_SENS", "EXT_STAT", "RC_CHAN", "RAW_CTRL", "POSITION", "EXTRA1", "EXTRA2", "EXTRA3",
     "PARAMS", "ADSB"}
)  # fmt: skip
FIRST_RENAMED = (4, 7, 0)
_OLD_STREAM = re.compile(r"^SR(\d)_([A-Z0-9_]+)$")
_NEW_STREAM = re.compile(r"^MAV(\d)_([A-Z0-9_]+)$")
_FROM_4_7 = {new: old for old, new in RENAMED_4_7.items()}


def vehicle_param_name(name: str, firmware: tuple[int, int, int] | None) -> str:
    """The name a vehicle running `firmware` (None: unknown, name kept) gives parameter name."""
    if firmware is None:
        return name
    if firmware >= FIRST_RENAMED:
        if name in RENAMED_4_7:
            return RENAMED_4_7[name]
        m = _OLD_STREAM.match(name)
        if m and m.group(2) in STREAM_GROUPS:
            return f"MAV{int(m.group(1)) + 1}_{m.group(2)}"
        return name
    if name in _FROM_4_7:
        return _FROM_4_7[name]
    m = _NEW_STREAM.match(name)
    if m and m.group(2) in STREAM_GROUPS and int(m.group(1)) >= 1:
        return f"SR{int(m.group(1)) - 1}_{m.group(2)}"
    return name


def renamed(name: str) -> bool:
    """Whether the name differs between 4.6 and 4.7 (the firmware must be known to send it)."""
    return vehicle_param_name(name, FIRST_RENAMED) != vehicle_param_name(name, (4, 6, 0))
