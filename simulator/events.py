"""What a vehicle has to tell its ground stations, queued as small records between steps."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StatusText:
    """A STATUSTEXT to send."""

    severity: int
    text: str


@dataclass(frozen=True)
class ItemReached:
    """MISSION_ITEM_REACHED for seq."""

    seq: int


@dataclass(frozen=True)
class CurrentChanged:
    """The mission's current item changed (send MISSION_CURRENT now)."""

    seq: int


@dataclass(frozen=True)
class ImageCaptured:
    """The camera took image number index (0-based) at the vehicle's present position."""

    index: int


@dataclass(frozen=True)
class HomeSet:
    """Home was set or moved (send HOME_POSITION)."""


Event = StatusText | ItemReached | CurrentChanged | ImageCaptured | HomeSet
