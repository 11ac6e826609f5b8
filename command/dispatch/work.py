"""The work a sortie leaves undone, as the patrol queue takes it back."""

from __future__ import annotations

from types import MappingProxyType

from command.events import WorkLeft
from command.patrols.tasks import Remainder


def queue_remainder(left: WorkLeft) -> Remainder:
    """The queue's `Remainder` for work left: the time on task still to fly (s) and, in its
    detail, where to resume and the rest itself (`RemainingWork.from_detail(detail["resume"])`
    and `missions.remainder.resume_mission` fly it from any drone's home)."""
    return Remainder(
        work_s=left.work_s,
        detail=MappingProxyType(
            {
                "first_unflown_lane": left.first_lane,
                "from_item": left.rest.from_index + 1,
                "lanes_left": left.lanes_left,
                "resume": left.rest.detail(),
            }
        ),
    )
