"""SDP (RFC 4566 / RFC 6184) describing an RTP H.264 stream, for receivers that need one
(FFmpeg, VLC, GStreamer's sdpdemux) to open what the drones or the relay send."""

from __future__ import annotations


def h264_sdp(host: str, port: int, payload_type: int = 96, name: str = "EcoPatrol video") -> str:
    """SDP text for RTP H.264 (packetization mode 1, parameter sets in band) at host:port."""
    return (
        "v=0\r\n"
        f"o=- 0 0 IN IP4 {host}\r\n"
        f"s={name}\r\n"
        f"c=IN IP4 {host}\r\n"
        "t=0 0\r\n"
        f"m=video {port} RTP/AVP {payload_type}\r\n"
        f"a=rtpmap:{payload_type} H264/90000\r\n"
        f"a=fmtp:{payload_type} packetization-mode=1\r\n"
        "a=recvonly\r\n"
    )
