"""The console's alert operations: alerts listed and filtered, one alert with its timeline,
comments and source estimate, a named person's acknowledgement, comment or closing, and the
approval (audited: it sends a drone) or declining of a quick response that waits for one (each
checked first; a refusal changes nothing)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from command.alerts import Alert, AlertActionError, ResponseState, Timeline
from command.alerts.comments import AlertComment, AlertComments, CommentError
from command.centre.operations import OperationRefused
from command.events import AlertCommented
from command.storage import record_audit
from command.storage.kinds import CommandResult

if TYPE_CHECKING:
    from command.centre.centre import CommandCentre

MAX_LISTED = 500


class AlertStatus(StrEnum):
    """Which alerts a list shows."""

    OPEN = "open"  # not closed (acknowledged or not)
    UNACKNOWLEDGED = "unacknowledged"  # open and nobody took it in hand
    CLOSED = "closed"
    ALL = "all"


@dataclass(frozen=True)
class AlertFilter:
    """A list's filter: status, pollutant, the rule or the place (substring, any case)."""

    status: AlertStatus = AlertStatus.OPEN
    pollutant: str | None = None
    text: str | None = None

    def keeps(self, alert: Alert) -> bool:
        """True when the alert passes the filter."""
        if self.status is AlertStatus.OPEN and not alert.is_open:
            return False
        if self.status is AlertStatus.UNACKNOWLEDGED and (not alert.is_open or alert.acknowledged):
            return False
        if self.status is AlertStatus.CLOSED and alert.is_open:
            return False
        if self.pollutant and alert.pollutant.lower() != self.pollutant.lower():
            return False
        if self.text:
            needle = self.text.lower()
            haystack = " ".join((alert.rule, alert.place, alert.place_label, alert.message))
            if needle not in haystack.lower():
                return False
        return True


@dataclass(frozen=True)
class AlertDetail:
    """One alert as its page shows it."""

    alert: Alert
    timeline: Timeline
    comments: tuple[AlertComment, ...]


class AlertOperations:
    """Mixed into CommandCentre: alerts as the console sees and handles them."""

    def list_alerts(
        self: CommandCentre, where: AlertFilter = AlertFilter(), limit: int = 200
    ) -> list[Alert]:
        """Alerts passing the filter, newest first."""
        limit = max(1, min(limit, MAX_LISTED))
        open_only = where.status in (AlertStatus.OPEN, AlertStatus.UNACKNOWLEDGED)
        alerts = self.alert_store.alerts(open_only=open_only, limit=MAX_LISTED)
        return [a for a in alerts if where.keeps(a)][:limit]

    def alert_detail(self: CommandCentre, alert_id: int) -> AlertDetail:
        """One alert, its timeline and its comments (OperationRefused when unknown)."""
        found = self.alert_store.alert(alert_id)
        if found is None:
            raise OperationRefused(f"alert {alert_id}: no such alert")
        alert, timeline = found
        return AlertDetail(alert, timeline, tuple(AlertComments(self.db).of(alert_id)))

    def acknowledge_alert(self: CommandCentre, alert_id: int, by: str, comment: str) -> None:
        """A named person takes the alert in hand, saying what they do."""
        try:
            self.alerts.acknowledge(alert_id, by, comment)
        except AlertActionError as exc:
            raise OperationRefused(str(exc)) from None

    def close_alert(self: CommandCentre, alert_id: int, by: str, comment: str) -> None:
        """A named person closes the alert with a comment."""
        try:
            self.alerts.close_alert(alert_id, by, comment)
        except AlertActionError as exc:
            raise OperationRefused(str(exc)) from None

    def comment_alert(self: CommandCentre, alert_id: int, by: str, comment: str) -> AlertComment:
        """A named person's note on an alert (open or closed); AlertCommented is published."""
        found = self.alert_store.alert(alert_id)
        if found is None:
            raise OperationRefused(f"alert {alert_id}: no such alert")
        try:
            added = AlertComments(self.db).add(alert_id, by, comment, self.utcnow())
        except CommentError as exc:
            raise OperationRefused(str(exc)) from None
        alert = found[0]
        self.bus.publish(
            AlertCommented(
                time_utc=added.at,
                alert_id=alert_id,
                rule=alert.rule,
                place=alert.place,
                pollutant=alert.pollutant,
                by=added.by,
                comment=added.comment,
            )
        )
        return added

    def approve_response(self: CommandCentre, alert_id: int, by: str, *, actor: str) -> None:
        """A named person approves the quick response the alert waits for: the response is then
        planned and queued as critical work (it will fly a drone). Audited with `actor`, refused
        ones too; OperationRefused when unknown or not awaiting approval."""
        alert = self._awaiting(alert_id, "approve")
        params = {"alert_id": alert_id, "pattern": alert.pattern.value, "place": alert.place}
        try:
            self.alerts.approve_response(alert_id, by)
        except AlertActionError as exc:
            self._audit_approval(actor, params, CommandResult.REFUSED, str(exc))
            raise OperationRefused(str(exc)) from None
        self._audit_approval(actor, params, CommandResult.ACCEPTED, "")

    def decline_response(self: CommandCentre, alert_id: int, by: str, comment: str) -> None:
        """A named person declines the quick response, saying why (no drone flies)."""
        self._awaiting(alert_id, "decline")
        try:
            self.alerts.decline_response(alert_id, by, comment)
        except AlertActionError as exc:
            raise OperationRefused(str(exc)) from None

    def _awaiting(self: CommandCentre, alert_id: int, verb: str) -> Alert:
        found = self.alert_store.alert(alert_id)
        if found is None:
            raise OperationRefused(f"alert {alert_id}: no such alert")
        alert = found[0]
        if alert.response_state is not ResponseState.AWAITING_APPROVAL:
            raise OperationRefused(
                f"alert {alert_id}: its response is {alert.response_state.value!r}, "
                f"not awaiting approval: nothing to {verb}"
            )
        return alert

    def _audit_approval(
        self: CommandCentre, actor: str, params: dict[str, object], result: CommandResult, why: str
    ) -> None:
        record_audit(
            self.db,
            actor=actor,
            vehicle_name="quick-response",
            command="approve_response",
            params=params,
            result=result,
            now=self.utcnow(),
            reason=why,
        )


MIXIN = AlertOperations
