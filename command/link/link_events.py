"""One vehicle's telemetry as the fleet's typed events: what the link thread hands to the bus.

Pure: fed the latest snapshot, the items reached and texts received since the last turn, and
the time, `turn()` returns the events to publish. TelemetryUpdated goes out at most every
`telemetry_period_s` per vehicle (the latest snapshot wins; one that changed meanwhile is sent
once the period is over). A mode change is COMMANDED when this link had just asked for that
mode, FAILSAFE when the vehicle announced a failsafe shortly before (or within
`explain_window_s` after: such a change is held back that long), else EXTERNAL (another ground
station, the RC).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from command.events.types import (
    Event,
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
from command.link.snapshot import LinkState, StatusText, VehicleSnapshot, announces_failsafe

TELEMETRY_PERIOD_S = 0.2
"""Shortest time between two TelemetryUpdated of one vehicle (5 Hz)."""
COMMANDED_WINDOW_S = 5.0
"""A mode shown this long after this link asked for it was commanded by us."""
FAILSAFE_BEFORE_S = 10.0
"""A failsafe text this long (link seconds) before a mode change explains it."""
EXPLAIN_WINDOW_S = 1.0
"""How long an unexplained mode change waits for a failsafe text before it is external."""

_KINDS: tuple[tuple[re.Pattern[str], FailsafeKind], ...] = (
    (re.compile(r"\bgcs\b", re.IGNORECASE), FailsafeKind.GCS),
    (re.compile(r"battery", re.IGNORECASE), FailsafeKind.BATTERY),
    (re.compile(r"fence", re.IGNORECASE), FailsafeKind.FENCE),
    (re.compile(r"\bekf", re.IGNORECASE), FailsafeKind.EKF),
    (re.compile(r"radio|\brc\b|throttle", re.IGNORECASE), FailsafeKind.RADIO),
)


def failsafe_kind(text: str) -> FailsafeKind:
    """Which failsafe an announcing STATUSTEXT names ("GCS Failsafe" → GCS, …)."""
    for pattern, kind in _KINDS:
        if pattern.search(text):
            return kind
    return FailsafeKind.OTHER


@dataclass
class _HeldChange:
    previous: str
    mode: str
    at_s: float


class LinkEvents:
    """The events of one vehicle's link, turn after turn of its loop."""

    def __init__(
        self,
        vehicle: str,
        utcnow: Callable[[], datetime],
        telemetry_period_s: float = TELEMETRY_PERIOD_S,
        explain_window_s: float = EXPLAIN_WINDOW_S,
    ) -> None:
        self.vehicle = vehicle
        self.utcnow = utcnow
        self.telemetry_period_s = telemetry_period_s
        self.explain_window_s = explain_window_s
        self.reached = 0
        self._seen: VehicleSnapshot | None = None  # the snapshot of the previous turn
        self._sent: VehicleSnapshot | None = None  # the last one published
        self._sent_at = -1e18
        self._commanded: dict[int, float] = {}  # mode number → asked at (link seconds)
        self._failsafe: StatusText | None = None
        self._held: _HeldChange | None = None

    def commanded(self, mode_number: int, now: float) -> None:
        """This link is asking the vehicle for `mode_number` now."""
        self._commanded[mode_number] = now

    def turn(
        self,
        snap: VehicleSnapshot,
        reached: Iterable[int],
        texts: Iterable[StatusText],
        now: float,
    ) -> list[Event]:
        """The events of one loop turn, in the order they happened."""
        at = self.utcnow()
        out: list[Event] = []
        for text in texts:
            out.append(
                VehicleMessage(
                    time_utc=at, vehicle=self.vehicle, severity=text.severity, text=text.text
                )
            )
            if announces_failsafe(text.text):
                self._failsafe = text
                kind = failsafe_kind(text.text)
                out.append(
                    FailsafeReported(
                        time_utc=at, vehicle=self.vehicle, failsafe=kind, text=text.text
                    )
                )
        out += self._modes(snap, now, at)
        for seq in reached:
            self.reached += 1
            out.append(
                MissionItemReached(time_utc=at, vehicle=self.vehicle, seq=seq, count=self.reached)
            )
        out += self._link(snap, at)
        self._seen = snap
        if snap is not self._sent and now - self._sent_at >= self.telemetry_period_s:
            self._sent, self._sent_at = snap, now
            out.append(TelemetryUpdated(time_utc=at, vehicle=self.vehicle, snapshot=snap))
        return out

    def _modes(self, snap: VehicleSnapshot, now: float, at: datetime) -> list[Event]:
        out: list[Event] = []
        if self._held is not None:
            held = self._held
            if self._explains(held.at_s):
                out.append(self._change(held.previous, held.mode, ModeCause.FAILSAFE, at))
                self._held = None
            elif now - held.at_s >= self.explain_window_s:
                out.append(self._change(held.previous, held.mode, ModeCause.EXTERNAL, at))
                self._held = None
        before = self._seen
        if before is None or before.mode_number is None or snap.mode_number is None:
            return out
        if snap.mode_number == before.mode_number:
            return out
        if self._held is not None:  # a second change before the first was explained
            out.append(self._change(self._held.previous, self._held.mode, ModeCause.EXTERNAL, at))
            self._held = None
        asked = self._commanded.pop(snap.mode_number, None)
        if asked is not None and now - asked <= COMMANDED_WINDOW_S:
            out.append(self._change(before.mode_name, snap.mode_name, ModeCause.COMMANDED, at))
        elif self._explains(now):
            out.append(self._change(before.mode_name, snap.mode_name, ModeCause.FAILSAFE, at))
        else:
            self._held = _HeldChange(before.mode_name, snap.mode_name, now)
        return out

    def _explains(self, changed_at_s: float) -> bool:
        fs = self._failsafe
        return fs is not None and fs.time_s >= changed_at_s - FAILSAFE_BEFORE_S

    def _change(self, previous: str, mode: str, cause: ModeCause, at: datetime) -> ModeChanged:
        reason = self._failsafe.text if cause is ModeCause.FAILSAFE and self._failsafe else ""
        return ModeChanged(
            time_utc=at,
            vehicle=self.vehicle,
            previous=previous,
            mode=mode,
            cause=cause,
            reason=reason,
        )

    def _link(self, snap: VehicleSnapshot, at: datetime) -> list[Event]:
        before = self._seen.link if self._seen is not None else LinkState.CONNECTING
        if before is LinkState.OK and snap.link is LinkState.LOST:
            return [LinkLost(time_utc=at, vehicle=self.vehicle)]
        if before is LinkState.LOST and snap.link is LinkState.OK:
            return [LinkBack(time_utc=at, vehicle=self.vehicle)]
        return []
