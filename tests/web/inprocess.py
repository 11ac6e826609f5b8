"""Parts of the in-process console tests: a started CommandCentre with an account per role,
the console app over it, and an alert to seed a centre's alert store with."""

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


def console_app(centre: CommandCentre) -> Flask:
    """The console over `centre` (login limits raised for tests that log in often)."""
    return create_app(
        WebSettings(secret_key=b"k" * 32, login_limit="1000 per minute"), centre=centre
    )


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
