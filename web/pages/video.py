"""The video page: each drone's live view beside the map (with the snapshot button), the saved
snapshots, and playback of sortie recordings with the telemetry track drawn on the map in step.
`/video?sortie=N` lists only that sortie's snapshots and recordings; `?recording=ID` plays one."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from flask_login import current_user

from web import the_centre
from web.security import access
from web.users import Role

bp = Blueprint("video", __name__)


@bp.route("/video")
@access(Role.VIEWER)
def page() -> str:
    centre = the_centre()
    settings = current_app.extensions["ecopatrol.settings"]
    recording = request.args.get("recording", "")
    sortie = request.args.get("sortie", "")
    return render_template(
        "video.html",
        vehicles=centre.video_vehicles(),
        may_snapshot=current_user.may(Role.OFFICER),
        recording=int(recording) if recording.isdigit() else None,
        sortie=int(sortie) if sortie.isdigit() else None,
        tile_url=getattr(settings, "tile_url", None),
    )
