"""The link's events with injected time (no sockets, no sleeps): bounded telemetry rate, mode
changes with their cause, link lost/back, failsafes, items reached; the snapshot's UTC and
closed sets; and the snapshot and event types importable without pymavlink."""

from __future__ import annotations

import itertools
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from command.events import (
    FailsafeKind,
    FailsafeReported,
    LinkBack,
    LinkLost,
    MissionItemReached,
    ModeCause,
    ModeChanged,
    TelemetryUpdated,
    VehicleMessage,
)
from command.link import (
    CommandRefused,
    FlightMode,
    GpsFix,
    LinkState,
    MavResult,
    MissionResult,
    MissionState,
    MissionUploadError,
    StatusText,
    VehicleSnapshot,
)
from command.link.codec import ingest, new_codec
from command.link.link_events import LinkEvents, failsafe_kind
from command.link.telemetry import Telemetry
from tests.helpers.sitl import ROOT

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
OK = VehicleSnapshot("d1", link=LinkState.OK, mode_name="STABILIZE", mode_number=0)


def events(
    source: LinkEvents,
    snap: VehicleSnapshot,
    now: float,
    reached: tuple[int, ...] = (),
    texts: tuple[StatusText, ...] = (),
) -> list[Any]:
    return source.turn(snap, reached, texts, now)


def of(kind: type, found: list[Any]) -> list[Any]:
    return [e for e in found if isinstance(e, kind)]


def moded(number: int, t: float) -> VehicleSnapshot:
    name = FlightMode(number).name
    return replace(OK, mode_name=name, mode_number=number, time_s=t)


def test_telemetry_goes_out_at_most_every_period_and_the_latest_one_is_not_lost() -> None:
    source = LinkEvents("d1", lambda: T0, telemetry_period_s=0.2)
    sent = []
    for k in range(200):  # a new snapshot every 10 ms for 2 s
        sent += of(TelemetryUpdated, events(source, replace(OK, time_s=k * 0.01), k * 0.01))
    assert 9 <= len(sent) <= 11
    times = [e.snapshot.time_s for e in sent]
    assert all(b - a >= 0.2 - 1e-9 for a, b in itertools.pairwise(times))
    last = replace(OK, time_s=1.995)  # changed just after a publication, then nothing new
    events(source, last, 1.995)
    later = of(TelemetryUpdated, events(source, last, 2.3))
    assert [e.snapshot for e in later] == [last]
    assert of(TelemetryUpdated, events(source, last, 2.6)) == []  # unchanged: not sent again


def test_a_mode_this_link_asked_for_is_commanded() -> None:
    source = LinkEvents("d1", lambda: T0)
    events(source, moded(0, 0.0), 0.0)
    source.commanded(4, 1.0)
    (change,) = of(ModeChanged, events(source, moded(4, 1.3), 1.3))
    assert (change.previous, change.mode, change.cause) == ("STABILIZE", "GUIDED", "commanded")


def test_a_mode_after_a_failsafe_text_is_the_failsafe_and_says_which() -> None:
    source = LinkEvents("d1", lambda: T0)
    events(source, moded(3, 0.0), 0.0)
    text = StatusText(5.0, 2, "Battery 1 is low 14.10V used 8000 mAh")
    found = events(source, moded(3, 5.0), 5.0, texts=(text,))
    assert [e.failsafe for e in of(FailsafeReported, found)] == [FailsafeKind.BATTERY]
    assert [e.text for e in of(VehicleMessage, found)] == [text.text]
    (change,) = of(ModeChanged, events(source, moded(6, 5.2), 5.2))
    assert change.cause is ModeCause.FAILSAFE and "Battery 1 is low" in change.reason


def test_an_unexplained_change_waits_for_a_late_failsafe_text_then_is_external() -> None:
    late = LinkEvents("d1", lambda: T0, explain_window_s=1.0)
    events(late, moded(3, 0.0), 0.0)
    assert of(ModeChanged, events(late, moded(6, 1.0), 1.0)) == []  # held back
    fence = StatusText(1.4, 2, "Fence Breached: Circle")
    (change,) = of(ModeChanged, events(late, moded(6, 1.4), 1.4, texts=(fence,)))
    assert change.cause is ModeCause.FAILSAFE and change.reason == fence.text

    rc = LinkEvents("d1", lambda: T0, explain_window_s=1.0)
    events(rc, moded(3, 0.0), 0.0)
    events(rc, moded(5, 1.0), 1.0)
    assert of(ModeChanged, events(rc, moded(5, 1.9), 1.9)) == []
    (change,) = of(ModeChanged, events(rc, moded(5, 2.0), 2.0))
    assert (change.mode, change.cause) == ("LOITER", ModeCause.EXTERNAL)


def test_link_lost_and_back_but_not_the_first_contact() -> None:
    source = LinkEvents("d1", lambda: T0)
    connecting = VehicleSnapshot("d1")
    assert of(LinkLost, events(source, connecting, 0.0)) == []
    assert of(LinkBack, events(source, replace(OK, time_s=1.0), 1.0)) == []
    lost = events(source, replace(OK, link=LinkState.LOST, time_s=7.0), 7.0)
    assert [type(e) for e in lost if not isinstance(e, TelemetryUpdated)] == [LinkLost]
    back = events(source, replace(OK, time_s=9.0), 9.0)
    assert [type(e) for e in back if not isinstance(e, TelemetryUpdated)] == [LinkBack]


def test_items_reached_are_numbered_as_the_snapshot_counts_them() -> None:
    source = LinkEvents("d1", lambda: T0)
    found = events(source, replace(OK, items_reached=2), 1.0, reached=(1, 2))
    assert [(e.seq, e.count) for e in of(MissionItemReached, found)] == [(1, 1), (2, 2)]
    found = events(source, replace(OK, items_reached=3), 2.0, reached=(3,))
    assert [(e.seq, e.count) for e in of(MissionItemReached, found)] == [(3, 3)]


def test_failsafe_kinds_from_arducopter_texts() -> None:
    assert failsafe_kind("GCS Failsafe") is FailsafeKind.GCS
    assert failsafe_kind("Battery 1 is critical 13.2V used 9500 mAh") is FailsafeKind.BATTERY
    assert failsafe_kind("Fence Breached: Altitude") is FailsafeKind.FENCE
    assert failsafe_kind("EKF Failsafe") is FailsafeKind.EKF
    assert failsafe_kind("Radio Failsafe - Continuing Auto") is FailsafeKind.RADIO
    assert failsafe_kind("Crash: Disarming") is FailsafeKind.OTHER
    source = LinkEvents("d1", lambda: T0)
    cleared = events(source, OK, 1.0, texts=(StatusText(1.0, 6, "GCS Failsafe Cleared"),))
    assert of(FailsafeReported, cleared) == [] and len(of(VehicleMessage, cleared)) == 1


class _Bytes:
    def __init__(self) -> None:
        self.buf = bytearray()

    def write(self, data: bytes) -> None:
        self.buf += data


def test_snapshot_utc_is_the_vehicles_own_once_it_reports_it() -> None:
    centre = T0 - timedelta(days=3)
    t = Telemetry("d1", utcnow=lambda: centre)
    t.transport_up = True
    out = _Bytes()
    v = new_codec(writer=out)
    v.srcSystem, v.srcComponent = 1, 1
    v.heartbeat_send(2, 3, 1, 4, 4, 3)
    v.global_position_int_send(5000, 0, 0, 0, 0, 0, 0, 0, 65535)
    v.gps_raw_int_send(0, 9, 0, 0, 0, 70, 110, 0, 0, 14)  # a fix type no receiver reports
    v.mission_current_send(2, 10, 77, 0)  # nor a mission state
    ingest(new_codec(), t, bytes(out.buf), now=1.0)
    before = t.snapshot
    assert before.time_utc == centre and not before.utc_from_vehicle
    assert before.gps_fix_type is GpsFix.NO_FIX and before.mission_state is MissionState.UNKNOWN
    assert before.mode is FlightMode.GUIDED
    out.buf.clear()
    boot = T0.timestamp() - 100.0  # the vehicle booted 100 s before T0
    v.system_time_send(int((boot + 90.0) * 1e6), 90_000)
    v.global_position_int_send(100_000, 0, 0, 0, 0, 0, 0, 0, 65535)
    v.mission_item_reached_send(3)
    ingest(new_codec(), t, bytes(out.buf), now=2.0)
    snap = t.snapshot
    assert snap.utc_from_vehicle and snap.time_utc == T0
    assert snap.items_reached == 1 and t.take_news() == ([3], [])
    assert snap.time_s == 2.0  # link time beside it


def test_result_codes_are_enums_and_name_themselves() -> None:
    refused = CommandRefused("arm", 4, "PreArm: Need Position Estimate")
    assert refused.result is MavResult.FAILED and "FAILED" in str(refused)
    odd = CommandRefused("arm", 42, "")
    assert odd.result == 42 and "42" in str(odd)
    upload = MissionUploadError(13, 0, 4, "out of order")
    assert upload.result is MissionResult.INVALID_SEQUENCE and "INVALID_SEQUENCE" in str(upload)


def test_snapshot_and_event_types_load_without_pymavlink() -> None:
    code = (
        "import sys\n"
        "import command.events\n"
        "from command.events import TelemetryUpdated, WorkLeft, ModeChanged\n"
        "from command.link import VehicleSnapshot, LinkState, GpsFix, MissionState, FlightMode\n"
        "from command.link import MavResult, MissionResult, CommandRefused, PayloadSample\n"
        "from command.link.snapshot import TrackPoint, StatusText\n"
        "VehicleSnapshot('d1', gps_fix_type=GpsFix.FIX_3D)\n"
        "assert 'pymavlink' not in sys.modules, sorted(m for m in sys.modules if 'mav' in m)\n"
        "from command.link import Fleet\n"
        "assert 'pymavlink' in sys.modules\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stderr
