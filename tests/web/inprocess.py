"""Parts of the in-process console tests: a started CommandCentre with an account per role,
the console app over it — in the centre's own process, or as a web worker reaching it through
the control interface (`WAYS_IN`) — and an alert to seed a centre's alert store with."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from typing import Any

from flask import Flask

from command.alerts import Alert
from command.centre import CommandCentre
from command.centre.config import CentreConfig
from tests.web.live import add_role_accounts
from web import WebSettings, create_app


@contextmanager
def started_centre(config: CentreConfig) -> Iterator[CommandCentre]:
    """The centre of `config`, started, with a viewer, officer, pilot and admin account."""
    centre = CommandCentre(config)
    centre.start()
    add_role_accounts(centre)
    try:
        yield centre
    finally:
        centre.close()


TEST_SETTINGS = WebSettings(secret_key=b"k" * 32, login_limit="1000 per minute")
WAYS_IN = ("centre", "worker")
"""How a console test's app reaches the centre: in its process, or as a web worker would."""
CONTROL_SECRET = "5e" * 32


def console_app(centre: CommandCentre) -> Flask:
    """The console over `centre` (login limits raised for tests that log in often)."""
    return create_app(TEST_SETTINGS, centre=centre)


@contextmanager
def worker_app(centre: CommandCentre) -> Iterator[Flask]:
    """The console as a web worker runs it: over a RemoteCentre that reaches `centre` through
    its control API (a real HTTP server on loopback, advertised in the centre's database)."""
    from command.control.client import RemoteCentre
    from command.control.endpoint import advertise
    from command.control.server import ControlServer

    server = ControlServer(centre, CONTROL_SECRET, "127.0.0.1", 0, None)
    server.start()
    advertise(centre.db, server.url, centre.dispatcher.owner, centre.utcnow())
    remote = RemoteCentre(centre.config, centre.db, CONTROL_SECRET)
    remote.start()
    try:
        if not remote.wait_connected(10):
            raise RuntimeError("the worker did not connect to the control API")
        yield create_app(TEST_SETTINGS, centre=remote)  # type: ignore[arg-type]
    finally:
        remote.close()
        server.close()


@contextmanager
def app_by(way_in: str, centre: CommandCentre) -> Iterator[Flask]:
    """The console over `centre` the way `way_in` (one of WAYS_IN) says."""
    if way_in == "worker":
        with worker_app(centre) as app:
            yield app
    else:
        yield console_app(centre)


def station_alert(alert_id: int, raised: datetime, **changes: Any) -> Alert:
    """An open PM2.5 alert at station S1 raised at `raised`; `changes` replace any field."""
    alert = Alert(
        alert_id=alert_id,
        rule="pm25-high",
        place="station:S1",
        place_label="淮阴站",
        pollutant="pm2_5",
        latitude_deg=36.65,
        longitude_deg=116.94,
        level=1,
        value=160.0,
        peak_value=160.0,
        basis_value=160.0,
        reported_value=160.0,
        category=3,
        basis_category=3,
        raised_utc=raised,
        last_fired_utc=raised,
        message="PM2.5 IAQI 160",
        rules=("pm25-high",),
        active_rules=("pm25-high",),
    )
    return replace(alert, **changes)
