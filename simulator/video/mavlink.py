"""A vehicle's camera as its MAVLink endpoint presents it, as ArduPilot 4.5+ does for a camera
attached to the autopilot (camera_device_id 1): MAV_CMD_VIDEO_START/STOP_STREAMING,
VIDEO_STREAM_INFORMATION and VIDEO_STREAM_STATUS (where and how the stream goes),
CAMERA_INFORMATION, and a still per CAMERA_IMAGE_CAPTURED.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from pymavlink.dialects.v20 import ardupilotmega as mavlink

from simulator.video.camera import CameraFeed
from simulator.video.scene import HFOV_DEG
from simulator.video.state import CameraState

if TYPE_CHECKING:
    from simulator.vehicle import Copter

C = mavlink
STREAM_ID = 1
"""The one stream each vehicle has (MAVLink stream ids start at 1; 0 means all)."""
CAMERA_DEVICE_ID = 1
"""A non-MAVLink camera attached to the autopilot, as ArduPilot numbers them (1-6)."""

_VIDEO_MESSAGES = (
    C.MAVLINK_MSG_ID_VIDEO_STREAM_INFORMATION,
    C.MAVLINK_MSG_ID_VIDEO_STREAM_STATUS,
    C.MAVLINK_MSG_ID_CAMERA_INFORMATION,
)

_LEGACY_REQUESTS = {
    C.MAV_CMD_REQUEST_VIDEO_STREAM_INFORMATION: C.MAVLINK_MSG_ID_VIDEO_STREAM_INFORMATION,
    C.MAV_CMD_REQUEST_VIDEO_STREAM_STATUS: C.MAVLINK_MSG_ID_VIDEO_STREAM_STATUS,
    C.MAV_CMD_REQUEST_CAMERA_INFORMATION: C.MAVLINK_MSG_ID_CAMERA_INFORMATION,
}


class VehicleVideo:
    """The commands and messages of one vehicle's camera; `update()` keeps it fed."""

    def __init__(self, feed: CameraFeed) -> None:
        self.feed = feed

    # --- what ground stations ask -----------------------------------------------------------
    def command(self, cmd: int, p: list[float], send_message: Callable[[int], bool]) -> int | None:
        """The MAV_RESULT of a camera command, or None when cmd is not one; the legacy request
        commands (REQUEST_VIDEO_STREAM_INFORMATION …) answer through send_message(msg_id)."""
        if cmd in (C.MAV_CMD_VIDEO_START_STREAMING, C.MAV_CMD_VIDEO_STOP_STREAMING):
            if round(p[0]) not in (0, STREAM_ID):
                return C.MAV_RESULT_DENIED
            self.feed.set_streaming(cmd == C.MAV_CMD_VIDEO_START_STREAMING)
            return C.MAV_RESULT_ACCEPTED
        msg_id = _LEGACY_REQUESTS.get(cmd)
        if msg_id is not None:
            return C.MAV_RESULT_ACCEPTED if send_message(msg_id) else C.MAV_RESULT_FAILED
        return None

    def message(self, msg_id: int, mav: Any, copter: Copter) -> Any | None:
        """VIDEO_STREAM_INFORMATION, VIDEO_STREAM_STATUS or CAMERA_INFORMATION; None otherwise."""
        if msg_id not in _VIDEO_MESSAGES:
            return None
        s = self.feed.settings
        fmt = s.stream
        flags = C.VIDEO_STREAM_STATUS_FLAGS_RUNNING if self.feed.streaming else 0
        if msg_id == C.MAVLINK_MSG_ID_VIDEO_STREAM_INFORMATION:
            kind = (
                C.VIDEO_STREAM_TYPE_RTPUDP
                if fmt.transport == "rtp"
                else C.VIDEO_STREAM_TYPE_MPEG_TS
            )
            return mav.video_stream_information_encode(
                STREAM_ID, 1, kind, flags, float(fmt.fps), fmt.width, fmt.height,
                fmt.bitrate_bps, 0, round(HFOV_DEG), f"{self.feed.name} down".encode()[:31],
                s.uri_of(self.feed.index).encode(), C.VIDEO_STREAM_ENCODING_H264,
                CAMERA_DEVICE_ID,
            )  # fmt: skip
        if msg_id == C.MAVLINK_MSG_ID_VIDEO_STREAM_STATUS:
            return mav.video_stream_status_encode(
                STREAM_ID, flags, float(fmt.fps), fmt.width, fmt.height, fmt.bitrate_bps, 0,
                round(HFOV_DEG), CAMERA_DEVICE_ID,
            )  # fmt: skip
        caps = C.CAMERA_CAP_FLAGS_HAS_VIDEO_STREAM | C.CAMERA_CAP_FLAGS_CAPTURE_VIDEO
        if s.image_dir is not None:
            caps |= (
                C.CAMERA_CAP_FLAGS_CAPTURE_IMAGE
                | C.CAMERA_CAP_FLAGS_CAN_CAPTURE_IMAGE_IN_VIDEO_MODE
            )
        still_w, still_h = s.still_size
        return mav.camera_information_encode(
            int(copter.t * 1000) & 0xFFFFFFFF, _text(b"EcoPatrol", 32), _text(b"SIM-CAM", 32),
            1, 4.5, 6.17, 4.55, still_w, still_h, 0, caps, 0, b"", 0, CAMERA_DEVICE_ID,
        )  # fmt: skip

    # --- what the vehicle does --------------------------------------------------------------
    def captured(self, index: int, copter: Copter, lat_deg: float, lon_deg: float) -> str:
        """A still for image `index` at exactly the reported position; returns its file URL."""
        state = self.state(copter, {}, lat_deg, lon_deg)
        path = self.feed.capture(index, state, copter.alt_amsl_m)
        if path is None:
            return f"sim://{copter.sysid}/IMG_{index:05d}.jpg"
        return path.resolve().as_uri()[:205]

    def update(
        self, copter: Copter, readings: Mapping[str, float], now_s: float | None = None
    ) -> None:
        """Hand the camera the vehicle's state when a frame is due (real-time monotonic s)."""
        now = time.monotonic() if now_s is None else now_s
        if self.feed.due(now):
            lat, lon = copter.lat_lon
            self.feed.update(self.state(copter, readings, lat, lon), now)

    def state(
        self, copter: Copter, readings: Mapping[str, float], lat_deg: float, lon_deg: float
    ) -> CameraState:
        """The camera's view of the copter now."""
        from simulator.payload import PAYLOAD_NAMES

        return CameraState(
            vehicle=self.feed.index,
            lat_deg=lat_deg,
            lon_deg=lon_deg,
            alt_m=copter.relative_alt_m,
            heading_deg=copter.kin.yaw_deg,
            time_unix_s=copter.utc_at(copter.t),
            sim_t_s=copter.t,
            readings=tuple((PAYLOAD_NAMES.get(k, k), v) for k, v in readings.items()),
        )

    def close(self) -> None:
        """Stop the camera process."""
        self.feed.close()


def _text(raw: bytes, size: int) -> list[int]:
    return list(raw.ljust(size, b"\x00")[:size])
