"""Dispatcher: takes a checked mission to a landed drone, flies it as a sortie and records it;
reconciles the sorties a stopped ground station left open."""

from command.dispatch.audited import AuditedFleet, NotAudited, OutsideLimits
from command.dispatch.dispatcher import Dispatcher
from command.dispatch.owner import owner_alive, this_process
from command.dispatch.readiness import (
    BatteryCheck,
    Calibration,
    battery_calibration,
    battery_check,
    planned_battery_pct,
    vehicle_problems,
)
from command.dispatch.reconcile import Reconciliation, Verdict, judge, reconcile
from command.dispatch.sortie import (
    ArmDeclined,
    DispatchError,
    PreflightRefused,
    SortieHandle,
    VehicleNotReady,
)
from command.dispatch.tracker import Decision, SortieTracker

__all__ = [
    "ArmDeclined",
    "AuditedFleet",
    "BatteryCheck",
    "Calibration",
    "Decision",
    "DispatchError",
    "Dispatcher",
    "NotAudited",
    "OutsideLimits",
    "PreflightRefused",
    "Reconciliation",
    "SortieHandle",
    "SortieTracker",
    "VehicleNotReady",
    "Verdict",
    "battery_calibration",
    "battery_check",
    "judge",
    "owner_alive",
    "planned_battery_pct",
    "reconcile",
    "this_process",
    "vehicle_problems",
]
