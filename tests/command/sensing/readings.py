"""Synthetic payload readings as the fleet link hands them over (no sockets)."""

from __future__ import annotations

from datetime import UTC, datetime

from command.link.snapshot import PayloadSample

T0 = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
"""The vehicles' UTC at boot (their SYSTEM_TIME offset) and the centre's clock at link time 0."""
T0_MS = int(T0.timestamp() * 1000)
VALUES = {"PM2_5": 40.0, "PM10": 70.0, "SO2": 9.0, "NO2": 28.0, "CO": 0.6, "O3": 85.0, "VOC": 40.0}


def sample_readings(
    vehicle: str,
    k: int,
    *,
    arrived_s: float | None = None,
    lat0: float = 36.65,
    values: dict[str, float] | None = None,
    fix: bool = True,
    clock: bool = True,
    system_id: int = 1,
) -> list[PayloadSample]:
    """The seven readings vehicle sends at second k of its flight (boot ms 1000·k + 5)."""
    boot = 1000 * k + 5
    lat = lat0 + 1e-5 * k
    return [
        PayloadSample(
            vehicle=vehicle,
            system_id=system_id,
            quantity=name,
            value=value + (k if name == "PM2_5" else 0.0),
            time_s=float(k) + 0.01 if arrived_s is None else arrived_s,
            time_boot_ms=boot,
            latitude_deg=lat if fix else None,
            longitude_deg=116.93 if fix else None,
            altitude_amsl_m=80.0,
            altitude_relative_m=50.0,
            position_boot_ms=boot - 105 if fix else None,
            utc_offset_ms=T0_MS if clock else None,
        )
        for name, value in (values or VALUES).items()
    ]


class Utc:
    """The centre's UTC clock in step with a link clock the test moves (`now`, seconds)."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> datetime:
        from datetime import timedelta

        return T0 + timedelta(seconds=self.now)
