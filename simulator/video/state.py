"""What a camera needs of its vehicle for one frame: a small immutable snapshot."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CameraState:
    """One vehicle as its camera sees it at one moment.

    `alt_m` is the height above home (m), `heading_deg` the compass heading the camera's top edge
    faces, `time_unix_s` UTC (s since 1970), `sim_t_s` the world's simulated time (s, for the
    plume), `readings` the payload's latest (name, value) pairs as sent (µg/m³, CO mg/m³).
    """

    vehicle: int
    lat_deg: float
    lon_deg: float
    alt_m: float
    heading_deg: float
    time_unix_s: float
    sim_t_s: float
    readings: tuple[tuple[str, float], ...] = ()
