"""`/api/video`: the drones' video for the console — stream figures per stream and sink, the live
view (whole H.264 frames streamed to the page, which muxes them for Media Source Extensions),
snapshots saved to the sortie, recordings with their telemetry track.

The live view is one streamed HTTP response per browser: a sequence of messages, each a 12-byte
header (payload length, frame duration in µs, flags; big-endian u32, u32, u8 + 3 spare bytes)
then the frame (Annex B, SPS/PPS before every keyframe; flags bit 0 = keyframe). A message of
length 0 is a keep-alive, sent each second without frames so a closed page is noticed. Each
browser has its own bounded queue at the relay: a slow one drops to the next keyframe, never
stalls the relay or the other viewers.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Iterator
from typing import Any

from flask import Blueprint, Response, abort, jsonify, request, send_file
from flask_login import current_user

from command.centre.operations import OperationRefused
from command.events.types import event_record
from command.video.records import Recording
from command.video.snapshots import Snapshot
from web import the_centre
from web.openapi import documented
from web.security import access
from web.users import Role

bp = Blueprint("api_video", __name__, url_prefix="/api/video")

FRAME_HEADER = struct.Struct(">IIB3x")
"""A live-view message's header: payload bytes, frame duration (µs), flags (1 = keyframe)."""
KEEPALIVE_S = 1.0
"""Longest wait for a frame before a keep-alive message."""
_VEHICLE = re.compile(r"^[A-Za-z0-9_.-]{1,120}$")
_TOKEN = re.compile(r"^[0-9a-f]{32}$")

_STATS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "streams": {
            "type": "array",
            "items": {
                "type": "object",
                "description": "VideoStats: vehicle, state, bitrate_bps, fps, "
                "keyframe_interval_s, packets, bytes, frames, keyframes, lost, malformed, "
                "last_packet_utc, sinks (sink, kind, state, sent, sent_bytes, bitrate_bps, "
                "dropped, waiting, reason, last_sent_utc)",
            },
        }
    },
}
_SNAPSHOT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "token": {"type": "string"},
        "vehicle": {"type": "string"},
        "sortie_id": {"type": ["integer", "null"]},
        "taken_utc": {"type": "string", "format": "date-time"},
        "actor": {"type": "string"},
        "width": {"type": "integer"},
        "height": {"type": "integer"},
        "size_bytes": {"type": "integer"},
        "url": {"type": "string", "description": "the JPEG"},
    },
}
_RECORDING_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "vehicle": {"type": "string"},
        "sortie_id": {"type": ["integer", "null"]},
        "start_utc": {"type": "string", "format": "date-time"},
        "end_utc": {"type": "string", "format": "date-time"},
        "duration_s": {"type": "number"},
        "size_bytes": {"type": "integer"},
        "frames": {"type": "integer"},
        "video_url": {"type": "string"},
        "telemetry_url": {"type": "string", "description": "WebVTT, one JSON object per cue"},
        "track_url": {"type": "string"},
    },
}
_TRACK_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "recording": {"type": "integer"},
        "cues": {
            "type": "array",
            "items": {
                "type": "object",
                "description": "start_s, end_s (video time), time_utc, lat, lon, alt_m, "
                "heading_deg, readings",
            },
        },
    },
}
_LIST_QUERY = {"vehicle": "only this vehicle's", "sortie": "only this sortie's (an id)"}


def _utc(value: Any) -> str:
    return value.isoformat().replace("+00:00", "Z")


def _vehicle(vehicle: str) -> str:
    if not _VEHICLE.match(vehicle):
        abort(400, f"vehicle: {vehicle[:40]!r} is not a vehicle name")
    return vehicle


def _filters() -> tuple[str | None, int | None]:
    vehicle = request.args.get("vehicle") or None
    if vehicle is not None:
        _vehicle(vehicle)
    sortie_text = request.args.get("sortie") or None
    sortie: int | None = None
    if sortie_text is not None:
        if not sortie_text.isdigit():
            abort(400, f"sortie: {sortie_text[:40]!r} is not a sortie id")
        sortie = int(sortie_text)
    return vehicle, sortie


def _refused(exc: OperationRefused, code: int = 409) -> Response:
    response = jsonify(error=str(exc), status=code)
    response.status_code = code
    return response


def _actor() -> str:
    return f"web:{current_user.username}@{request.remote_addr or '-'}"


def snapshot_json(snap: Snapshot) -> dict[str, Any]:
    """The API's form of a saved snapshot."""
    return {
        "token": snap.token,
        "vehicle": snap.vehicle,
        "sortie_id": snap.sortie_id,
        "taken_utc": _utc(snap.taken_utc),
        "actor": snap.actor,
        "width": snap.width,
        "height": snap.height,
        "size_bytes": snap.size_bytes,
        "url": f"/api/video/snapshots/{snap.token}/image.jpg",
    }


def recording_json(rec: Recording) -> dict[str, Any]:
    """The API's form of a recording."""
    return {
        "id": rec.id,
        "vehicle": rec.vehicle,
        "sortie_id": rec.sortie_id,
        "start_utc": _utc(rec.start_utc),
        "end_utc": _utc(rec.end_utc),
        "duration_s": rec.duration_s,
        "size_bytes": rec.size_bytes,
        "frames": rec.frames,
        "video_url": f"/api/video/recordings/{rec.id}/video.mp4",
        "telemetry_url": f"/api/video/recordings/{rec.id}/telemetry.vtt",
        "track_url": f"/api/video/recordings/{rec.id}/track",
    }


# --- streams ------------------------------------------------------------------------------------
@bp.route("/streams", methods=["GET"])
@access(Role.VIEWER)
@documented(
    summary="Each drone stream's figures and its sinks' (live viewers among them)",
    response=_STATS_SCHEMA,
)
def streams() -> Response:
    try:
        stats = the_centre().video_streams()
    except OperationRefused as exc:
        return _refused(exc, 404)
    return jsonify(streams=[event_record(s) for s in stats])


@bp.route("/streams/<vehicle>/live", methods=["GET"])
@access(Role.VIEWER)
@documented(
    summary="The live view: whole H.264 frames, each after a 12-byte header (length u32, "
    "duration µs u32, flags u8, 3 spare); length 0 is a keep-alive",
    stream="application/octet-stream",
)
def live(vehicle: str) -> Response:
    try:
        feed = the_centre().open_live_feed(_vehicle(vehicle))
    except OperationRefused as exc:
        return _refused(exc, 404)

    def messages() -> Iterator[bytes]:
        try:
            yield FRAME_HEADER.pack(0, 0, 0)  # the headers go out at once
            while not feed.closed:
                unit = feed.get(KEEPALIVE_S)
                if unit is None:
                    yield FRAME_HEADER.pack(0, 0, 0)
                    continue
                duration_us = round(feed.duration_ms(unit) * 1000)
                header = FRAME_HEADER.pack(len(unit.data), duration_us, int(unit.keyframe))
                yield header + unit.data
        finally:
            feed.close()

    response = Response(messages(), mimetype="application/octet-stream", direct_passthrough=True)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Accel-Buffering"] = "no"
    return response


@bp.route("/streams/<vehicle>/snapshot", methods=["POST"])
@access(Role.OFFICER)
@documented(
    summary="Save a JPEG of the drone's latest keyframe to its sortie (202: being saved; "
    "follow the status URL)",
    response={
        "type": "object",
        "properties": {"token": {"type": "string"}, "status_url": {"type": "string"}},
    },
)
def take_snapshot(vehicle: str) -> Response:
    try:
        token = the_centre().take_snapshot(_vehicle(vehicle), actor=_actor())
    except OperationRefused as exc:
        return _refused(exc)
    response = jsonify(token=token, status_url=f"/api/video/snapshots/{token}")
    response.status_code = 202
    response.headers["Location"] = f"/api/video/snapshots/{token}"
    return response


# --- snapshots ----------------------------------------------------------------------------------
@bp.route("/snapshots", methods=["GET"])
@access(Role.VIEWER)
@documented(
    summary="Saved snapshots, newest first",
    response={
        "type": "object",
        "properties": {"snapshots": {"type": "array", "items": _SNAPSHOT_SCHEMA}},
    },
    query=_LIST_QUERY,
)
def snapshots() -> Response:
    vehicle, sortie = _filters()
    found = the_centre().video_snapshots(vehicle=vehicle, sortie_id=sortie)
    return jsonify(snapshots=[snapshot_json(s) for s in found])


def _snapshot(token: str) -> Snapshot | None:
    if not _TOKEN.match(token):
        abort(400, f"snapshot: {token[:40]!r} is not a snapshot token")
    try:
        return the_centre().video_snapshot(token)
    except OperationRefused as exc:
        abort(404, str(exc))


@bp.route("/snapshots/<token>", methods=["GET"])
@access(Role.VIEWER)
@documented(summary="One snapshot (202 while it is being saved)", response=_SNAPSHOT_SCHEMA)
def snapshot(token: str) -> Response:
    found = _snapshot(token)
    if found is None:
        response = jsonify(token=token, status="saving")
        response.status_code = 202
        return response
    return jsonify(snapshot_json(found))


@bp.route("/snapshots/<token>/image.jpg", methods=["GET"])
@access(Role.VIEWER)
@documented(summary="A snapshot's JPEG", stream="image/jpeg")
def snapshot_jpeg(token: str) -> Response:
    found = _snapshot(token)
    if found is None:
        abort(404, f"snapshot {token} is still being saved")
    if not found.path.is_file():
        abort(404, f"snapshot {token}: its file is no longer on disk")
    return send_file(found.path, mimetype="image/jpeg", conditional=True, max_age=3600)


# --- recordings ---------------------------------------------------------------------------------
@bp.route("/recordings", methods=["GET"])
@access(Role.VIEWER)
@documented(
    summary="Sortie recordings, newest first",
    response={
        "type": "object",
        "properties": {"recordings": {"type": "array", "items": _RECORDING_SCHEMA}},
    },
    query=_LIST_QUERY,
)
def recordings() -> Response:
    vehicle, sortie = _filters()
    found = the_centre().recordings(vehicle=vehicle, sortie_id=sortie)
    return jsonify(recordings=[recording_json(r) for r in found])


def _recording(recording_id: int) -> Recording:
    try:
        return the_centre().recording(recording_id)
    except OperationRefused as exc:
        abort(404, str(exc))


@bp.route("/recordings/<int:recording_id>", methods=["GET"])
@access(Role.VIEWER)
@documented(summary="One recording", response=_RECORDING_SCHEMA)
def recording(recording_id: int) -> Response:
    return jsonify(recording_json(_recording(recording_id)))


@bp.route("/recordings/<int:recording_id>/video.mp4", methods=["GET"])
@access(Role.VIEWER)
@documented(summary="A recording's MP4 (byte ranges for seeking)", stream="video/mp4")
def recording_video(recording_id: int) -> Response:
    rec = _recording(recording_id)
    return send_file(rec.path, mimetype="video/mp4", conditional=True, max_age=3600)


@bp.route("/recordings/<int:recording_id>/telemetry.vtt", methods=["GET"])
@access(Role.VIEWER)
@documented(
    summary="A recording's telemetry track (WebVTT, one JSON object per cue)", stream="text/vtt"
)
def recording_telemetry(recording_id: int) -> Response:
    rec = _recording(recording_id)
    if not rec.telemetry_path.is_file():
        abort(404, f"recording {recording_id}: its telemetry track is no longer on disk")
    return send_file(rec.telemetry_path, mimetype="text/vtt", conditional=True, max_age=3600)


@bp.route("/recordings/<int:recording_id>/track", methods=["GET"])
@access(Role.VIEWER)
@documented(
    summary="A recording's telemetry track as JSON cues on the video's clock",
    response=_TRACK_SCHEMA,
)
def recording_track(recording_id: int) -> Response:
    try:
        cues = the_centre().recording_track(recording_id)
    except OperationRefused as exc:
        abort(404, str(exc))
    return jsonify(recording=recording_id, cues=[c.record() for c in cues])
