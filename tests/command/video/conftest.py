"""A real H.264 RTP clip (the camera's own encoder), made once per test run."""

from __future__ import annotations

import pytest

from simulator.video.encoder import StreamFormat
from tests.helpers.video import encode_clip, need_ffmpeg, run_ffmpeg

__all__ = ["run_ffmpeg"]

CLIP_S = 4.0
"""Seconds of video in the clip: four keyframes at the default spacing."""


@pytest.fixture(scope="session")
def clip() -> list[bytes]:
    """RTP datagrams of CLIP_S seconds of 640x360 at 15 frames/s, a keyframe each second."""
    need_ffmpeg()
    return encode_clip(CLIP_S, StreamFormat())
