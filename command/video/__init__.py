"""Drone video at the command centre: the relay (streams in, the same encoded video out to the
city brain and media servers), sortie recordings with a telemetry track, the console's live-view
feed and snapshots. Nothing on the relay path decodes or re-encodes."""

from command.video.config import VideoConfig, VideoSinkConfig, VideoStreamConfig
from command.video.live import LiveFeed
from command.video.recorder import RecordingInfo, TelemetrySample
from command.video.relay import VideoRelay, VideoRelayError
from command.video.rtp import AccessUnit
from command.video.sdp import h264_sdp
from command.video.snapshot import SnapshotError

__all__ = [
    "AccessUnit",
    "LiveFeed",
    "RecordingInfo",
    "SnapshotError",
    "TelemetrySample",
    "VideoConfig",
    "VideoRelay",
    "VideoRelayError",
    "VideoSinkConfig",
    "VideoStreamConfig",
    "h264_sdp",
]
