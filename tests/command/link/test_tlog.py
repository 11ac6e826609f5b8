"""Telemetry logs: each payload reading paired with its own vehicle's position and time."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from command.link.tlog import LogSurvey, pair_messages, read_messages, survey_log
from sensors.cubes.trajectory import DroneSample
from sensors.reasons import Reason
from tests.helpers.tlogs import T0_US, flight_messages, interleave, link, received, write_tlog


def test_pairing_uses_latest_position_and_time_and_rejects_the_rest():
    items = list(pair_messages(received(flight_messages()), "uav-1", "s-1"))
    samples = [s for s in items if isinstance(s, DroneSample)]
    rejected = [r for r in items if not isinstance(r, DroneSample)]
    assert {r.reason for r in rejected} == {Reason.NO_TIME, Reason.NO_POSITION}
    assert sum(r.reason is Reason.NO_TIME for r in rejected) == 7  # first second: no SYSTEM_TIME
    assert sum(r.reason is Reason.NO_POSITION for r in rejected) == 14  # seconds 1-2: no fix
    assert len(samples) == 17
    s = samples[0]
    assert s.time_ms == T0_US // 1000 + 13_005
    assert s.lat == 36.65 + 3e-5 and s.altitude_m == 60.0
    assert s.values["pm2_5"] == 43.0 and s.values["co"] == np.float32(0.6)


def test_repeated_reading_in_one_sample_is_a_duplicate():
    enc = link()
    msgs = received(
        [
            (m, enc)
            for m in (
                enc.system_time_encode(T0_US, 1000),
                enc.global_position_int_encode(1000, 366500000, 1169300000, 0, 50_000, 0, 0, 0, 0),
                enc.named_value_float_encode(1005, b"NO2", 30.0),
                enc.named_value_float_encode(1005, b"NO2", 31.0),
                enc.named_value_float_encode(1005, b"RPM", 3000.0),
            )
        ]
    )
    survey = LogSurvey()
    items = list(pair_messages(msgs, "uav-1", "s-1", survey=survey))
    assert [r.reason for r in items if not isinstance(r, DroneSample)] == [Reason.DUPLICATE]
    (sample,) = [s for s in items if isinstance(s, DroneSample)]
    assert sample.values == {"no2": 30.0}
    assert survey.skipped_names == {"RPM": 1} and survey.readings == {1: 2}


def test_fleet_log_pairs_each_vehicle_with_its_own_position(tmp_path: Path):
    """Two drones 1.1 km apart in one log: no sample takes the other drone's position."""
    one = flight_messages(system_id=1, lat0=36.65)
    two = flight_messages(system_id=2, lat0=36.66)
    log = write_tlog(tmp_path / "fleet.tlog", interleave(one, two))
    survey = survey_log(log)
    assert survey.readings == {1: 140, 2: 140} and survey.bad_data == 0
    for system_id, lat0 in ((1, 36.65), (2, 36.66)):
        samples = [
            s
            for s in pair_messages(read_messages(log), "v", "s", system_id=system_id)
            if isinstance(s, DroneSample)
        ]
        assert len(samples) == 17
        assert all(abs(s.lat - lat0) < 1e-3 for s in samples), system_id


def test_random_bytes_hold_no_message(tmp_path: Path):
    log = tmp_path / "noise.tlog"
    log.write_bytes(np.random.default_rng(3).integers(0, 256, 20_000, dtype=np.uint8).tobytes())
    survey = survey_log(log)
    assert survey.messages == 0 and not survey.readings
