"""The event bus: order, filters, bounded queues that drop the oldest, publishers never wait."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from command.events import (
    EventBus,
    ItemReached,
    LinkLost,
    SortieCompleted,
    SortieEvent,
    event_record,
)

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def reached(seq: int) -> ItemReached:
    return ItemReached(time_utc=T0, sortie_id=1, vehicle="a", seq=seq, total=10)


def test_handler_gets_events_in_publishing_order_on_its_own_thread() -> None:
    bus = EventBus()
    got: list[int] = []
    threads: set[str] = set()
    done = threading.Event()

    def handler(event) -> None:
        got.append(event.seq)
        threads.add(threading.current_thread().name)
        if event.seq == 99:
            done.set()

    bus.subscribe("recorder", handler)
    for i in range(100):
        bus.publish(reached(i))
    assert done.wait(5)
    bus.close()
    assert got == list(range(100))
    assert threads == {"events-recorder"}


def test_kinds_filter_by_class_including_subclasses() -> None:
    bus = EventBus()
    sorties = bus.subscribe("sorties", kinds=[SortieEvent])
    links = bus.subscribe("links", kinds=[LinkLost])
    bus.publish(reached(1))
    bus.publish(LinkLost(time_utc=T0, vehicle="a"))
    bus.publish(
        SortieCompleted(time_utc=T0, sortie_id=1, vehicle="a", distance_m=5, battery_used_pct=9)
    )
    assert [e.kind() for e in sorties.drain()] == ["item_reached", "sortie_completed"]
    assert [e.kind() for e in links.drain()] == ["link_lost"]


def test_a_blocked_subscriber_never_blocks_the_publisher_and_loses_only_its_oldest() -> None:
    bus = EventBus()
    gate = threading.Event()
    seen: list[int] = []
    fast: list[int] = []
    slow = bus.subscribe("slow", lambda e: (gate.wait(), seen.append(e.seq)), maxsize=10)
    bus.subscribe("fast", lambda e: fast.append(e.seq))
    for i in range(2000):  # would never return if a publish waited for "slow" (gate is shut)
        bus.publish(reached(i))
    gate.set()
    bus.close()
    assert fast == list(range(2000))
    assert slow.dropped >= 2000 - 11
    assert len(seen) <= 11 and seen[-10:] == list(range(1990, 2000))


def test_a_failing_handler_is_counted_and_keeps_serving() -> None:
    bus = EventBus()
    ok: list[int] = []

    def handler(event) -> None:
        if event.seq % 2:
            raise ValueError("bad")
        ok.append(event.seq)

    sub = bus.subscribe("flaky", handler)
    for i in range(10):
        bus.publish(reached(i))
    bus.close()
    assert ok == [0, 2, 4, 6, 8]
    assert sub.stats().errors == 5 and sub.stats().delivered == 5


def test_pull_subscriber_waits_and_times_out() -> None:
    bus = EventBus()
    sub = bus.subscribe("sse")
    assert sub.get(timeout_s=0.01) is None
    threading.Timer(0.05, lambda: bus.publish(reached(7))).start()
    event = sub.get(timeout_s=5)
    assert isinstance(event, ItemReached) and event.seq == 7
    sub.close()
    bus.publish(reached(8))
    assert sub.get(timeout_s=0) is None
    assert sub.closed


def test_closed_bus_refuses_new_subscribers() -> None:
    bus = EventBus()
    bus.close()
    with pytest.raises(RuntimeError, match="closed"):
        bus.subscribe("late")
    with pytest.raises(ValueError, match="queue size"):
        EventBus().subscribe("tiny", maxsize=0)


def test_event_record_is_json_ready() -> None:
    record = event_record(
        SortieCompleted(
            time_utc=T0, sortie_id=3, vehicle="a", distance_m=float("nan"), battery_used_pct=12.0
        )
    )
    assert record == {
        "kind": "sortie_completed",
        "time_utc": "2026-12-01T08:00:00Z",
        "sortie_id": 3,
        "vehicle": "a",
        "distance_m": None,
        "battery_used_pct": 12.0,
    }
