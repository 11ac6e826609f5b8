"""The air-quality page: the stations table (AQI, IAQI, primary pollutant, category in the
HJ 633 colours), a station's series as a small SVG chart, CSV downloads."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from command.centre.operations import OperationRefused
from web import the_centre
from web.api.air import series_json, station_json
from web.security import access
from web.users import Role

bp = Blueprint("air", __name__)

CHART_W, CHART_H = 600, 160


def chart_points(values: list[int | None]) -> str:
    """An SVG polyline's points for a series of AQI (gaps skipped)."""
    top = max([v for v in values if v is not None] or [1])
    step = CHART_W / max(1, len(values) - 1)
    return " ".join(
        f"{i * step:.1f},{CHART_H - v / top * (CHART_H - 10):.1f}"
        for i, v in enumerate(values)
        if v is not None
    )


@bp.route("/air")
@access(Role.VIEWER)
def page():
    centre = the_centre()
    stations = [station_json(r) for r in centre.station_table()]
    chosen = request.args.get("station") or (stations[0]["station_id"] if stations else None)
    series, points, error = None, "", None
    if chosen:
        try:
            series = series_json(centre.station_series(chosen, 48))
            points = chart_points(series["aqi"])
        except OperationRefused as exc:
            error = str(exc)
    return render_template(
        "air.html",
        stations=stations,
        series=series,
        points=points,
        error=error,
        chart_w=CHART_W,
        chart_h=CHART_H,
    )
