"""Dispatcher: takes a checked mission to a landed drone, flies it as a sortie and records it."""

from command.dispatch.audited import AuditedFleet
from command.dispatch.dispatcher import (
    ArmDeclined,
    Dispatcher,
    DispatchError,
    PreflightRefused,
    SortieHandle,
    VehicleNotReady,
)
from command.dispatch.readiness import vehicle_problems
from command.dispatch.tracker import Decision, SortieTracker

__all__ = [
    "ArmDeclined",
    "AuditedFleet",
    "Decision",
    "DispatchError",
    "Dispatcher",
    "PreflightRefused",
    "SortieHandle",
    "SortieTracker",
    "VehicleNotReady",
    "vehicle_problems",
]
