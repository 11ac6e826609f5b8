"""The dispatcher's steps, each run on its vehicle's worker thread (never on a link thread or a
caller's): upload and read back, launch (arm, take off, AUTO), switch an airborne drone to a
new mission, and bring a drone home. Every command goes through the audited fleet; a failure
closes the sortie with the reason and leaves the aircraft safe.
"""

from __future__ import annotations

import logging

from command.dispatch.ledger import Ledger
from command.dispatch.sortie import Sortie, Stage, takeoff_altitude_m
from command.events import SortiePrepared, SortieStarted
from command.link import CommandError, LinkError
from command.storage import (
    SortieOutcome,
    StorageError,
    TrackWriter,
    advance_sortie,
    get_sortie,
    renew_owner,
)
from missions.items import Cmd

log = logging.getLogger("command.dispatch")
FAILURES = (CommandError, LinkError, StorageError)
"""What a step expects to go wrong (a refusal, a lost link, the database)."""


def upload(ledger: Ledger, sortie: Sortie) -> None:
    """Upload the mission and read it back; then launch at once if that was asked meanwhile."""
    try:
        advance_sortie(ledger.db, sortie.sortie_id, SortieOutcome.UPLOADING)
        ledger.commands(sortie.actor).upload_mission(
            sortie.vehicle, sortie.mission, sortie.stored_name
        )
    except FAILURES as exc:
        ledger.end(sortie, SortieOutcome.FAILED, f"upload failed, nothing flew: {exc}")
        return
    launch_now = False
    with ledger.lock:
        stopped = sortie.abort_reason or (
            "the command centre shut down" if ledger.closing else None
        )
        if stopped is None:
            sortie.stage = Stage.PREPARED
            launch_now = sortie.launch_by is not None
    if stopped is not None:
        ledger.end(
            sortie,
            SortieOutcome.ABORTED,
            f"{stopped}: the mission is uploaded, the motors stay off",
        )
        return
    ledger.publish(
        SortiePrepared(
            time_utc=ledger.utcnow(),
            sortie_id=sortie.sortie_id,
            vehicle=sortie.vehicle,
            mission_name=sortie.name,
            items=len(sortie.mission.items),
            task_id=sortie.work.task_id,
        )
    )
    if launch_now:
        launch(ledger, sortie)


def launch(ledger: Ledger, sortie: Sortie) -> None:
    """GUIDED, arm, take off (unless the mission does), MISSION_START; then follow it."""
    v, actor = sortie.vehicle, sortie.launch_by or sortie.actor
    with ledger.lock:
        stopped = sortie.abort_reason or (
            "the command centre shut down" if ledger.closing else None
        )
        if sortie.stage is not Stage.PREPARED:
            return  # closed meanwhile
        sortie.stage = Stage.LAUNCHING
    if stopped is not None:
        ledger.end(sortie, SortieOutcome.ABORTED, f"{stopped}: the motors stay off")
        return
    cmds, armed = ledger.commands(actor), False
    try:
        if not get_sortie(ledger.db, sortie.sortie_id).is_open:
            ledger.end(sortie, SortieOutcome.ABORTED, "closed elsewhere: the motors stay off")
            return
        renew_owner(ledger.db, sortie.sortie_id, ledger.owner, ledger.utcnow())
        sortie.renewed_s = ledger.clock()
        cmds.set_mode(v, "GUIDED")
        armed = True  # from here on a failure must bring the aircraft down safely
        cmds.arm(v)
        items = sortie.mission.items
        if not items or items[0].command != Cmd.NAV_TAKEOFF:
            cmds.takeoff(v, takeoff_altitude_m(sortie.mission))
        cmds.start_mission(v)
        advance_sortie(ledger.db, sortie.sortie_id, SortieOutcome.FLYING)
    except FAILURES as exc:
        if armed:
            safe_out(ledger, sortie, actor)
        ledger.end(sortie, SortieOutcome.FAILED, str(exc))
        return
    ledger.note(sortie, "info", f"sortie {sortie.sortie_id} flying '{sortie.name}'")
    start_following(ledger, sortie)
    with ledger.lock:
        late_abort = sortie.abort_reason
    if late_abort is not None:
        abort_flying(ledger, sortie, late_abort, actor)


def start_following(ledger: Ledger, sortie: Sortie) -> None:
    """SortieStarted; from now on the bus's telemetry drives the sortie (items reached counted
    from here), so its progress events all come after that one."""
    ledger.publish(
        SortieStarted(time_utc=ledger.utcnow(), sortie_id=sortie.sortie_id, vehicle=sortie.vehicle)
    )
    snap = ledger.fleet.snapshot(sortie.vehicle)
    t = sortie.tracker
    t.started_s = ledger.clock()
    t.reached_before = snap.items_reached
    sortie.start_mah = snap.battery_consumed_mah
    if sortie.track_path is not None and sortie.writer is None:
        sortie.writer = TrackWriter(sortie.track_path)
    with ledger.lock:
        sortie.flew = True
        sortie.stage = Stage.FLYING
        ledger.by_vehicle[sortie.vehicle] = sortie


def switch(ledger: Ledger, old: Sortie, new: Sortie, seq: int, actor: str) -> None:
    """Re-task in the air: hold, upload and read back the new mission, fly on from item `seq`;
    the old sortie ends (its rest goes to the queue). A failure brings the drone home."""
    v, cmds = old.vehicle, ledger.commands(actor)
    try:
        advance_sortie(ledger.db, new.sortie_id, SortieOutcome.UPLOADING)
        cmds.pause(v)
        cmds.upload_mission(v, new.mission, new.stored_name)
        cmds.set_current_item(v, seq)
        cmds.resume(v)
        advance_sortie(ledger.db, new.sortie_id, SortieOutcome.FLYING)
        renew_owner(ledger.db, new.sortie_id, ledger.owner, ledger.utcnow())
    except FAILURES as exc:
        ledger.end(new, SortieOutcome.FAILED, f"re-task failed: {exc}")
        with ledger.lock:
            old.stage = Stage.FLYING
        abort_flying(ledger, old, f"re-task to sortie {new.sortie_id} failed ({exc}): RTL", actor)
        return
    new.renewed_s = ledger.clock()
    ledger.publish(
        SortiePrepared(
            time_utc=ledger.utcnow(),
            sortie_id=new.sortie_id,
            vehicle=v,
            mission_name=new.name,
            items=len(new.mission.items),
            task_id=new.work.task_id,
        )
    )
    start_following(ledger, new)  # the vehicle is the new sortie's before the old one ends
    ledger.end(old, SortieOutcome.ABORTED, f"re-tasked to sortie {new.sortie_id} ('{new.name}')")
    ledger.note(new, "info", f"sortie {new.sortie_id} flying '{new.name}' from item {seq}")


def abort_flying(ledger: Ledger, sortie: Sortie, reason: str, actor: str) -> bool:
    """Bring a flying sortie's drone home now; it ends as aborted once landed."""
    with ledger.lock:  # the progress thread reads the tracker under the same lock
        sortie.tracker.aborted(reason)
    ledger.hand_over(sortie, SortieOutcome.ABORTED, reason)
    return return_home(ledger, sortie, actor, "abort", reason)


def return_home(ledger: Ledger, sortie: Sortie, actor: str, command: str, why: str) -> bool:
    """RTL, audited as `command` with the reason; False (and a note) when it was not taken."""
    v = sortie.vehicle
    try:
        ledger.commands(actor).run(
            v, command, {"reason": why}, lambda: ledger.fleet.return_to_launch(v)
        )
    except (CommandError, LinkError) as exc:
        ledger.note(sortie, "error", f"RTL not taken: {exc}")
        return False
    return True


def safe_out(ledger: Ledger, sortie: Sortie, actor: str) -> None:
    """After a failed start with the motors armed: disarm if on the ground, else come home."""
    v = sortie.vehicle
    snap = ledger.fleet.snapshot(v)
    if not snap.armed:
        return
    cmds = ledger.commands(actor)
    try:
        if (snap.altitude_relative_m or 0.0) < 1.0:
            cmds.run(v, "disarm", {}, lambda: ledger.fleet.disarm(v))
        else:
            cmds.return_to_launch(v)
    except (CommandError, LinkError):
        log.exception("%s: could not make the vehicle safe after a failed start", v)
