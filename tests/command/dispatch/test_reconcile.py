"""Reconciling the sorties a stopped ground station left open, from the vehicle's own state; and
telling whether the process that owns a sortie still runs. No simulator: snapshots are values."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from command.dispatch import judge, owner_alive, reconcile, this_process
from command.link import LinkState, VehicleSnapshot
from command.storage import (
    Database,
    SortieOutcome,
    SortieRecord,
    advance_sortie,
    get_sortie,
    list_events,
    open_sortie,
    save_mission,
)

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
LANDED = VehicleSnapshot(
    "d1",
    link=LinkState.OK,
    armed=False,
    altitude_relative_m=0.1,
    battery_remaining_pct=31,
    battery_voltage_v=15.1,
    mode_name="LAND",
    mission_state=5,
)


def sortie(outcome: SortieOutcome, owner: str | None = "gcs pid 1 start 1") -> SortieRecord:
    return SortieRecord(
        1, 1, "yard", "d1", NOW, None, outcome, "", None, None, None, owner=owner
    )  # fmt: skip


@pytest.mark.parametrize(
    ("state", "changes", "outcome", "says"),
    [
        (SortieOutcome.FLYING, {}, SortieOutcome.COMPLETED, "mission complete, landed"),
        (SortieOutcome.FLYING, {"mission_state": 3, "mode_name": "RTL"}, SortieOutcome.FAILSAFE,
         "came back on its own"),
        (SortieOutcome.FLYING, {"mission_state": 3, "mode_name": "AUTO"}, SortieOutcome.FAILED,
         "landed before the mission completed"),
        (SortieOutcome.UPLOADING, {"mission_state": 2}, SortieOutcome.FAILED,
         "while the sortie was uploading"),
        (SortieOutcome.PLANNED, {}, SortieOutcome.FAILED, "found landed and disarmed"),
        (SortieOutcome.FLYING, {"armed": True, "altitude_relative_m": 30.0, "mode_name": "AUTO"},
         None, "still flying"),
        (SortieOutcome.UPLOADING, {"armed": True, "altitude_relative_m": 0.0}, None,
         "still flying"),
        (SortieOutcome.FLYING, {"altitude_relative_m": 12.0}, None, "still flying"),
        (SortieOutcome.FLYING, {"link": LinkState.LOST}, None, "cannot judge: the link is LOST"),
        (SortieOutcome.FLYING, {"altitude_relative_m": None}, None, "no telemetry"),
    ],
)  # fmt: skip
def test_an_open_sortie_is_judged_from_what_the_vehicle_reports(
    state: SortieOutcome, changes: dict, outcome: SortieOutcome | None, says: str
) -> None:
    verdict = judge(sortie(state), dataclasses.replace(LANDED, **changes), owner_running=False)
    assert verdict.outcome == outcome
    assert says in verdict.reason


def test_a_sortie_whose_owner_still_runs_is_left_to_it() -> None:
    verdict = judge(sortie(SortieOutcome.UPLOADING), LANDED, owner_running=True)
    assert verdict.outcome is None and "followed by gcs pid 1" in verdict.reason


def test_this_process_is_alive_and_a_finished_one_is_not() -> None:
    assert owner_alive(this_process(), None, NOW)
    child = subprocess.Popen([sys.executable, "-c", "import os; print(os.getpid())"], text=True,
                             stdout=subprocess.PIPE)  # fmt: skip
    out, _ = child.communicate(timeout=30)
    host = this_process().split()[0]
    gone = f"{host} pid {int(out)} start 12345"
    assert not owner_alive(gone, NOW, NOW)  # a fresh lease does not revive a dead process here
    mine = this_process().split()
    reused = f"{host} pid {mine[2]} start {int(mine[4]) + 1}"  # same pid, another start time
    assert not owner_alive(reused, NOW, NOW)


def test_an_owner_on_another_host_counts_as_alive_while_its_lease_is_fresh() -> None:
    remote = "command-centre-2 pid 77 start 5"
    assert owner_alive(remote, NOW - timedelta(seconds=5), NOW)
    assert not owner_alive(remote, NOW - timedelta(minutes=2), NOW)
    assert not owner_alive(remote, None, NOW)


def _open(db: Database, owner: str, state: SortieOutcome) -> int:
    mission = save_mission(
        db, name=f"m {owner} {state}", home_latitude_deg=36.6, home_longitude_deg=116.9,
        home_altitude_m=30, cruise_speed_mps=8, items=[], now=NOW,
    )  # fmt: skip
    record = open_sortie(
        db, mission_id=mission.id, vehicle_name="d1", now=NOW, owner=owner, battery_start_pct=98
    )
    if state is not SortieOutcome.PLANNED:
        advance_sortie(db, record.id, SortieOutcome.UPLOADING)
    if state is SortieOutcome.FLYING:
        advance_sortie(db, record.id, SortieOutcome.FLYING)
    return record.id


def test_reconcile_closes_only_what_no_one_follows_and_records_it(db: Database, d1: str) -> None:
    host = this_process().split()[0]
    dead = _open(db, f"{host} pid 999999 start 1", SortieOutcome.FLYING)
    alive = _open(db, this_process(), SortieOutcome.UPLOADING)
    later = NOW + timedelta(minutes=8)
    results = reconcile(db, "d1", LANDED, later)
    assert [(r.sortie_id, r.outcome) for r in results] == [
        (dead, SortieOutcome.COMPLETED),
        (alive, None),
    ]
    closed = get_sortie(db, dead)
    assert closed.outcome is SortieOutcome.COMPLETED and closed.ended_at == later
    assert (closed.battery_start_pct, closed.battery_end_pct, closed.battery_used_pct) == (
        98.0,
        31.0,
        67.0,
    )
    assert get_sortie(db, alive).is_open
    (event,) = list_events(db, sortie_id=dead)
    assert "reconciled as completed" in event.message
    assert reconcile(db, "d1", LANDED, later)[0].sortie_id == alive  # the closed one is done
    assert reconcile(db, "ghost", LANDED, later) == []
