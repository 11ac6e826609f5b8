"""Drone samples into the trajectory cube: each value checked, the rest quarantined.

Samples come paired already (``command.link.tlog`` pairs a telemetry log's payload readings
with their own vehicle's position and time); this room checks the values and stores them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from sensors.cubes import DEFAULT_CUBES, QUARANTINE, TRAJECTORIES
from sensors.cubes import trajectory as cube_trajectory
from sensors.cubes.store import local_path
from sensors.cubes.trajectory import DroneSample
from sensors.ingest.checks import cell_reasons
from sensors.ingest.quarantine import QuarantineFile
from sensors.ingest.report import IngestReport
from sensors.reasons import Reason, Rejected
from sensors.units import POLLUTANTS


def checked(sample: DroneSample, line: int = 0) -> tuple[DroneSample | None, list[Rejected]]:
    """The sample with its implausible values removed (None if none is left), and those values."""
    kept: dict[str, float] = {}
    bad: list[Rejected] = []
    for pollutant, value in sample.values.items():
        if pollutant not in POLLUTANTS:
            why = Reason.UNKNOWN_POLLUTANT
        else:
            why = int(cell_reasons(np.array([value]), pollutant)[0])
        if why:
            bad.append(
                Rejected(
                    line,
                    pollutant.upper(),
                    repr(float(value)),
                    Reason(why),
                    f"vehicle {sample.vehicle_id} sortie {sample.sortie_id} "
                    f"time_ms {sample.time_ms}",
                )
            )
        else:
            kept[pollutant] = float(value)
    return (replace(sample, values=kept) if kept else None), bad


def ingest_drone(
    items: Iterable[DroneSample | Rejected],
    source: str | Path,
    cubes_dir: str | Path = DEFAULT_CUBES,
    *,
    now: datetime | None = None,
    batch_samples: int = 5000,
    layout: str = "mavlink",
    notes: tuple[str, ...] = (),
) -> IngestReport:
    """Append paired samples to the trajectory cube; quarantine rejected readings and values.

    Counts are values: a reading is one payload value, accepted or quarantined.
    """
    cubes_dir = local_path(cubes_dir)
    quarantine = QuarantineFile(Path(source), cubes_dir / QUARANTINE, now or datetime.now(UTC))
    store = cube_trajectory.open_store(cubes_dir / TRAJECTORIES, create_missing=True)
    samples: list[DroneSample] = []
    rejected: list[Rejected] = []
    accepted = 0
    for item in items:
        if isinstance(item, DroneSample):
            sample, bad = checked(item)
            rejected += bad
            if sample is not None:
                samples.append(sample)
        else:
            rejected.append(item)
        if len(samples) >= batch_samples:
            accepted += _append(store, samples)
            quarantine.write(rejected)
            samples, rejected = [], []
    accepted += _append(store, samples)
    quarantine.write(rejected)
    return IngestReport(
        str(source),
        layout,
        accepted + quarantine.total,
        accepted,
        quarantine.total,
        dict(quarantine.counts),
        quarantine.path,
        0,
        cubes_dir / TRAJECTORIES,
        read_unit="payload readings",
        notes=notes,
    )


def _append(store: cube_trajectory.CubeStore, samples: list[DroneSample]) -> int:
    """Append a batch of samples; returns the values written."""
    cube_trajectory.append(store, samples)
    return sum(len(s.values) for s in samples)
