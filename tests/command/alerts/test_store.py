"""Alerts in the database: rows for the console, and the engine's state restored after a
restart, on a real SQLite file."""

from __future__ import annotations

from pathlib import Path

from command.alerts.engine import AlertEngine
from command.alerts.rules import build_rule
from command.alerts.store import AlertStore
from command.alerts.timeline import Step
from command.storage import open_database
from tests.command.alerts.conftest import at, station

PM = {"name": "pm", "kind": "aqi", "pollutants": ["pm2_5"], "category": 2}


def test_alerts_and_engine_state_survive_a_restart(tmp_path: Path) -> None:
    url = f"sqlite+pysqlite:///{tmp_path / 'centre.sqlite'}"
    db = open_database(url)
    store = AlertStore(db)
    assert store.load_state() is None
    engine = AlertEngine([build_rule(PM)])
    engine.observe(station(minutes=0, pm2_5=80.0), at(0))
    (alert,) = engine.open_alerts()
    engine.acknowledge(alert.alert_id, "Officer Li", "on my way", at(5))
    store.save(engine.state(), at(5))
    db.close()

    db = open_database(url)
    store = AlertStore(db)
    restored = AlertEngine([build_rule(PM)], state=store.load_state())
    (again,) = restored.open_alerts()
    assert again == engine.open_alerts()[0]
    assert again.acknowledged_by == "Officer Li"
    listed = store.alerts(open_only=True)
    assert [a.alert_id for a in listed] == [alert.alert_id]
    found = store.alert(alert.alert_id)
    assert found is not None and Step.ACKNOWLEDGED in found[1].steps
    # the restored engine carries on: a second firing updates the same alert
    restored.observe(station(minutes=60, pm2_5=90.0), at(60))
    assert [a.alert_id for a in restored.open_alerts()] == [alert.alert_id]
    restored.close(alert.alert_id, "Officer Li", "dust suppressed", at(70))
    store.save(restored.state(), at(70), changed={alert.alert_id})
    assert store.alerts(open_only=True) == []
    assert store.alerts()[0].closed_by == "Officer Li"
    db.close()
