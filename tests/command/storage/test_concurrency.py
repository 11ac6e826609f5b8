"""Two processes' worth of writers on one SQLite file: every accepted write is kept."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

from command.storage import (
    Database,
    StoredMission,
    close_sortie,
    list_audit,
    list_sorties,
    open_sortie,
    record_audit,
    sqlite_url,
)
from command.storage.models import AuditRow


def test_concurrent_writers_through_separate_databases_lose_nothing(
    db: Database, db_path: Path, mission: StoredMission, copter: str, now: datetime
) -> None:
    writers = [Database(sqlite_url(db_path)) for _ in range(4)]
    errors: list[BaseException] = []

    def fly(index: int, writer: Database) -> None:
        try:
            for n in range(25):
                at = now + timedelta(seconds=index * 100 + n)
                record_audit(
                    writer,
                    actor=f"web:officer{index}",
                    vehicle_name=copter,
                    command="MAV_CMD_DO_SET_MODE",
                    params={"n": n},
                    result="accepted",
                    now=at,
                )
                sortie = open_sortie(writer, mission_id=mission.id, vehicle_name=copter, now=at)
                close_sortie(writer, sortie.id, "completed", "", at + timedelta(seconds=1))
        except BaseException as error:  # reported below, in the test thread
            errors.append(error)

    threads = [threading.Thread(target=fly, args=(i, w)) for i, w in enumerate(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for writer in writers:
        writer.close()
    assert errors == []
    assert len(list_audit(db, limit=1000)) == 100
    sorties = list_sorties(db, limit=1000)
    assert len(sorties) == 100 and {s.outcome.value for s in sorties} == {"completed"}


def test_readers_are_not_blocked_by_an_open_write_and_do_not_see_it(
    db: Database, db_path: Path, now: datetime
) -> None:
    record_audit(
        db,
        actor="cli:pilot",
        vehicle_name="copter-1",
        command="ARM",
        params={},
        result="accepted",
        now=now,
    )
    reader = Database(sqlite_url(db_path), busy_timeout_s=0.2)
    try:
        with db.transaction() as session:
            session.add(
                AuditRow(
                    at=now,
                    actor="cli:pilot",
                    vehicle_name="copter-1",
                    command="DISARM",
                    params={},
                    result="accepted",
                    reason="",
                )
            )
            session.flush()  # holds SQLite's write lock from here to commit
            started = time.monotonic()
            seen = [entry.command for entry in list_audit(reader)]
            assert time.monotonic() - started < 0.15
            assert seen == ["ARM"]
        assert [entry.command for entry in list_audit(reader)] == ["DISARM", "ARM"]
    finally:
        reader.close()
