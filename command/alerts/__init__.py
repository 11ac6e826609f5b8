"""Alert rules, the alert engine and quick-response planning: pure parts the command centre
subscribes to its event bus (readings in; alert events and response requests out)."""

from command.alerts.desk import AlertActionError, Outcome, ResponseRequest
from command.alerts.engine import AlertEngine
from command.alerts.loader import RuleFileError, RuleSet, load_rules, parse_rules
from command.alerts.places import CELL_M, Place, ZoneIndex
from command.alerts.response import ResponsePlan, ResponsePlanner, ResponseRefused, ResponseSpec
from command.alerts.rules import (
    AqiRule,
    DroneSampleRule,
    HotSpotRule,
    Pattern,
    Response,
    RiseRateRule,
    Rule,
    RuleError,
    SilenceRule,
    build_rule,
    check_rule,
)
from command.alerts.source import CandidateZone, SourceFinding, trace_for_alert
from command.alerts.state import Alert, EngineState, ResponseState, StateError, StationTrack
from command.alerts.timeline import INTERVALS, IntervalFigure, Step, Timeline, response_figures

__all__ = [
    "CELL_M",
    "INTERVALS",
    "Alert",
    "AlertActionError",
    "AlertEngine",
    "AqiRule",
    "CandidateZone",
    "DroneSampleRule",
    "EngineState",
    "HotSpotRule",
    "IntervalFigure",
    "Outcome",
    "Pattern",
    "Place",
    "Response",
    "ResponsePlan",
    "ResponsePlanner",
    "ResponseRefused",
    "ResponseRequest",
    "ResponseSpec",
    "ResponseState",
    "RiseRateRule",
    "Rule",
    "RuleError",
    "RuleFileError",
    "RuleSet",
    "SilenceRule",
    "SourceFinding",
    "StateError",
    "StationTrack",
    "Step",
    "Timeline",
    "ZoneIndex",
    "build_rule",
    "check_rule",
    "load_rules",
    "parse_rules",
    "response_figures",
    "trace_for_alert",
]
