"""RTP headers and H.264 payloads as the relay reads them."""

from __future__ import annotations

import io
import struct

import pytest
from PIL import Image

from command.video.rtp import (
    FU_A,
    NAL_IDR,
    NAL_PPS,
    NAL_SPS,
    STAP_A,
    Depacketizer,
    RtpError,
    nal_types,
    parse_rtp,
    starts_keyframe,
)
from command.video.snapshot import keyframe_jpeg


def _rtp(payload: bytes, seq: int = 1, ts: int = 90, marker: bool = False, **kw: int) -> bytes:
    csrc = kw.get("csrc", 0)
    b0 = 0x80 | csrc | (0x10 if kw.get("ext") else 0) | (0x20 if kw.get("pad") else 0)
    head = struct.pack("!BBHII", b0, 96 | (0x80 if marker else 0), seq, ts, 0x1234)
    head += b"\x00\x00\x00\x07" * csrc
    if kw.get("ext"):
        head += struct.pack("!HH", 0xBEDE, 1) + b"\x00\x00\x00\x00"
    tail = b"\x00\x00\x03" if kw.get("pad") else b""
    return head + payload + tail


def test_headers_with_csrcs_extension_and_padding() -> None:
    data = _rtp(b"\x65abc", csrc=2, ext=1, pad=1, marker=True)
    pkt = parse_rtp(data)
    assert (pkt.payload_type, pkt.marker, pkt.sequence, pkt.ssrc) == (96, True, 1, 0x1234)
    assert data[pkt.payload_offset : pkt.payload_offset + 4] == b"\x65abc"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"\x80\x60", "shorter than an RTP header"),
        (b"\x40" + bytes(15), "RTP version 1"),
        (b"\x80\xc8" + bytes(26), "RTCP"),
        (b"\x90\x60" + bytes(12), "truncated header extension"),
        (b"\x80\x60" + bytes(10), "no payload"),
    ],
)
def test_what_is_not_rtp_is_refused_with_the_reason(data: bytes, reason: str) -> None:
    with pytest.raises(RtpError, match=reason):
        parse_rtp(data)


def test_nal_types_of_single_aggregated_and_fragmented_payloads() -> None:
    sps, pps = b"\x67" + bytes(8), b"\x68" + bytes(3)
    stap = bytes([STAP_A]) + struct.pack("!H", len(sps)) + sps + struct.pack("!H", 4) + pps
    assert nal_types(stap) == (NAL_SPS, NAL_PPS)
    assert starts_keyframe(nal_types(stap))
    assert nal_types(bytes([0x60 | FU_A, 0x80 | NAL_IDR]) + b"x") == (NAL_IDR,)
    assert nal_types(bytes([0x60 | FU_A, NAL_IDR]) + b"x") == ()  # a middle fragment
    assert nal_types(b"\x41xyz") == (1,) and not starts_keyframe((1,))


def test_fragments_reassemble_and_a_lost_one_marks_the_frame_damaged() -> None:
    nal = bytes([0x65]) + bytes(range(200))
    parts = [nal[1:70], nal[70:140], nal[140:]]
    fus = [
        bytes([0x60 | FU_A, (0x80 if i == 0 else 0) | (0x40 if i == 2 else 0) | NAL_IDR]) + p
        for i, p in enumerate(parts)
    ]
    d = Depacketizer()
    units = [d.push(parse_rtp(x), x, 0.0) for x in (_rtp(f, seq=i) for i, f in enumerate(fus))]
    assert units[:2] == [None, None]
    whole = units[2]
    assert whole is None  # no marker: the frame ends when the next begins
    nxt = _rtp(b"\x41abc", seq=3, ts=3090, marker=True)
    done = d.push(parse_rtp(nxt), nxt, 1.0)
    assert done is not None and done.data == b"\x00\x00\x00\x01" + nal and done.keyframe
    assert not done.damaged
    d2 = Depacketizer()
    for i in (0, 2):
        x = _rtp(fus[i], seq=i, marker=i == 2)
        last = d2.push(parse_rtp(x), x, 0.0)
    assert last is not None and last.damaged


def test_a_snapshot_is_a_jpeg_of_the_streams_size(clip: list[bytes]) -> None:
    d = Depacketizer()
    key = next(u for x in clip if (u := d.push(parse_rtp(x), x, 0.0)) and u.keyframe)
    with Image.open(io.BytesIO(keyframe_jpeg(key))) as im:
        assert im.format == "JPEG" and im.size == (640, 360)


def test_a_frame_that_does_not_decode_is_refused() -> None:
    from command.video.rtp import AccessUnit
    from command.video.snapshot import SnapshotError

    with pytest.raises(SnapshotError):
        keyframe_jpeg(AccessUnit(b"\x00\x00\x00\x01\x65" + bytes(50), 0, True, 0.0))
