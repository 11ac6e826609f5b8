"""The camera tests start ffmpeg as their independent client; leftovers are killed."""

from tests.helpers.video import run_ffmpeg

__all__ = ["run_ffmpeg"]
