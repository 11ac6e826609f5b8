"""Live sensing settings: batching of drone samples, the reading queue, the map refresh."""

from __future__ import annotations

import math

from pydantic import BaseModel, ConfigDict, Field, field_validator


class SensingConfig(BaseModel):
    """How live samples are queued, batched into the cubes and mapped (seconds, samples, m)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    batch_s: float = Field(default=2.0, gt=0, le=600)
    """Longest a checked drone sample waits before its batch is appended (wall seconds)."""
    batch_samples: int = Field(default=500, ge=1, le=1_000_000)
    """Samples that make a batch at once, whatever batch_s says."""
    queue_readings: int = Field(default=65_536, ge=16, le=10_000_000)
    """Payload readings the link threads may have waiting; beyond, new ones are dropped."""
    sample_idle_s: float = Field(default=1.5, gt=0, le=60)
    """A sample whose vehicle sent no further reading for this long is closed (link clock s)."""
    map_refresh_s: float = Field(default=30.0, ge=0, le=86_400)
    """Shortest time between two map refreshes (wall seconds; 0: after every new data)."""
    map_centre: tuple[float, float] | None = None
    """Centre (latitude, longitude deg) of a new map cube; None: the stations' or a sample's."""
    map_half_width_m: float = Field(default=5000.0, gt=0, le=200_000)
    """Half the width of a new map cube's square grid (m)."""
    map_cell_m: float = Field(default=100.0, gt=0, le=10_000)
    """Cell size of a new map cube (m)."""
    feed_check_s: float = Field(default=10.0, gt=0, le=3600)
    """Longest a followed feed goes unlooked at when no change notice comes (seconds)."""

    @field_validator("map_centre")
    @classmethod
    def _on_earth(cls, value: tuple[float, float] | None) -> tuple[float, float] | None:
        if value is None:
            return None
        lat, lon = value
        if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90):
            raise ValueError(f"{lat}, {lon} is not a latitude, longitude")
        if not -180 <= lon <= 180:
            raise ValueError(f"{lat}, {lon} is not a latitude, longitude")
        return value

    @field_validator("batch_s", "sample_idle_s", "map_refresh_s", "feed_check_s")
    @classmethod
    def _finite(cls, value: float) -> float:
        if not math.isfinite(value):
            raise ValueError("must be a finite number")
        return value
