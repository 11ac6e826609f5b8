"""Payload readings into drone samples: the one pairing rule of the telemetry-log and live paths.

A sample is the set of payload readings one vehicle sends with one ``time_boot_ms``, placed at
the position the vehicle had reported when the group's first reading came (no older than
``max_position_age_ms``; latitude and longitude both 0 is no fix) and dated by its latest clock
offset (UTC ms minus boot ms, from SYSTEM_TIME). A boot time seen before is a duplicate; one
more than ``late_window_ms`` behind the latest is out of order. Values are not checked here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sensors.cubes.trajectory import DroneSample
from sensors.reasons import Reason, Rejected

MAX_POSITION_AGE_MS = 1500
"""Oldest position (vehicle boot ms before the reading) a sample may be placed at."""
LATE_WINDOW_MS = 5000
"""How far behind a vehicle's latest sample a reading may come and still be paired."""

Position = tuple[int, float, float, float]
"""Boot ms of the fix, latitude (deg), longitude (deg), altitude above home (m)."""


@dataclass(frozen=True, slots=True)
class Reading:
    """One payload value with what its vehicle had reported when it arrived.

    ``line`` is its place in its stream (message or reading number), for the quarantine.
    """

    line: int
    boot_ms: int
    pollutant: str
    value: float
    position: Position | None
    utc_offset_ms: int | None


@dataclass
class SampleAssembler:
    """Groups one vehicle's readings (in arrival order) into DroneSamples and Rejected readings."""

    vehicle_id: str
    max_position_age_ms: int = MAX_POSITION_AGE_MS
    late_window_ms: int = LATE_WINDOW_MS
    group_boot: int | None = None
    """Boot ms of the sample being assembled (None when no reading waits)."""
    group_sortie: str = ""
    """Sortie the sample being assembled is tagged with."""
    _group: list[Reading] = field(default_factory=list)
    _seen: set[int] = field(default_factory=set)
    _latest: int = -(2**62)

    def add(self, reading: Reading, sortie_id: str) -> list[DroneSample | Rejected]:
        """Take one reading; returns the previous sample when this one starts another.

        sortie_id tags the sample this reading opens (ignored when it joins the open one).
        """
        out: list[DroneSample | Rejected] = []
        if reading.boot_ms != self.group_boot:
            out = self.flush()
            self.group_boot, self.group_sortie = reading.boot_ms, sortie_id
        self._group.append(reading)
        return out

    def flush(self) -> list[DroneSample | Rejected]:
        """The open sample (and its rejected readings), closed now."""
        group, boot, sortie = self._group, self.group_boot, self.group_sortie
        self._group, self.group_boot = [], None
        if boot is None or not group:
            return []
        first = group[0]
        whole = self._whole_reason(boot, first)
        out: list[DroneSample | Rejected] = []
        kept: dict[str, float] = {}
        detail = f"vehicle {self.vehicle_id} sortie {sortie} boot_ms {boot}"
        for r in group:
            why = whole or (Reason.DUPLICATE if r.pollutant in kept else None)
            if why:
                out.append(Rejected(r.line, r.pollutant.upper(), repr(r.value), why, detail))
            else:
                kept[r.pollutant] = r.value
        if whole in (None, Reason.NO_TIME, Reason.NO_POSITION):
            self._seen.add(boot)
        if whole is None:
            self._latest = max(self._latest, boot)
        if kept and first.position is not None and first.utc_offset_ms is not None:
            _, lat, lon, alt = first.position
            sample = DroneSample(
                self.vehicle_id, sortie, boot + first.utc_offset_ms, lat, lon, alt, kept
            )
            out.append(sample)
        return out

    def _whole_reason(self, boot: int, first: Reading) -> Reason | None:
        """Why every reading of the sample is refused, if anything."""
        p = first.position
        if boot in self._seen:
            return Reason.DUPLICATE
        if boot < self._latest - self.late_window_ms:
            return Reason.OUT_OF_ORDER
        if first.utc_offset_ms is None:
            return Reason.NO_TIME
        if p is None or abs(p[0] - boot) > self.max_position_age_ms or (p[1] == 0 and p[2] == 0):
            return Reason.NO_POSITION
        return None
