"""A vehicle's MAVLink endpoint: its channels (one per serial port, as on ArduPilot: each with
its own sequence numbers and SRn_* stream rates), what its ground stations send (bad frames
skipped and counted), the parameter and command protocols, and the telemetry it produces.

Transport-free: ``receive(channel, client, data)`` takes bytes from one client; ``tick(t)``
produces the periodic traffic; ``drain()`` hands over (channel, client-or-None, bytes), None
meaning every client of that channel. Only channels with a client attached are encoded for.
"""

from __future__ import annotations

import math
import random
from collections import deque
from typing import Any

from pymavlink.dialects.v20 import ardupilotmega as mavlink

from simulator.channel import Channel, Reply, Sender
from simulator.commands import CommandContext, carry_out
from simulator.events import CurrentChanged, HomeSet, ImageCaptured, ItemReached, StatusText
from simulator.mission_protocol import MissionProtocol
from simulator.params import CHANNELS, ParamError, firmware_version
from simulator.payload import PAYLOAD_NAMES, Payload
from simulator.telemetry import BUILDERS, NAMES_BY_ID, STREAM_GROUPS
from simulator.vehicle import Copter
from simulator.video.mavlink import VehicleVideo

C = mavlink
PARAMS_PER_TICK = 40
"""PARAM_VALUEs sent per tick while answering PARAM_REQUEST_LIST (paced, as ArduPilot does)."""
_CAPABILITIES = (
    C.MAV_PROTOCOL_CAPABILITY_MISSION_FLOAT
    | C.MAV_PROTOCOL_CAPABILITY_PARAM_FLOAT
    | C.MAV_PROTOCOL_CAPABILITY_MISSION_INT
    | C.MAV_PROTOCOL_CAPABILITY_COMMAND_INT
    | C.MAV_PROTOCOL_CAPABILITY_SET_POSITION_TARGET_GLOBAL_INT
    | C.MAV_PROTOCOL_CAPABILITY_MAVLINK2
    | C.MAV_PROTOCOL_CAPABILITY_MISSION_FENCE
    | C.MAV_PROTOCOL_CAPABILITY_MISSION_RALLY
)


class VehicleLink:
    """MAVLink 2 endpoint of one copter, shared by all its channels and ground stations."""

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
        self.loss = loss
        self._loss_rng = random.Random(seed)
        self.lost_frames = 0
        self.channels = [Channel(i, copter, signing_key) for i in range(CHANNELS)]
        self.missions = MissionProtocol(copter, self.channels[0].mav, self.send)
        self._next_heartbeat = 0.0
        self._next_payload = 0.0
        self.messages_received = 0
        self.video: VehicleVideo | None = None  # the camera, when the fleet has cameras
        self.last_sample: dict[str, float] = {}

    # --- clients -----------------------------------------------------------------------------
    def attach(self, channel: int, client: Any) -> None:
        """A client connected to a channel: the channel is now encoded for."""
        self.channels[channel].listeners += 1

    def detach(self, channel: int, client: Any) -> None:
        """A client left: forget its parser state."""
        ch = self.channels[channel]
        ch.listeners = max(0, ch.listeners - 1)
        ch.parsers.pop(client, None)
        ch.param_queue = deque(q for q in ch.param_queue if q[0] != client)

    # --- output ------------------------------------------------------------------------------
    def _lost(self) -> bool:
        if self.loss > 0.0 and self._loss_rng.random() < self.loss:
            self.lost_frames += 1
            return True
        return False

    def _emit(self, ch: Channel, msg: C.MAVLink_message, client: Any) -> None:
        ch.mav.send(msg)  # encoded (sequence number used) even when the link then loses it
        if not self._lost():
            ch.out.append((client, bytes(ch._sink.buf)))
        ch._sink.buf.clear()

    def send(self, msg: C.MAVLink_message, to: Reply | None = None) -> None:
        """Send to one client (to), or to every channel that has a client (None)."""
        if to is not None:
            self._emit(self.channels[to.channel], msg, to.client)
            return
        for ch in self.channels:
            if ch.listeners:
                self._emit(ch, msg, None)

    def drain(self) -> list[tuple[int, Any, bytes]]:
        """Take the bytes produced since the last drain: (channel, client or None, bytes)."""
        out = []
        for ch in self.channels:
            if ch.out:
                out.extend((ch.index, client, data) for client, data in ch.out)
                ch.out = []
        return out

    # --- input -------------------------------------------------------------------------------
    def receive(self, channel: int, client: Any, data: bytes) -> None:
        """Bytes from one client: parse, skip and count bad frames, handle the messages."""
        parser = self.channels[channel].parser(client)
        before = parser.total_receive_errors
        msgs = parser.parse_buffer(data) or []
        if parser.total_receive_errors != before:
            self.copter.note_link_errors(parser.total_receive_errors - before)
        for msg in msgs:
            if msg.get_type() == "BAD_DATA" or self._lost():
                continue
            self.messages_received += 1
            self.handle(Reply(channel, client), msg)

    def handle(self, reply: Reply, msg: Any) -> None:
        """Dispatch one decoded message from the client at reply."""
        kind = msg.get_type()
        target = getattr(msg, "target_system", None)
        c = self.copter
        if target not in (None, 0, c.sysid):
            return
        sender = Sender(reply, msg.get_srcSystem(), msg.get_srcComponent())
        t = c.t
        if kind == "HEARTBEAT":
            if msg.type == C.MAV_TYPE_GCS and sender.sysid == int(c.params["SYSID_MYGCS"]):
                c.heartbeat_from_gcs()
        elif kind in ("COMMAND_LONG", "COMMAND_INT"):
            self._on_command(sender, msg)
        elif kind == "SET_MODE":
            custom = bool(msg.base_mode & C.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED)
            ok = custom and c.set_mode(msg.custom_mode)
            result = C.MAV_RESULT_ACCEPTED if ok else C.MAV_RESULT_FAILED
            ack = self.channels[0].mav.command_ack_encode(
                C.MAVLINK_MSG_ID_SET_MODE, result, 0, 0, sender.sysid, sender.compid
            )
            self.send(ack, reply)
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
            c.set_current_item(msg.seq)
            self.send(BUILDERS["MISSION_CURRENT"](c, self.channels[0].mav, t))
        elif kind == "PARAM_REQUEST_LIST":
            queue = self.channels[reply.channel].param_queue
            queue.extend((reply.client, i) for i in range(len(c.params)))
        elif kind == "PARAM_REQUEST_READ":
            self._param_read(reply, msg)
        elif kind == "PARAM_SET":
            self._param_set(msg)
        elif kind == "REQUEST_DATA_STREAM":
            self._request_stream(reply.channel, msg)
        elif kind == "SET_POSITION_TARGET_GLOBAL_INT":
            self._position_target(msg)

    # --- parameters --------------------------------------------------------------------------
    def _param_value(self, name: str) -> C.MAVLink_message:
        p = self.copter.params
        return self.channels[0].mav.param_value_encode(
            p.external(name).encode(), p[name], p.type_of(name), len(p), p.index(name)
        )

    def _param_read(self, reply: Reply, msg: Any) -> None:
        p = self.copter.params
        name = (
            p.name_at(msg.param_index) if msg.param_index >= 0 else p.resolve(_text(msg.param_id))
        )
        if name is None:
            return  # ArduPilot ignores parameters it does not know
        self.send(self._param_value(name), reply)

    def _param_set(self, msg: Any) -> None:
        p = self.copter.params
        name = p.resolve(_text(msg.param_id))
        if name is None:
            return  # ArduPilot ignores parameters it does not know
        try:
            p.set(name, msg.param_value)
        except ParamError as exc:
            self.copter.say(C.MAV_SEVERITY_WARNING, str(exc)[:50])
        for ch in self.channels:
            for gid, (suffix, _) in STREAM_GROUPS.items():
                if name == f"SR{ch.index}_{suffix}":
                    ch.schedule.set_group_rate(gid, p[name])
        self.send(self._param_value(name))

    def _request_stream(self, channel: int, msg: Any) -> None:
        hz = float(msg.req_message_rate) if msg.start_stop else 0.0
        for gid in self.channels[channel].schedule.set_group_rate(msg.req_stream_id, hz):
            name = f"SR{channel}_{STREAM_GROUPS[gid][0]}"
            self.copter.params.set(name, min(hz, 50.0), persist=False)

    # --- guided ------------------------------------------------------------------------------
    def _position_target(self, msg: Any) -> None:
        if msg.type_mask & 0b111:  # position ignored: velocity/acceleration control not simulated
            return
        c = self.copter
        lat, lon = msg.lat_int / 1e7, msg.lon_int / 1e7
        c.goto(lat, lon, c.height_from_frame(msg.coordinate_frame, msg.alt))

    def _guided_item(self, sender: Sender, msg: Any) -> None:
        c = self.copter
        scale = 1e-7 if msg.get_type() == "MISSION_ITEM_INT" else 1.0
        up = c.height_from_frame(msg.frame, msg.z)
        if msg.current == 3:
            ok = c.set_guided_height(up)
        else:
            ok = c.goto(msg.x * scale, msg.y * scale, up)
        result = C.MAV_MISSION_ACCEPTED if ok else C.MAV_MISSION_ERROR
        mav = self.channels[0].mav
        self.send(mav.mission_ack_encode(sender.sysid, sender.compid, result, 0), sender.reply)

    # --- commands ----------------------------------------------------------------------------
    def _on_command(self, sender: Sender, msg: Any) -> None:
        if msg.get_type() == "COMMAND_LONG":
            p = [msg.param1, msg.param2, msg.param3, msg.param4, msg.param5, msg.param6, msg.param7]
            frame = C.MAV_FRAME_GLOBAL_RELATIVE_ALT
        else:
            p = [msg.param1, msg.param2, msg.param3, msg.param4, msg.x / 1e7, msg.y / 1e7, msg.z]
            frame = msg.frame
        result = self.command(sender.reply, msg.command, p, frame)
        ack = self.channels[0].mav.command_ack_encode(
            msg.command, result, 0, 0, sender.sysid, sender.compid
        )
        self.send(ack, sender.reply)

    def command(self, reply: Reply, cmd: int, p: list[float], frame: int) -> int:
        """Carry out one MAV_CMD for the client at reply; returns the MAV_RESULT."""
        mav = self.channels[0].mav
        ctx = CommandContext(
            self.copter,
            self.channels[reply.channel].schedule,
            lambda msg_id: self._send_once(msg_id, reply),
            lambda msg_id, us: self.send(mav.message_interval_encode(msg_id, us), reply),
        )
        if self.video is not None:
            result = self.video.command(cmd, p, ctx.send_message)
            if result is not None:
                return result
        return carry_out(ctx, cmd, p, frame)

    def _send_once(self, msg_id: int, reply: Reply) -> bool:
        """Send one message now (REQUEST_MESSAGE); False if the vehicle does not know it."""
        c = self.copter
        mav = self.channels[0].mav
        if msg_id == C.MAVLINK_MSG_ID_AUTOPILOT_VERSION:
            major, minor, patch = firmware_version(c.params.firmware)
            version = (
                (major << 24) | (minor << 16) | (patch << 8) | C.FIRMWARE_VERSION_TYPE_OFFICIAL
            )
            msg = mav.autopilot_version_encode(_CAPABILITIES, version, 0, 0, 0, [0] * 8, [0] * 8,
                                               [0] * 8, 0x1209, 0x5741, c.sysid)  # fmt: skip
            self.send(msg, reply)
            return True
        video = self.video.message(msg_id, mav, c) if self.video is not None else None
        if video is not None:
            self.send(video, reply)
            return True
        name = NAMES_BY_ID.get(msg_id)
        if name is None:
            return False
        self.send(BUILDERS[name](c, mav, c.t), reply)
        return True

    # --- periodic ----------------------------------------------------------------------------
    def tick(self, t: float) -> None:
        """Send what is due at boot time t: heartbeat, streams, payload, events, parameters."""
        c = self.copter
        mav = self.channels[0].mav
        self._events()
        if t >= self._next_heartbeat:
            self.send(BUILDERS["HEARTBEAT"](c, mav, t))
            self._next_heartbeat = max(self._next_heartbeat + 1.0, t - 1.0)
        for ch in self.channels:
            if not ch.listeners:
                continue
            for name in ch.schedule.due(t):
                self._emit(ch, BUILDERS[name](c, mav, t), None)
            for _ in range(min(PARAMS_PER_TICK, len(ch.param_queue))):
                client, index = ch.param_queue.popleft()
                name = c.params.name_at(index)
                if name is not None:
                    self._emit(ch, self._param_value(name), client)
        if t >= self._next_payload:
            self._next_payload = max(self._next_payload + 1.0, t - 1.0)
            lat, lon = c.lat_lon
            sample = self.payload.sample(lat, lon, c.kin.up, t)
            self.last_sample = sample
            ms = int(t * 1000) & 0xFFFFFFFF
            for key, value in sample.items():
                self.send(mav.named_value_float_encode(ms, PAYLOAD_NAMES[key].encode(), value))
        self.missions.tick(t)

    def _events(self) -> None:
        c = self.copter
        mav = self.channels[0].mav
        for ev in c.take_events():
            if isinstance(ev, StatusText):
                self.send(mav.statustext_encode(ev.severity, ev.text.encode()[:50]))
            elif isinstance(ev, ItemReached):
                self.send(mav.mission_item_reached_encode(ev.seq))
            elif isinstance(ev, CurrentChanged):
                self.send(BUILDERS["MISSION_CURRENT"](c, mav, c.t))
            elif isinstance(ev, HomeSet):
                self.send(BUILDERS["HOME_POSITION"](c, mav, c.t))
            elif isinstance(ev, ImageCaptured):
                self._image(ev.index)

    def _image(self, index: int) -> None:
        c = self.copter
        mav = self.channels[0].mav
        lat, lon = c.lat_lon
        k = c.kin
        yaw = math.radians(k.yaw_deg)
        q = [math.cos(yaw / 2), 0.0, 0.0, math.sin(yaw / 2)]
        t_us = int(c.utc_at(c.t) * 1e6)
        lat_e7, lon_e7 = round(lat * 1e7), round(lon * 1e7)
        url = f"sim://{c.sysid}/IMG_{index:05d}.jpg"
        if self.video is not None:
            url = self.video.captured(index, c, lat_e7 / 1e7, lon_e7 / 1e7)
        self.send(
            mav.camera_image_captured_encode(
                int(c.t * 1000) & 0xFFFFFFFF, t_us, 1, lat_e7, lon_e7, int(c.alt_amsl_m * 1000),
                int(c.relative_alt_m * 1000), q, index, 1,
                url.encode(),
            )
        )  # fmt: skip
        self.send(
            mav.camera_feedback_encode(
                t_us, 0, 0, index, lat_e7, lon_e7, c.alt_amsl_m, c.relative_alt_m, k.roll_deg,
                k.pitch_deg, k.yaw_deg, 35.0, 0, index + 1,
            )
        )  # fmt: skip


def _text(raw: Any) -> str:
    if isinstance(raw, bytes):
        raw = raw.decode("ascii", "replace")
    return str(raw).split("\x00", 1)[0]
