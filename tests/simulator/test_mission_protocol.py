"""Mission, fence and rally transfer as ArduPilot serves it, errors included."""

from __future__ import annotations

import time

from simulator import geo
from tests.helpers.sitl import C, Gcs, sitl
from tests.simulator.conftest import HOME, square_mission


def test_upload_download_round_trip_as_arducopter_stores_it_seen_from_a_second_port(
    tmp_path,
) -> None:
    with sitl(tmp_path, speedup=5) as s:
        g = Gcs(s.url())
        other = Gcs(s.url(0, serial=1))  # SITL's SERIAL1: its own port, its own client
        items = square_mission(HOME)
        items.insert(2, (C.MAV_FRAME_MISSION, C.MAV_CMD_DO_CHANGE_SPEED, [1, 7.5, -1, 0], 0, 0, 0))
        items.insert(3, (C.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT, 16, [2.7, 3, 0, 0], *HOME, 25.123))
        assert g.upload(items) == C.MAV_MISSION_ACCEPTED
        for gcs in (g, other):
            got = gcs.download()
            assert len(got) == len(items)
            assert got[0].command == C.MAV_CMD_NAV_WAYPOINT  # item 0 is home
            take_off, speed, held = got[1], got[2], got[3]
            # Positional commands: frame 3 (the _INT frame's plain twin), position kept.
            assert (take_off.frame, take_off.command, take_off.z) == (3, 22, 20.0)
            # A DO command has no position: frame 0, only the parameters ArduPilot keeps.
            assert (speed.frame, speed.command) == (0, C.MAV_CMD_DO_CHANGE_SPEED)
            assert [speed.param1, speed.param2, speed.param3, speed.param4] == [1, 7.5, -1, 0]
            # A waypoint keeps its whole-second delay only; altitude in whole centimetres.
            assert [held.param1, held.param2, held.param3, held.param4] == [2, 0, 0, 0]
            assert abs(held.z - 25.12) < 1e-5
            assert (held.x, held.y) == (int(HOME[0] * 1e7), int(HOME[1] * 1e7))
            for sent, item in zip(items[4:], got[4:], strict=True):
                _, command, _, lat, lon, alt = sent
                assert item.command == command
                if command == C.MAV_CMD_NAV_RETURN_TO_LAUNCH:
                    assert (item.frame, item.x, item.y, item.z) == (0, 0, 0, 0.0)
                else:
                    assert item.frame == C.MAV_FRAME_GLOBAL_RELATIVE_ALT
                    assert (item.x, item.y, item.z) == (int(lat * 1e7), int(lon * 1e7), alt)
                    assert [item.param1, item.param2, item.param3, item.param4] == [0, 0, 0, 0]
        g.close()
        other.close()


def test_fence_and_rally_lists_and_clear_all(tmp_path) -> None:
    with sitl(tmp_path, speedup=5) as s:
        g = Gcs(s.url())
        ring = [
            geo.destination(*HOME, n, e)
            for n, e in [(-100, -100), (-100, 100), (100, 100), (100, -100)]
        ]
        fence = [
            (
                C.MAV_FRAME_GLOBAL,
                C.MAV_CMD_NAV_FENCE_POLYGON_VERTEX_INCLUSION,
                [4, 0, 0, 0],
                lat,
                lon,
                0.0,
            )
            for lat, lon in ring
        ]
        fence.append(
            (
                C.MAV_FRAME_GLOBAL,
                C.MAV_CMD_NAV_FENCE_CIRCLE_EXCLUSION,
                [20, 0, 0, 0],
                *geo.destination(*HOME, 50, 50),
                0.0,
            )
        )
        rally = [
            (
                C.MAV_FRAME_GLOBAL_RELATIVE_ALT,
                C.MAV_CMD_NAV_RALLY_POINT,
                [0, 0, 0, 0],
                *geo.destination(*HOME, 80, 0),
                30.0,
            )
        ]
        assert g.upload(fence, C.MAV_MISSION_TYPE_FENCE) == C.MAV_MISSION_ACCEPTED
        assert g.upload(rally, C.MAV_MISSION_TYPE_RALLY) == C.MAV_MISSION_ACCEPTED
        assert [i.command for i in g.download(C.MAV_MISSION_TYPE_FENCE)] == [5001] * 4 + [5004]
        assert len(g.download(C.MAV_MISSION_TYPE_RALLY)) == 1
        # A polygon whose vertex count disagrees with its items is refused whole.
        bad = fence[:3] + fence[4:]
        assert g.upload(bad, C.MAV_MISSION_TYPE_FENCE) == C.MAV_MISSION_INVALID_PARAM1
        assert len(g.download(C.MAV_MISSION_TYPE_FENCE)) == 5  # old fence stays
        g.m.mav.mission_clear_all_send(1, 1, C.MAV_MISSION_TYPE_ALL)
        assert g.recv("MISSION_ACK").type == C.MAV_MISSION_ACCEPTED
        assert g.download(C.MAV_MISSION_TYPE_FENCE) == []
        assert g.download(C.MAV_MISSION_TYPE_RALLY) == []
        g.close()


def test_wrong_sequence_gets_invalid_sequence(tmp_path) -> None:
    with sitl(tmp_path, speedup=5) as s:
        g = Gcs(s.url())
        items = square_mission(HOME)
        g.m.mav.mission_count_send(1, 1, len(items), 0)
        req = g.recv(["MISSION_REQUEST", "MISSION_REQUEST_INT"])
        assert req.seq == 0
        frame, command, p, lat, lon, alt = items[3]
        g.m.mav.mission_item_int_send(
            1, 1, 3, frame, command, 0, 1, *p, int(lat * 1e7), int(lon * 1e7), alt, 0
        )
        assert g.recv("MISSION_ACK").type == C.MAV_MISSION_INVALID_SEQUENCE
        g.close()


def test_count_beyond_capacity_gets_no_space_and_unknown_command_unsupported(tmp_path) -> None:
    with sitl(tmp_path, speedup=5) as s:
        g = Gcs(s.url())
        g.m.mav.mission_count_send(1, 1, 5000, 0)
        assert g.recv("MISSION_ACK").type == C.MAV_MISSION_NO_SPACE
        items = square_mission(HOME)
        items[2] = (3, 31000, [0, 0, 0, 0], 0, 0, 0)  # not a command ArduCopter knows
        assert g.upload(items) == C.MAV_MISSION_UNSUPPORTED
        assert len(g.download()) == 1  # nothing stored beyond home
        g.close()


def test_count_larger_than_items_sent_is_cancelled_and_old_mission_stays(tmp_path) -> None:
    with sitl(tmp_path, speedup=10) as s:
        g = Gcs(s.url())
        items = square_mission(HOME)
        assert g.upload(items) == C.MAV_MISSION_ACCEPTED
        g.m.mav.mission_count_send(1, 1, 4, 0)  # promise 4 items, send only item 0
        g.recv(["MISSION_REQUEST", "MISSION_REQUEST_INT"], lambda m: m.seq == 0)
        frame, command, p, lat, lon, alt = items[0]
        g.m.mav.mission_item_int_send(
            1, 1, 0, frame, command, 0, 1, *p, int(lat * 1e7), int(lon * 1e7), alt, 0
        )
        t0 = time.monotonic()
        ack = g.recv("MISSION_ACK", timeout=10)
        assert ack.type == C.MAV_MISSION_OPERATION_CANCELLED
        assert time.monotonic() - t0 < 10
        assert len(g.download()) == len(items)
        g.close()
