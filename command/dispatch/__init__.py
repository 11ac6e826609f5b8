"""Dispatcher: prepares, launches and follows sorties without blocking its callers (a web
request, the patrol queue, an alert), publishing their progress as events; re-tasks drones in
the air; hands the work a sortie leaves undone to the queue; reconciles the sorties a stopped
ground station left open."""

from command.dispatch.audited import AuditedFleet, NotAudited, OutsideLimits
from command.dispatch.dispatcher import Dispatcher
from command.dispatch.ledger import Requeue
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
    AbortOrder,
    DispatchError,
    PreflightRefused,
    Retasked,
    Sortie,
    Stage,
    VehicleNotReady,
    Work,
)
from command.dispatch.tracker import Decision, SortieTracker
from command.dispatch.work import queue_remainder

__all__ = [
    "AbortOrder",
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
    "Requeue",
    "Retasked",
    "Sortie",
    "SortieTracker",
    "Stage",
    "VehicleNotReady",
    "Verdict",
    "Work",
    "battery_calibration",
    "battery_check",
    "judge",
    "owner_alive",
    "planned_battery_pct",
    "queue_remainder",
    "reconcile",
    "this_process",
    "vehicle_problems",
]
