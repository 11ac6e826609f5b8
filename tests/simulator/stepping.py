"""A copter stepped in simulated time inside the test: no sockets, no sleeps."""

from __future__ import annotations

from collections.abc import Callable

from simulator import geo
from simulator.events import Event, StatusText
from simulator.fleet import STEP_S
from simulator.mission import MISSION, Item, store_item
from simulator.mission_storage import Wire
from simulator.modes import Mode
from simulator.params import ParamStore
from simulator.vehicle import Copter
from simulator.world import load_world
from tests.helpers.sitl import C

WORLD = load_world()
HOME = (WORLD.origin_lat, WORLD.origin_lon)
REL = C.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT


class Stepper:
    """One copter and its simulated clock; events are collected with their boot times."""

    def __init__(self, **params: float) -> None:
        self.copter = Copter(1, WORLD, *HOME, ParamStore(params), start_unix_s=1.8e9)
        self.t = 0.0
        self.events: list[tuple[float, Event]] = []

    def run(self, seconds: float, until: Callable[[Copter], bool] | None = None) -> bool:
        """Step up to `seconds` of simulated time; True as soon as until(copter) holds."""
        end = self.t + seconds
        while self.t < end:
            self.t += STEP_S
            self.copter.step(self.t, STEP_S)
            self.events.extend((self.t, ev) for ev in self.copter.take_events())
            if until is not None and until(self.copter):
                return True
        return until is None

    def texts(self) -> list[str]:
        """STATUSTEXTs so far."""
        return [ev.text for _, ev in self.events if isinstance(ev, StatusText)]

    def at(self, text: str) -> float:
        """Boot time of the first STATUSTEXT equal to text."""
        return next(t for t, ev in self.events if isinstance(ev, StatusText) and ev.text == text)

    def ready(self) -> Copter:
        """Until the position estimate is there; returns the copter."""
        assert self.run(30, lambda c: c.position_ok and c.home is not None)
        return self.copter

    def airborne(self, alt_m: float = 20.0) -> Copter:
        """GUIDED, armed, taken off to alt_m."""
        c = self.ready()
        assert c.set_mode(Mode.GUIDED)
        assert c.arm() is None
        assert c.takeoff(alt_m) is None
        assert self.run(60, lambda c: c.kin.up >= alt_m - 0.4 and c.takeoff_up is None)
        return c

    def mission(self, *items: tuple[int, int, tuple[float, ...], float, float, float]) -> None:
        """Store (frame, command, params, north_m, east_m, alt) items after home, as uploaded
        (north/east 0, 0 means no position)."""
        stored: list[Item] = []
        for seq, (frame, command, params, north, east, alt) in enumerate(items, start=1):
            lat, lon = geo.destination(*HOME, north, east) if (north, east) != (0, 0) else (0, 0)
            p = (*params, 0.0, 0.0, 0.0, 0.0)[:4]
            wire = Wire(command, frame, p, round(lat * 1e7), round(lon * 1e7), alt)
            result, item = store_item(seq, wire, MISSION)
            assert item is not None, result
            stored.append(item)
        self.copter.store_list(MISSION, stored)
