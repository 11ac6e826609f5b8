"""The video relay's configuration (a section of the centre's config): which drone streams to
receive, which sinks to forward them to, and the relay's limits. Checked whole before start."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

SinkKind = Literal["rtp_udp", "mpegts_udp", "rtsp", "rtmp"]
"""rtp_udp: the same datagrams, byte for byte; mpegts_udp, rtsp (ANNOUNCE/RECORD push), rtmp:
the same H.264 frames in another container."""

_SCHEMES = {"rtp_udp": ("udp", "rtp"), "mpegts_udp": ("udp",), "rtsp": ("rtsp",), "rtmp": ("rtmp",)}


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class VideoStreamConfig(_Section):
    """One drone's stream: the vehicle's name and the UDP port (on `host`) its camera sends to."""

    vehicle: str = Field(min_length=1, max_length=64)
    port: int = Field(ge=1, le=65535)
    host: str = "127.0.0.1"
    payload_type: int = Field(default=96, ge=96, le=127)


class VideoSinkConfig(_Section):
    """Where streams go. `url` may hold `{vehicle}`; for UDP, vehicle k of `vehicles` (or of all
    streams) sends to the url's port + k·port_step. An empty `vehicles` means every stream."""

    name: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    kind: SinkKind
    url: str = Field(min_length=1, max_length=500)
    vehicles: tuple[str, ...] = ()
    port_step: int = Field(default=0, ge=0, le=1000)
    queue_frames: int = Field(default=90, ge=2, le=10_000)

    @model_validator(mode="after")
    def _url_fits_kind(self) -> VideoSinkConfig:
        parts = urlsplit(self.url.replace("{vehicle}", "v"))
        if parts.scheme not in _SCHEMES[self.kind]:
            raise ValueError(
                f"url {self.url!r}: a {self.kind} sink needs "
                + " or ".join(f"{s}://" for s in _SCHEMES[self.kind])
            )
        try:
            port = parts.port
        except ValueError:
            raise ValueError(f"url {self.url!r}: the port is not a number") from None
        if not parts.hostname:
            raise ValueError(f"url {self.url!r}: no host")
        if self.kind in ("rtp_udp", "mpegts_udp") and port is None:
            raise ValueError(f"url {self.url!r}: a UDP sink needs a port")
        return self

    def address_for(self, position: int) -> tuple[str, int]:
        """UDP host and port for the position-th vehicle this sink serves."""
        parts = urlsplit(self.url)
        assert parts.hostname is not None and parts.port is not None
        return parts.hostname, parts.port + position * self.port_step

    def url_for(self, vehicle: str, position: int) -> str:
        """The sink's url for one vehicle (`{vehicle}` filled in, UDP port stepped)."""
        url = self.url.replace("{vehicle}", vehicle)
        if self.kind in ("rtp_udp", "mpegts_udp") and self.port_step:
            host, port = self.address_for(position)
            parts = urlsplit(url)
            url = parts._replace(netloc=f"{host}:{port}").geturl()
        return url


class VideoConfig(_Section):
    """The relay: streams in, sinks out, and when a stream counts as stalled (s without packets),
    keyframe-less (s without a keyframe), how often statistics go out (s), where recordings go,
    how many frames a live-view client may have waiting."""

    enabled: bool = True
    streams: tuple[VideoStreamConfig, ...] = ()
    sinks: tuple[VideoSinkConfig, ...] = ()
    stall_after_s: float = Field(default=3.0, gt=0, le=600)
    keyframe_missing_s: float = Field(default=10.0, gt=0, le=3600)
    stats_every_s: float = Field(default=1.0, gt=0, le=3600)
    telemetry_every_s: float = Field(default=0.5, ge=0, le=60)
    recordings_dir: Path = Path("var/recordings")
    live_queue_frames: int = Field(default=30, ge=2, le=1000)
    retry_s: float = Field(default=5.0, gt=0, le=600)

    @field_validator("stall_after_s", "keyframe_missing_s", "stats_every_s", "retry_s")
    @classmethod
    def _finite(cls, value: float) -> float:
        if not math.isfinite(value):
            raise ValueError("must be a finite number")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> VideoConfig:
        vehicles = [s.vehicle for s in self.streams]
        seen: set[str] = set()
        for i, name in enumerate(vehicles):
            if name in seen:
                raise ValueError(f"streams[{i}].vehicle: {name!r} is used twice")
            seen.add(name)
        ports: set[tuple[str, int]] = set()
        for i, s in enumerate(self.streams):
            if (s.host, s.port) in ports:
                raise ValueError(f"streams[{i}].port: {s.port} is used twice")
            ports.add((s.host, s.port))
        names: set[str] = set()
        for i, sink in enumerate(self.sinks):
            if sink.name in names:
                raise ValueError(f"sinks[{i}].name: {sink.name!r} is used twice")
            names.add(sink.name)
            for v in sink.vehicles:
                if v not in seen:
                    raise ValueError(f"sinks[{i}].vehicles: {v!r} has no stream")
        return self

    def sink_vehicles(self, sink: VideoSinkConfig) -> tuple[str, ...]:
        """The vehicles one sink serves, in order."""
        return sink.vehicles or tuple(s.vehicle for s in self.streams)

    @classmethod
    def for_fleet(
        cls, vehicles: tuple[str, ...] | list[str], base_port: int = 5600, **fields: object
    ) -> VideoConfig:
        """Streams for vehicles in order on base_port + i (as the drones send by default)."""
        streams = tuple(
            VideoStreamConfig(vehicle=v, port=base_port + i) for i, v in enumerate(vehicles)
        )
        return cls.model_validate({"streams": streams, **fields})
