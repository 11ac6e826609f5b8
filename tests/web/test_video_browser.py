"""The video page in a real browser (headless Chromium) on a live console whose simulated drones
stream their cameras: the live view plays and its frames advance, the snapshot button saves a
JPEG of the stream's size, and a recording plays with its track's marker moving on the map."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from PIL import Image

from command.centre.demo import VEHICLE_NAMES
from command.video import TelemetrySample
from tests.helpers.video import need_ffmpeg, wait_for
from tests.web.live import Browser, LiveConsole, running_console

VEHICLE = VEHICLE_NAMES[0]
WIDTH, HEIGHT = 640, 360  # the simulator's default camera


@pytest.fixture(scope="module")
def live_console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveConsole]:
    """The shared live console, with the drones' cameras on."""
    need_ffmpeg()
    with running_console(tmp_path_factory.mktemp("console-video"), video=True) as live:
        live.wait_ready()
        relay = live.centre.video
        assert relay is not None
        wait_for(lambda: relay.streams[VEHICLE].last_keyframe is not None, 30, "a keyframe")
        yield live


@pytest.fixture
def browser(live_console: LiveConsole) -> Iterator[Browser]:
    b = Browser(live_console.url, language="en")
    try:
        yield b
    finally:
        b.close()


FEED = f'.video-feed[data-vehicle="{VEHICLE}"]'
PLAYBACK = """
const v = document.querySelector(arguments[0] + ' video');
const q = v.getVideoPlaybackQuality();
return [v.currentTime, q.totalVideoFrames, Number(v.closest('figure').dataset.frames)];
"""


def test_the_live_view_plays_and_its_frames_advance(browser: Browser) -> None:
    browser.log_in("viewer")
    browser.open("/video")
    browser.element(FEED)
    browser.wait(lambda d: browser.js(PLAYBACK, FEED)[1] > 5, "decoded frames in the live view", 30)
    t1, decoded1, received1 = browser.js(PLAYBACK, FEED)
    time.sleep(1.5)
    t2, decoded2, received2 = browser.js(PLAYBACK, FEED)
    assert t2 > t1, "video.currentTime advances"
    assert decoded2 > decoded1 and received2 > received1
    # low latency: the player stays within half a second of what has arrived
    lag = browser.js(
        "const v = document.querySelector(arguments[0] + ' video');"
        "return v.buffered.end(v.buffered.length - 1) - v.currentTime;",
        FEED,
    )
    assert lag < 0.6
    assert not [e for e in browser.console_errors() if "video.js" in e or "jmuxer" in e]


def test_the_snapshot_button_saves_a_jpeg_of_the_stream(
    browser: Browser, live_console: LiveConsole
) -> None:
    browser.log_in("officer")
    browser.open("/video")
    button = browser.visible(f"{FEED} .video-snapshot")
    browser.wait(lambda d: browser.js(PLAYBACK, FEED)[2] > 0, "the live view's first frame")
    before = {s.token for s in live_console.centre.video_snapshots()}
    button.click()
    token = browser.wait(
        lambda d: browser.js(
            "return document.querySelector(arguments[0]).dataset.lastSnapshot;", FEED
        ),
        "the snapshot saved",
    )
    assert token not in before
    browser.element(f'#snapshot-list li[data-token="{token}"] img')
    snap = next(s for s in live_console.centre.video_snapshots() if s.token == token)
    with Image.open(snap.path) as picture:
        assert picture.format == "JPEG" and picture.size == (WIDTH, HEIGHT)
    assert snap.actor.startswith("web:officer@")


def test_a_recording_plays_with_its_track_marker_moving(
    browser: Browser, live_console: LiveConsole
) -> None:
    relay = live_console.centre.video
    assert relay is not None
    vehicle = VEHICLE_NAMES[1]
    relay.start_recording(vehicle, None)
    # A track flying north from 36.70° (well away from the drones on the ground, whose own
    # telemetry also reaches the recording), fed as the recording runs.
    for i in range(16):
        relay.telemetry(
            vehicle, TelemetrySample(datetime.now(UTC), 36.70 + i * 2e-4, 116.93, 40.0, 0.0)
        )
        time.sleep(0.25)
    info = relay.stop_recording(vehicle)
    assert info is not None and info.frames > 0
    recording = live_console.centre.recordings(vehicle=vehicle)[0]
    browser.log_in("viewer")
    browser.open(f"/video?recording={recording.id}")
    browser.visible("#playback video")
    marker = "return Number(document.getElementById('playback').dataset.markerLat || 0);"
    browser.wait(lambda d: browser.js(marker) > 0, "the track marker placed")
    browser.wait(
        lambda d: browser.js(marker) >= 36.70 + 10 * 2e-4 - 1e-9,
        "the marker to reach the later part of the track as the video plays",
        30,
    )
    assert browser.js("return document.getElementById('playback-video').currentTime;") > 0.2
    assert browser.js("return document.querySelectorAll('.leaflet-overlay-pane path').length") >= 1
