"""Vehicles: the fleet the command centre knows, keyed by unique name."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import checks
from .database import Database
from .errors import NotFoundError
from .models import NAME_LENGTH, VehicleRow
from .records import VehicleRecord


def upsert_vehicle(
    db: Database,
    *,
    name: str,
    connection: str,
    system_id: int,
    airframe: str,
    notes: str = "",
) -> VehicleRecord:
    """Add the vehicle `name`, or replace its connection, system id, airframe and notes."""
    name = checks.name("name", name, NAME_LENGTH)
    connection = checks.name("connection", connection, 500)
    system_id = checks.integer("system_id", system_id, 1, 255)
    airframe = checks.name("airframe", airframe, NAME_LENGTH)
    notes = checks.text("notes", notes)
    with db.transaction() as session:
        vehicle = session.scalar(select(VehicleRow).where(VehicleRow.name == name))
        if vehicle is None:
            vehicle = VehicleRow(name=name)
            session.add(vehicle)
        vehicle.connection = connection
        vehicle.system_id = system_id
        vehicle.airframe = airframe
        vehicle.notes = notes
        session.flush()
        return vehicle_record(vehicle)


def get_vehicle(db: Database, name: str) -> VehicleRecord:
    with db.reading() as session:
        return vehicle_record(vehicle_by_name(session, name))


def list_vehicles(db: Database) -> list[VehicleRecord]:
    """Every vehicle, by name."""
    with db.reading() as session:
        rows = session.scalars(select(VehicleRow).order_by(VehicleRow.name))
        return [vehicle_record(row) for row in rows]


def vehicle_by_name(session: Session, name: str) -> VehicleRow:
    vehicle = session.scalar(select(VehicleRow).where(VehicleRow.name == name))
    if vehicle is None:
        raise NotFoundError("vehicles", name)
    return vehicle


def vehicle_record(vehicle: VehicleRow) -> VehicleRecord:
    return VehicleRecord(
        id=vehicle.id,
        name=vehicle.name,
        connection=vehicle.connection,
        system_id=vehicle.system_id,
        airframe=vehicle.airframe,
        notes=vehicle.notes,
    )
