"""The one abort path of the CLI, the console and the scheduler: a sortie not flown yet stays
on the ground (an upload under way finishes, then the sortie closes), one in the air is brought
home (RTL audited as `abort` with the reason) and ends as aborted once landed; a vehicle the
dispatcher does not follow — a sortie of a stopped ground station — is sent home if armed and
its open sorties are closed. Returns at once; `AbortOrder.sent` says what was sent.
"""

from __future__ import annotations

import contextlib
from concurrent.futures import Future

from command.dispatch import steps
from command.dispatch.ledger import Ledger
from command.dispatch.sortie import AbortOrder, DispatchError, Sortie, Stage
from command.storage import SortieOutcome, SortieStateError, close_sortie, list_open_sorties


def abort(ledger: Ledger, target: str | int, reason: str, actor: str) -> AbortOrder:
    """End a sortie early (by vehicle name or sortie id): one that has not flown stays on
    the ground; one in the air is brought home and ends as aborted once landed. A vehicle
    this dispatcher does not follow is sent home if armed, and its open sorties closed."""
    vehicle, sortie = _target(ledger, target)
    done: Future[bool] = Future()
    if sortie is None:
        ids = tuple(s.id for s in list_open_sorties(ledger.db, vehicle))
        _chain(done, ledger.submit(vehicle, _abort_unfollowed, ledger, vehicle, reason, actor))
        return AbortOrder(vehicle, ids, done)
    with ledger.lock:
        stage = sortie.stage
        if stage in (Stage.PREPARING, Stage.PREPARED, Stage.LAUNCHING):
            sortie.abort_reason = f"aborted by {actor}: {reason}"
        if stage is Stage.RETASKING:
            stage = Stage.FLYING  # the abort runs after the switch, on the new mission
    if stage is Stage.PREPARED:
        why = f"{sortie.abort_reason}: the mission is uploaded, the motors stay off"
        ledger.submit(vehicle, ledger.end, sortie, SortieOutcome.ABORTED, why)
    if stage is Stage.FLYING:
        _chain(done, ledger.submit(vehicle, _abort_in_air, ledger, vehicle, reason, actor))
    else:
        done.set_result(False)  # not flown, or its launch step sees the abort
    return AbortOrder(vehicle, (sortie.sortie_id,), done)


def _target(ledger: Ledger, target: str | int) -> tuple[str, Sortie | None]:
    with ledger.lock:
        if isinstance(target, int):
            sortie = ledger.by_id.get(target)
            if sortie is None:
                raise DispatchError(f"sortie {target} is not followed by this dispatcher")
            return sortie.vehicle, sortie
        ledger.fleet.link(target)  # UnknownVehicle when it is not in the fleet
        return target, ledger.by_vehicle.get(target)


def _abort_in_air(ledger: Ledger, vehicle: str, reason: str, actor: str) -> bool:
    with ledger.lock:
        sortie = ledger.by_vehicle.get(vehicle)
    if sortie is None or sortie.stage is not Stage.FLYING:
        return False
    return steps.abort_flying(ledger, sortie, reason, actor)


def _abort_unfollowed(ledger: Ledger, vehicle: str, reason: str, actor: str) -> bool:
    sent = False
    if ledger.fleet.snapshot(vehicle).armed:
        ledger.commands(actor).run(
            vehicle, "abort", {"reason": reason}, lambda: ledger.fleet.return_to_launch(vehicle)
        )
        sent = True
    for record in list_open_sorties(ledger.db, vehicle):
        with contextlib.suppress(SortieStateError):  # closed meanwhile
            close_sortie(ledger.db, record.id, SortieOutcome.ABORTED, reason, ledger.utcnow())
    return sent


def _chain(done: Future[bool], step: Future[bool]) -> None:
    def copy(f: Future[bool]) -> None:
        error = f.exception()
        if error is not None:
            done.set_exception(error)
        else:
            done.set_result(bool(f.result()))

    step.add_done_callback(copy)
