"""A vehicle's MAVLink endpoint: parses what its ground stations send (bad frames are skipped and
counted), answers the parameter and command protocols, and produces its telemetry.

Transport-free: ``receive(client, data)`` takes bytes from one client; ``tick(t)`` produces the
periodic traffic; ``drain()`` hands over (client-or-None, bytes) pairs, None meaning everyone.
"""

from __future__ import annotations

import math
import random
import time
from collections import deque
from typing import Any

from pymavlink.dialects.v20 import ardupilotmega as mavlink

from simulator.commands import carry_out
from simulator.events import CurrentChanged, HomeSet, ImageCaptured, ItemReached, StatusText
from simulator.mission_protocol import MissionProtocol
from simulator.modes import Mode
from simulator.params import ParamError
from simulator.payload import PAYLOAD_NAMES, Payload
from simulator.telemetry import BUILDERS, STREAM_GROUPS, StreamSchedule
from simulator.vehicle import Copter

C = mavlink
COMPONENT_ID = C.MAV_COMP_ID_AUTOPILOT1
PARAMS_PER_TICK = 40
"""PARAM_VALUEs sent per tick while answering PARAM_REQUEST_LIST (paced, as ArduPilot does)."""
SIGNING_EPOCH = 1420070400
"""MAVLink 2 signing timestamps count 10 µs units from 2015-01-01 UTC."""


class _Sink:
    """File-like target for pymavlink's encoder: collects packed bytes."""

    def __init__(self) -> None:
        self.buf = bytearray()

    def write(self, data: bytes) -> None:
        self.buf += data


class VehicleLink:
    """MAVLink 2 endpoint of one copter, shared by all its connected ground stations."""

    def __init__(
        self,
        copter: Copter,
        payload: Payload,
        loss: float = 0.0,
        seed: int = 0,
        signing_key: bytes | None = None,
    ) -> None:
        self.copter = copter
        self.payload = payload
        self._sink = _Sink()
        self.mav = C.MAVLink(self._sink, srcSystem=copter.sysid, srcComponent=COMPONENT_ID)
        self.loss = loss
        self._loss_rng = random.Random(seed)
        self.lost_frames = 0
        self._signing_key = signing_key
        if signing_key is not None:
            self.mav.signing.secret_key = signing_key
            self.mav.signing.sign_outgoing = True
            self.mav.signing.link_id = 0
            self.mav.signing.timestamp = int((time.time() - SIGNING_EPOCH) * 1e5)
        self.schedule = StreamSchedule()
        self.missions = MissionProtocol(copter, self.mav, self.send)
        self._parsers: dict[Any, C.MAVLink] = {}
        self._out: list[tuple[Any, bytes]] = []
        self._param_queue: deque[tuple[Any, int]] = deque()
        self._next_heartbeat = 0.0
        self._next_payload = 0.0
        self.messages_received = 0
        for gid, (suffix, _) in STREAM_GROUPS.items():
            self.schedule.set_group_rate(gid, copter.params[f"SR0_{suffix}"])

    # --- output ------------------------------------------------------------------------------
    def _lost(self) -> bool:
        if self.loss > 0.0 and self._loss_rng.random() < self.loss:
            self.lost_frames += 1
            return True
        return False

    def send(self, msg: C.MAVLink_message, to: Any = None) -> None:
        self.mav.send(msg)  # encoded (sequence number used) even when the link then loses it
        if not self._lost():
            self._out.append((to, bytes(self._sink.buf)))
        self._sink.buf.clear()

    def drain(self) -> list[tuple[Any, bytes]]:
        """Take the bytes produced since the last drain: (client or None for all, bytes)."""
        out, self._out = self._out, []
        return out

    # --- input -------------------------------------------------------------------------------
    def receive(self, client: Any, data: bytes) -> None:
        """Bytes from one client: parse, skip and count bad frames, handle the messages."""
        parser = self._parsers.get(client)
        if parser is None:
            parser = C.MAVLink(None)
            parser.robust_parsing = True
            if self._signing_key is not None:
                parser.signing.secret_key = self._signing_key  # unsigned frames are rejected
            self._parsers[client] = parser
        before = parser.total_receive_errors
        msgs = parser.parse_buffer(data) or []
        self.copter.link_errors += parser.total_receive_errors - before
        for msg in msgs:
            if msg.get_type() == "BAD_DATA" or self._lost():
                continue
            self.messages_received += 1
            self.handle(client, msg)

    def drop_client(self, client: Any) -> None:
        """Forget a disconnected client's parser state."""
        self._parsers.pop(client, None)

    def handle(self, client: Any, msg: Any) -> None:
        """Dispatch one decoded message."""
        kind = msg.get_type()
        target = getattr(msg, "target_system", None)
        if target not in (None, 0, self.copter.sysid):
            return
        sender = (client, msg.get_srcSystem(), msg.get_srcComponent())
        t = self.copter.t
        if kind == "HEARTBEAT":
            if msg.type == C.MAV_TYPE_GCS and sender[1] == int(self.copter.params["SYSID_MYGCS"]):
                self.copter.heartbeat_from_gcs()
        elif kind in ("COMMAND_LONG", "COMMAND_INT"):
            self._on_command(sender, msg)
        elif kind == "SET_MODE":
            ok = bool(msg.base_mode & C.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED) and self.copter.set_mode(
                msg.custom_mode
            )
            self.send(
                self.mav.command_ack_encode(
                    C.MAVLINK_MSG_ID_SET_MODE,
                    C.MAV_RESULT_ACCEPTED if ok else C.MAV_RESULT_FAILED,
                    0,
                    0,
                    sender[1],
                    sender[2],
                ),
                client,
            )
        elif kind in ("MISSION_ITEM_INT", "MISSION_ITEM") and msg.current in (2, 3):
            self._guided_item(sender, msg)
        elif kind == "MISSION_COUNT":
            self.missions.on_count(sender, msg, t)
        elif kind in ("MISSION_ITEM_INT", "MISSION_ITEM"):
            self.missions.on_item(sender, msg, t)
        elif kind == "MISSION_REQUEST_LIST":
            self.missions.on_request_list(sender, msg)
        elif kind in ("MISSION_REQUEST_INT", "MISSION_REQUEST"):
            self.missions.on_request(sender, msg)
        elif kind == "MISSION_CLEAR_ALL":
            self.missions.on_clear_all(sender, msg)
        elif kind == "MISSION_SET_CURRENT":
            self.copter.auto.set_current(msg.seq)
            self.send(BUILDERS["MISSION_CURRENT"](self.copter, self.mav, t))
        elif kind == "PARAM_REQUEST_LIST":
            self._param_queue.extend((client, i) for i in range(len(self.copter.params)))
        elif kind == "PARAM_REQUEST_READ":
            self._param_read(client, msg)
        elif kind == "PARAM_SET":
            self._param_set(msg)
        elif kind == "REQUEST_DATA_STREAM":
            self._request_stream(msg)
        elif kind == "SET_POSITION_TARGET_GLOBAL_INT":
            self._position_target(msg)

    # --- parameters --------------------------------------------------------------------------
    def _param_value(self, name: str) -> C.MAVLink_message:
        p = self.copter.params
        return self.mav.param_value_encode(
            name.encode(), p[name], p.type_of(name), len(p), p.index(name)
        )

    def _param_read(self, client: Any, msg: Any) -> None:
        p = self.copter.params
        name = p.name_at(msg.param_index) if msg.param_index >= 0 else _text(msg.param_id)
        if name is None or name not in p:
            return  # ArduPilot ignores unknown parameters
        self.send(self._param_value(name), client)

    def _param_set(self, msg: Any) -> None:
        name = _text(msg.param_id)
        p = self.copter.params
        if name not in p:
            self.copter.say(C.MAV_SEVERITY_WARNING, f"Param set failed: unknown {name}"[:50])
            return
        try:
            p.set(name, msg.param_value)
        except ParamError as exc:
            self.copter.say(C.MAV_SEVERITY_WARNING, str(exc)[:50])
        if name.startswith("SR0_"):
            for gid, (suffix, _) in STREAM_GROUPS.items():
                if name == f"SR0_{suffix}":
                    self.schedule.set_group_rate(gid, p[name])
        self.send(self._param_value(name))

    def _request_stream(self, msg: Any) -> None:
        hz = float(msg.req_message_rate) if msg.start_stop else 0.0
        for gid in self.schedule.set_group_rate(msg.req_stream_id, hz):
            self.copter.params.set(f"SR0_{STREAM_GROUPS[gid][0]}", min(hz, 50.0), persist=False)

    # --- guided ------------------------------------------------------------------------------
    def _position_target(self, msg: Any) -> None:
        if msg.type_mask & 0b111:  # position ignored: velocity/acceleration control not simulated
            return
        c = self.copter
        lat, lon = msg.lat_int / 1e7, msg.lon_int / 1e7
        c.goto(lat, lon, c.height_from_frame(msg.coordinate_frame, msg.alt))

    def _guided_item(self, sender: tuple[Any, int, int], msg: Any) -> None:
        c = self.copter
        scale = 1e-7 if msg.get_type() == "MISSION_ITEM_INT" else 1.0
        if msg.current == 3:
            k = c.kin
            target = c.guided_target or (k.north, k.east, k.up)
            ok = c.mode == Mode.GUIDED and c.armed and not c.landed
            if ok:
                c.guided_target = (target[0], target[1], c.height_from_frame(msg.frame, msg.z))
        else:
            ok = c.goto(msg.x * scale, msg.y * scale, c.height_from_frame(msg.frame, msg.z))
        result = C.MAV_MISSION_ACCEPTED if ok else C.MAV_MISSION_ERROR
        self.send(self.mav.mission_ack_encode(sender[1], sender[2], result, 0), sender[0])

    # --- commands ----------------------------------------------------------------------------
    def _on_command(self, sender: tuple[Any, int, int], msg: Any) -> None:
        if msg.get_type() == "COMMAND_LONG":
            p = [msg.param1, msg.param2, msg.param3, msg.param4, msg.param5, msg.param6, msg.param7]
            frame = C.MAV_FRAME_GLOBAL_RELATIVE_ALT
        else:
            p = [msg.param1, msg.param2, msg.param3, msg.param4, msg.x / 1e7, msg.y / 1e7, msg.z]
            frame = msg.frame
        result = self.command(sender[0], msg.command, p, frame)
        self.send(
            self.mav.command_ack_encode(msg.command, result, 0, 0, sender[1], sender[2]), sender[0]
        )

    def command(self, client: Any, cmd: int, p: list[float], frame: int) -> int:
        """Carry out one MAV_CMD; returns the MAV_RESULT for COMMAND_ACK."""
        return carry_out(self, client, cmd, p, frame)

    # --- periodic ----------------------------------------------------------------------------
    def tick(self, t: float) -> None:
        """Send what is due at boot time t: heartbeat, streams, payload, events, parameters."""
        c = self.copter
        self._events()
        if t >= self._next_heartbeat:
            self.send(BUILDERS["HEARTBEAT"](c, self.mav, t))
            self._next_heartbeat = max(self._next_heartbeat + 1.0, t - 1.0)
        for name in self.schedule.due(t):
            self.send(BUILDERS[name](c, self.mav, t))
        if t >= self._next_payload:
            self._next_payload = max(self._next_payload + 1.0, t - 1.0)
            lat, lon = c.lat_lon
            sample = self.payload.sample(lat, lon, c.kin.up, t)
            ms = int(t * 1000) & 0xFFFFFFFF
            for key, value in sample.items():
                self.send(self.mav.named_value_float_encode(ms, PAYLOAD_NAMES[key].encode(), value))
        for _ in range(min(PARAMS_PER_TICK, len(self._param_queue))):
            client, index = self._param_queue.popleft()
            name = c.params.name_at(index)
            if name is not None:
                self.send(self._param_value(name), client)
        self.missions.tick(t)

    def _events(self) -> None:
        c = self.copter
        for ev in c.outbox:
            if isinstance(ev, StatusText):
                self.send(self.mav.statustext_encode(ev.severity, ev.text.encode()[:50]))
            elif isinstance(ev, ItemReached):
                self.send(self.mav.mission_item_reached_encode(ev.seq))
            elif isinstance(ev, CurrentChanged):
                self.send(BUILDERS["MISSION_CURRENT"](c, self.mav, c.t))
            elif isinstance(ev, HomeSet):
                self.send(BUILDERS["HOME_POSITION"](c, self.mav, c.t))
            elif isinstance(ev, ImageCaptured):
                self._image(ev.index)
        c.outbox.clear()

    def _image(self, index: int) -> None:
        c = self.copter
        lat, lon = c.lat_lon
        k = c.kin
        yaw = math.radians(k.yaw_deg)
        q = [math.cos(yaw / 2), 0.0, 0.0, math.sin(yaw / 2)]
        self.send(
            self.mav.camera_image_captured_encode(
                int(c.t * 1000) & 0xFFFFFFFF,
                int(c.utc_at(c.t) * 1e6),
                1,
                round(lat * 1e7),
                round(lon * 1e7),
                int(c.alt_amsl_m * 1000),
                int(c.relative_alt_m * 1000),
                q,
                index,
                1,
                f"sim://{c.sysid}/IMG_{index:05d}.jpg".encode(),
            )
        )
        self.send(
            self.mav.camera_feedback_encode(
                int(c.utc_at(c.t) * 1e6),
                0,
                0,
                index,
                round(lat * 1e7),
                round(lon * 1e7),
                c.alt_amsl_m,
                c.relative_alt_m,
                k.roll_deg,
                k.pitch_deg,
                k.yaw_deg,
                35.0,
                0,
                index + 1,
            )
        )


def _text(raw: Any) -> str:
    if isinstance(raw, bytes):
        raw = raw.decode("ascii", "replace")
    return str(raw).split("\x00", 1)[0]
