"""The drones' cameras: a synthetic top-down view streamed as H.264 over RTP/UDP (or MPEG-TS
over UDP) from a process of its own per vehicle, and JPEG stills with EXIF on each trigger."""

from simulator.video.camera import CameraFeed, VideoSettings
from simulator.video.state import CameraState

__all__ = ["CameraFeed", "CameraState", "VideoSettings"]
