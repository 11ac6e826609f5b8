"""Following the flying sorties from the bus: each TelemetryUpdated advances its vehicle's
tracker (on the dispatcher's own subscriber thread, never the link's), writes the track, keeps
the lease, hands over the work a failsafe, a lost link or an abort leaves undone, and closes the
sortie when it has landed; each MissionItemReached becomes the sortie's ItemReached.
"""

from __future__ import annotations

import logging

from command.dispatch.ledger import Ledger
from command.dispatch.owner import LEASE_RENEW_S
from command.dispatch.sortie import Sortie, Stage
from command.dispatch.steps import return_home
from command.events import (
    Event,
    ItemReached,
    MissionItemReached,
    SortieAirborne,
    Subscription,
    TelemetryUpdated,
)
from command.link import VehicleSnapshot
from command.storage import SortieOutcome, StorageError, TrackPoint, renew_owner

log = logging.getLogger("command.dispatch")
QUEUE_EVENTS = 100_000
"""Events the dispatcher may have waiting (it drops its oldest beyond that; it keeps up)."""


class Progress:
    """The dispatcher's subscriber: sorties advanced by their vehicles' events."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.subscription: Subscription = ledger.bus.subscribe(
            "dispatcher",
            self.on_event,
            kinds=(TelemetryUpdated, MissionItemReached),
            maxsize=QUEUE_EVENTS,
        )

    def close(self) -> None:
        """Stop following (what is queued is handled first)."""
        self.subscription.close()

    def on_event(self, event: Event) -> None:
        """One event from the bus (on the subscriber's thread)."""
        vehicle = getattr(event, "vehicle", None)
        if self.ledger.fenced is not None:
            return  # this process no longer follows anything
        with self.ledger.lock:
            sortie = self.ledger.by_vehicle.get(vehicle) if vehicle else None
            if sortie is None or sortie.stage is not Stage.FLYING:
                return
        if isinstance(event, TelemetryUpdated):
            try:
                self.observe(sortie, event.snapshot)
            except Exception as exc:  # the sortie must end recorded, whatever broke
                log.exception("sortie %s", sortie.sortie_id)
                self.ledger.end(sortie, SortieOutcome.FAILED, f"monitor failed: {exc}")
        elif isinstance(event, MissionItemReached):
            before = sortie.tracker.reached_before
            if before is None or event.count > before:
                self.ledger.publish(
                    ItemReached(
                        time_utc=self.ledger.utcnow(),
                        sortie_id=sortie.sortie_id,
                        vehicle=sortie.vehicle,
                        seq=event.seq,
                        total=len(sortie.mission.items),
                    )
                )

    def observe(self, sortie: Sortie, snap: VehicleSnapshot) -> None:
        """Advance one flying sortie with its vehicle's latest snapshot."""
        ledger = self.ledger
        sortie.last_mah = snap.battery_consumed_mah
        if ledger.clock() - sortie.renewed_s >= LEASE_RENEW_S:
            sortie.renewed_s = ledger.clock()
            try:
                renew_owner(ledger.db, sortie.sortie_id, ledger.owner, ledger.utcnow())
            except StorageError:
                log.exception("sortie %s: lease not renewed", sortie.sortie_id)
        tracker = sortie.tracker
        with ledger.lock:
            decision = tracker.observe(snap, snap.time_s)
            unfinished = tracker.unfinished and tracker.pending is not None
        self._track(sortie, snap)
        if tracker.airborne and not sortie.airborne_sent:
            sortie.airborne_sent = True
            ledger.publish(
                SortieAirborne(
                    time_utc=ledger.utcnow(), sortie_id=sortie.sortie_id, vehicle=sortie.vehicle
                )
            )
        if decision.event:
            ledger.note(sortie, "warning", decision.event)
        if unfinished and tracker.pending is not None:
            ledger.hand_over(sortie, *tracker.pending)
        if decision.command_return:
            why = decision.event or "return"
            ledger.submit(sortie.vehicle, return_home, ledger, sortie, ledger.actor, "rtl", why)
        if decision.outcome is not None:
            ledger.end(sortie, decision.outcome, decision.reason)

    def _track(self, sortie: Sortie, snap: VehicleSnapshot) -> None:
        if sortie.writer is None or snap.latitude_deg is None:
            return
        when = snap.time_utc or self.ledger.utcnow()
        sortie.writer.append(
            TrackPoint(
                time_utc_s=when.timestamp(),
                latitude_deg=snap.latitude_deg,
                longitude_deg=snap.longitude_deg or 0.0,
                altitude_m=snap.altitude_relative_m or 0.0,
                groundspeed_mps=snap.groundspeed_mps or 0.0,
                battery_pct=float(snap.battery_remaining_pct or 0),
                mode=snap.mode_name,
            )
        )
