"""RTP (RFC 3550) headers and H.264 payloads (RFC 6184) as far as the relay needs them: which
datagrams start a frame or a keyframe, and whole frames (access units, Annex B) for the sinks
that change container. Nothing here decodes video.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

NAL_IDR = 5
NAL_SEI = 6
NAL_SPS = 7
NAL_PPS = 8
NAL_AUD = 9
STAP_A = 24
FU_A = 28
START_CODE = b"\x00\x00\x00\x01"
RTP_CLOCK_HZ = 90_000
"""RTP timestamp rate of video."""
MAX_FRAME_BYTES = 8 * 1024 * 1024
"""A frame growing past this (no marker, no timestamp change) is dropped as broken."""

_HEADER = struct.Struct("!BBHII")


class RtpError(ValueError):
    """A datagram that is not a usable RTP packet; the message says why."""


@dataclass(frozen=True, slots=True)
class RtpPacket:
    """The header fields of one RTP datagram and where its payload starts."""

    payload_type: int
    marker: bool
    sequence: int
    timestamp: int
    ssrc: int
    payload_offset: int


def parse_rtp(data: bytes | memoryview) -> RtpPacket:
    """Read an RTP header (version 2, CSRCs, extension, padding), or raise RtpError."""
    n = len(data)
    if n < 12:
        raise RtpError(f"{n} bytes is shorter than an RTP header")
    b0, b1, seq, ts, ssrc = _HEADER.unpack_from(data)
    if b0 >> 6 != 2:
        raise RtpError(f"RTP version {b0 >> 6}, expected 2")
    pt = b1 & 0x7F
    if 72 <= pt <= 76:
        raise RtpError(f"payload type {pt} is RTCP, not media")
    offset = 12 + 4 * (b0 & 0x0F)
    if b0 & 0x10:
        if n < offset + 4:
            raise RtpError("truncated header extension")
        (words,) = struct.unpack_from("!H", data, offset + 2)
        offset += 4 + 4 * words
    end = n
    if b0 & 0x20:
        end -= data[n - 1]
    if offset >= end:
        raise RtpError("no payload")
    return RtpPacket(pt, bool(b1 & 0x80), seq, ts, ssrc, offset)


def nal_types(payload: bytes | memoryview) -> tuple[int, ...]:
    """The H.264 NAL unit types a payload starts or carries (FU-A: the fragment's start only)."""
    if not payload:
        return ()
    kind = payload[0] & 0x1F
    if kind == STAP_A:
        out = []
        i = 1
        while i + 2 < len(payload):
            size = (payload[i] << 8) | payload[i + 1]
            if size == 0 or i + 2 + size > len(payload):
                break
            out.append(payload[i + 2] & 0x1F)
            i += 2 + size
        return tuple(out)
    if kind == FU_A:
        if len(payload) < 2:
            return ()
        return (payload[1] & 0x1F,) if payload[1] & 0x80 else ()
    return (kind,)


def starts_keyframe(types: tuple[int, ...]) -> bool:
    """True when a frame's first datagram carries parameter sets or an IDR slice."""
    return any(t in (NAL_IDR, NAL_SPS) for t in types)


@dataclass(frozen=True, slots=True)
class AccessUnit:
    """One frame of H.264 in Annex B, its RTP time (90 kHz ticks) and when it arrived
    (the relay's monotonic clock, s). `damaged` when a datagram of it was lost."""

    data: bytes
    timestamp: int
    keyframe: bool
    arrived_s: float
    damaged: bool = False


class Depacketizer:
    """Turns one stream's RTP H.264 payloads (single NAL, STAP-A, FU-A) into access units."""

    def __init__(self) -> None:
        self._parts: list[bytes | memoryview] = []
        self._size = 0
        self._timestamp: int | None = None
        self._keyframe = False
        self._damaged = False
        self._in_fu = False
        self._next_seq: int | None = None

    def push(self, packet: RtpPacket, data: bytes, arrived_s: float) -> AccessUnit | None:
        """Take one packet; returns the frame it completes (marker bit) or the one it ends
        (a new timestamp without the last frame's marker), else None."""
        done: AccessUnit | None = None
        if self._timestamp is not None and packet.timestamp != self._timestamp:
            done = self._finish(arrived_s)
        if self._next_seq is not None and packet.sequence != self._next_seq:
            self._damaged = True
            self._in_fu = False
        self._next_seq = (packet.sequence + 1) & 0xFFFF
        self._timestamp = packet.timestamp
        self._add(memoryview(data)[packet.payload_offset :])
        if self._size > MAX_FRAME_BYTES:
            self._reset()
        if packet.marker:
            finished = self._finish(arrived_s)
            return done or finished
        return done

    def _add(self, payload: memoryview) -> None:
        kind = payload[0] & 0x1F
        if kind == STAP_A:
            i = 1
            while i + 2 < len(payload):
                size = (payload[i] << 8) | payload[i + 1]
                if size == 0 or i + 2 + size > len(payload):
                    self._damaged = True
                    break
                self._nal(payload[i + 2 : i + 2 + size])
                i += 2 + size
        elif kind == FU_A:
            if len(payload) < 3:
                self._damaged = True
                return
            header = payload[1]
            if header & 0x80:
                self._in_fu = True
                self._append(START_CODE)
                self._append(bytes(((payload[0] & 0xE0) | (header & 0x1F),)))
                self._keyframe |= header & 0x1F == NAL_IDR
            elif not self._in_fu:
                self._damaged = True
                return
            self._append(payload[2:])
            if header & 0x40:
                self._in_fu = False
        elif 1 <= kind <= 23:
            self._nal(payload)
        else:
            self._damaged = True

    def _nal(self, nal: memoryview) -> None:
        self._keyframe |= nal[0] & 0x1F == NAL_IDR
        self._append(START_CODE)
        self._append(nal)

    def _append(self, part: bytes | memoryview) -> None:
        self._parts.append(part)
        self._size += len(part)

    def _finish(self, arrived_s: float) -> AccessUnit | None:
        unit = None
        if self._parts and self._timestamp is not None:
            unit = AccessUnit(
                b"".join(self._parts), self._timestamp, self._keyframe, arrived_s, self._damaged
            )
        self._reset()
        return unit

    def _reset(self) -> None:
        self._parts = []
        self._size = 0
        self._keyframe = False
        self._damaged = False
        self._in_fu = False
