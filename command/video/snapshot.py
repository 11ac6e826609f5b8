"""A still from a stream: the latest keyframe decoded once to a JPEG (off the relay path)."""

from __future__ import annotations

import io

import av

from command.video.rtp import AccessUnit

SNAPSHOT_QUALITY = 90


class SnapshotError(ValueError):
    """The keyframe could not be decoded; the message says why."""


def keyframe_jpeg(unit: AccessUnit, quality: int = SNAPSHOT_QUALITY) -> bytes:
    """JPEG bytes of one keyframe (Annex B with its SPS/PPS)."""
    codec = av.CodecContext.create("h264", "r")
    try:
        frames = [*codec.decode(av.Packet(unit.data)), *codec.decode(None)]
    except av.FFmpegError as exc:
        raise SnapshotError(f"the keyframe does not decode: {exc}") from exc
    if not frames:
        raise SnapshotError("the keyframe gave no picture")
    out = io.BytesIO()
    frames[0].to_image().save(out, "JPEG", quality=quality)
    return out.getvalue()
