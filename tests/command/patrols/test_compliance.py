"""Compliance over a period: gaps between completions, late gaps and what they waited for."""

from __future__ import annotations

from datetime import timedelta

import pytest

from command.patrols import NewTask, Target, TaskKind, compliance
from command.patrols.tables import PatrolLogRow

from .centre import PatrolCentre
from .conftest import T0

H = timedelta(hours=1)


def done_at(
    centre: PatrolCentre, zone: str, *hours: float, kind: TaskKind = TaskKind.PATROL
) -> None:
    for h in hours:
        task = centre.queue.enqueue(
            NewTask(kind, zone, 2, T0 + h * H - 0.5 * H, 36.6, 116.9, 600.0), T0
        )
        centre.queue.task_completed(task.id, T0 + h * H)


def spell(centre: PatrolCentre, zone: str, cause: str, since: float, until: float | None) -> None:
    with centre.database.transaction() as session:
        session.add(
            PatrolLogRow(
                zone=zone,
                cause=cause,
                reason=f"{cause} from {since} h",
                since=T0 + since * H,
                until=None if until is None else T0 + until * H,
            )
        )


def test_gaps_mean_max_and_late_gaps_with_their_reasons(centre: PatrolCentre) -> None:
    done_at(centre, "park", 0.0, 1.0, 2.0, 4.5, 5.5)
    done_at(centre, "park", 3.0, kind=TaskKind.QUICK_RESPONSE)  # not a patrol of the zone
    spell(centre, "park", "wind", 2.2, 3.4)
    spell(centre, "park", "night", 3.4, 4.3)
    spell(centre, "park", "no_drone", 4.3, 4.4)
    spell(centre, "park", "overlap", 3.0, 3.0)
    spell(centre, "park", "wind", 0.2, 0.4)  # before the late gap: not among its reasons
    spell(centre, "other", "night", 2.0, 5.0)
    (report,) = compliance(centre.database, [Target("park", 2, 60)], T0, T0 + 6 * H)
    assert report.patrols == 5
    assert report.mean_gap_minutes == pytest.approx((60 + 60 + 150 + 60) / 4)
    assert report.max_gap_minutes == pytest.approx(150)
    (late,) = report.late_gaps
    assert (late.start, late.end, late.open_start, late.open_end) == (
        T0 + 2 * H,
        T0 + 4.5 * H,
        False,
        False,
    )
    assert [(r.cause, round(r.minutes), r.count) for r in late.reasons] == [
        ("wind", 72, 1),
        ("night", 54, 1),
        ("no_drone", 6, 1),
        ("overlap", 0, 1),
    ]
    assert late.reasons[0].example == "wind from 2.2 h"
    assert not report.meets_target


def test_tolerance_decides_what_is_late(centre: PatrolCentre) -> None:
    done_at(centre, "park", 0.0, 1.05, 2.1)
    (strict,) = compliance(centre.database, [Target("park", 2, 60)], T0, T0 + 2.5 * H, 0.0)
    (lenient,) = compliance(centre.database, [Target("park", 2, 60)], T0, T0 + 2.5 * H, 0.1)
    assert len(strict.late_gaps) == 2 and lenient.meets_target


def test_period_edges_are_open_gaps_and_an_open_spell_counts_up_to_the_period_end(
    centre: PatrolCentre,
) -> None:
    done_at(centre, "park", -1.0, 0.5)
    spell(centre, "park", "paused", 1.0, None)
    (report,) = compliance(centre.database, [Target("park", 2, 60)], T0, T0 + 4 * H)
    assert report.patrols == 1
    assert [(g.minutes, g.open_start, g.open_end) for g in report.late_gaps] == [
        (pytest.approx(90), False, False),
        (pytest.approx(210), False, True),
    ]
    assert report.late_gaps[1].reasons[0].cause == "paused"
    assert report.late_gaps[1].reasons[0].minutes == pytest.approx(180)
    (never,) = compliance(centre.database, [Target("ghost", 1, 60)], T0, T0 + 4 * H)
    assert (never.patrols, never.meets_target) == (0, False)
    assert never.late_gaps[0].open_start and never.late_gaps[0].open_end


def test_a_period_must_have_a_positive_length(centre: PatrolCentre) -> None:
    with pytest.raises(ValueError, match="end must come after its start"):
        compliance(centre.database, [], T0, T0)
