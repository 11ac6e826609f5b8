"""`/api/sorties`: the zones a drone can fly, a zone's checks before dispatch (preview_zone
findings, may_fly, the planned route), dispatching a zone to a drone, pause / resume / RTL /
land / abort, and sortie history. Commands that move an aircraft need the pilot role, a fresh
login and `"confirm": true`; they are audited as `web:<user>@<address>`."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request
from pydantic import BaseModel, ConfigDict, Field

from command.centre import VehicleAction
from command.storage.records import SortieRecord
from web import the_centre
from web.api.fleet import drone_json
from web.apiutil import actor, body
from web.openapi import documented
from web.security import access
from web.users import Role

bp = Blueprint("api_sorties", __name__, url_prefix="/api/sorties")


class Dispatch(BaseModel):
    """Fly a zone now on a drone, after seeing its checks."""

    model_config = ConfigDict(extra="forbid")
    zone: str = Field(min_length=1, max_length=200)
    vehicle: str = Field(min_length=1, max_length=64)
    confirm: bool = False


class Command(BaseModel):
    """A command to a flying drone."""

    model_config = ConfigDict(extra="forbid")
    action: VehicleAction
    confirm: bool = False
    reason: str = Field(default="", max_length=500)


def sortie_json(record: SortieRecord) -> dict[str, Any]:
    """A stored sortie as the API gives it."""
    return {
        "id": record.id,
        "name": record.mission_name,
        "vehicle": record.vehicle_name,
        "started_utc": record.started_at.isoformat(),
        "ended_utc": None if record.ended_at is None else record.ended_at.isoformat(),
        "outcome": record.outcome.value,
        "reason": record.reason,
        "distance_m": record.distance_m,
        "battery_used_pct": record.battery_used_pct,
    }


SORTIE_SCHEMA = {"type": "object", "description": "a sortie: id, name, vehicle, times, outcome"}


@bp.route("", methods=["GET"])
@access(Role.VIEWER)
@documented(
    summary="Sortie history (newest first) and the drones with their sortie in progress",
    response={
        "type": "object",
        "properties": {"history": {"type": "array"}, "fleet": {"type": "array"}},
    },
    query={"limit": "how many (1-500, default 50)", "vehicle": "one drone's only"},
)
def sorties():
    centre = the_centre()
    try:
        limit = max(1, min(int(request.args.get("limit", "50")), 500))
    except ValueError:
        limit = 50
    vehicle = request.args.get("vehicle") or None
    history = centre.sortie_history(limit=limit, vehicle=vehicle)
    return jsonify(
        history=[sortie_json(r) for r in history],
        fleet=[drone_json(e) for e in centre.fleet_status()],
    )


@bp.route("/zones", methods=["GET"])
@access(Role.VIEWER)
@documented(summary="Zones a drone can be sent to fly, most urgent first, and the drones")
def zones():
    centre = the_centre()
    return jsonify(
        zones=centre.task_zone_names(), vehicles=[v.name for v in centre.config.vehicles]
    )


@bp.route("/preview", methods=["GET"])
@access(Role.OFFICER)
@documented(
    summary="Plan a zone from a drone's position and check it: findings, may_fly, route",
    query={"zone": "the zone's name", "vehicle": "the drone's name"},
)
def preview():
    zone = request.args.get("zone", "")
    vehicle = request.args.get("vehicle") or None
    result = the_centre().preview_zone(zone, vehicle)
    mission = result.planned.mission
    return jsonify(
        zone=result.zone,
        vehicle=result.vehicle,
        may_fly=result.may_fly,
        items=len(mission.items),
        pattern=result.planned.pattern,
        findings=[
            {
                "severity": str(f.severity),
                "code": f.code,
                "item": f.item_index,
                "message": f.message,
            }
            for f in result.findings
        ],
        route=[
            [round(i.latitude_deg, 7), round(i.longitude_deg, 7)]
            for i in mission.items
            if i.latitude_deg or i.longitude_deg
        ],
        notes=list(result.planned.notes),
    )


@bp.route("", methods=["POST"])
@access(Role.PILOT, fresh=True)
@documented(
    summary="Dispatch a zone to a drone (needs confirm: true after the checks)", request=Dispatch
)
def dispatch():
    order = body(Dispatch)
    sortie_id = the_centre().dispatch_zone(
        order.zone, order.vehicle, actor=actor(), confirmed=order.confirm
    )
    return jsonify(sortie_id=sortie_id), 201


@bp.route("/vehicles/<vehicle>/command", methods=["POST"])
@access(Role.PILOT, fresh=True)
@documented(
    summary="Pause, resume, RTL, land or abort a drone (needs confirm: true)", request=Command
)
def command(vehicle: str):
    order = body(Command)
    if not order.confirm:
        from command.centre import OperationRefused

        raise OperationRefused(f"{order.action.value} needs an explicit confirmation: nothing sent")
    the_centre().command_vehicle(vehicle, order.action, actor=actor(), reason=order.reason)
    return jsonify(vehicle=vehicle, action=order.action.value, sent=True)
