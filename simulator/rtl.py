"""ArduCopter's return to launch: climb to the return altitude, fly to the nearest rally point
or home, loiter RTL_LOIT_TIME, then land (or descend to RTL_ALT_FINAL and stay there).

Used by RTL mode and by a mission's NAV_RETURN_TO_LAUNCH. The controller owns its stage and is
stepped with the vehicle's position and time; it returns guidance and changes nothing else.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum

from simulator.guidance import Guidance, hold, landing

CLIMB_DONE_M = 0.5
"""The climb ends this close below the return altitude."""
NEAR_DESTINATION_M = 2.0
"""No climb is needed this close to the destination."""
ARRIVED_M, ARRIVED_MPS = 1.0, 0.5
"""At the destination: within this distance and slower than this."""


class RtlStage(Enum):
    """The stages of ArduCopter's RTL."""

    CLIMB = "climb"
    RETURN = "return"
    LOITER = "loiter"
    FINAL_DESCENT = "final descent"
    LAND = "land"


@dataclass(frozen=True)
class RtlStart:
    """Where an RTL begins: destination (north, east m), height now (m), whether an altitude
    fence is enabled (FENCE_ENABLE and FENCE_TYPE bit 0)."""

    destination: tuple[float, float]
    here: tuple[float, float]
    up_m: float
    altitude_fence: bool


class ReturnToLaunch:
    """One return to launch, from the moment it starts to touchdown."""

    def __init__(self, start: RtlStart, params: Mapping[str, float]) -> None:
        self.destination = start.destination
        self.stage = RtlStage.CLIMB
        alt = max(params["RTL_ALT"] / 100.0, start.up_m)
        if params["RTL_CLIMB_MIN"]:
            alt = max(alt, start.up_m + params["RTL_CLIMB_MIN"] / 100.0)
        if start.altitude_fence:
            alt = min(alt, params["FENCE_ALT_MAX"] - params["FENCE_MARGIN"])
        self.return_alt_m = alt
        self.loiter_until_s = 0.0
        if math.dist(start.here, start.destination) < NEAR_DESTINATION_M:
            self.stage = RtlStage.RETURN

    @property
    def landing(self) -> bool:
        """Whether it is in its final landing descent."""
        return self.stage is RtlStage.LAND

    def step(
        self,
        params: Mapping[str, float],
        here: tuple[float, float, float],
        groundspeed_mps: float,
        t_s: float,
    ) -> Guidance:
        """Guidance for this step at position here (north, east, up) and boot time t_s."""
        north, east, up = here
        dest = self.destination
        if self.stage is RtlStage.CLIMB:
            if up >= self.return_alt_m - CLIMB_DONE_M:
                self.stage = RtlStage.RETURN
            return hold(north, east, self.return_alt_m)
        if self.stage is RtlStage.RETURN:
            if math.dist(dest, (north, east)) < ARRIVED_M and groundspeed_mps < ARRIVED_MPS:
                self.stage = RtlStage.LOITER
                self.loiter_until_s = t_s + params["RTL_LOIT_TIME"] / 1000.0
            speed = params["RTL_SPEED"] / 100.0
            return Guidance(dest, self.return_alt_m, speed_mps=speed or None)
        if self.stage is RtlStage.LOITER:
            if t_s >= self.loiter_until_s:
                final = params["RTL_ALT_FINAL"] / 100.0
                self.stage = RtlStage.FINAL_DESCENT if final > 0 else RtlStage.LAND
            return Guidance(dest, self.return_alt_m)
        if self.stage is RtlStage.FINAL_DESCENT:
            return Guidance(dest, params["RTL_ALT_FINAL"] / 100.0)
        return landing(params, up, dest)
