"""The video page follows the event stream in real Chromium over an in-process centre whose
relay receives a real H.264 RTP clip replayed over UDP: a feed that starts while the page is
open shows live, stalls when its camera pauses and is live again when it resumes, a recording
finished meanwhile (VideoRecordingSaved) is listed, and a snapshot another officer takes through
the API (VideoSnapshotSaved, crossing the control API's stream to a web worker's page) is listed
— without a reload, with the page's fallback poll far longer than the test waits."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient

from command.centre import CommandCentre
from command.centre.config import config_from_mapping
from simulator.video.encoder import StreamFormat
from tests.helpers.video import Replayer, encode_clip, free_udp_ports, need_ffmpeg, wait_for
from tests.web.conftest import log_in
from tests.web.inprocess import console_app, started_centre, worker_app
from tests.web.live import Browser, browsing
from tests.web.test_live_pages import NEVER_MS, cell, live_settings, wait_synced

pytestmark = [pytest.mark.timeout(180), pytest.mark.slow]

VEHICLE = "UAV-1"
FEED = f'.video-feed[data-vehicle="{VEHICLE}"]'


@pytest.fixture(scope="module")
def port() -> int:
    return free_udp_ports(1)


@pytest.fixture(scope="module")
def centre(tmp_path_factory: pytest.TempPathFactory, port: int) -> Iterator[CommandCentre]:
    """A centre with one video stream that nothing sends to yet."""
    need_ffmpeg()
    folder = tmp_path_factory.mktemp("live-video")
    config = config_from_mapping(
        {
            "var_dir": str(folder),
            "scheduler": {"enabled": False},
            "video": {
                "recordings_dir": str(folder / "recordings"),
                "stall_after_s": 1.0,
                "streams": [{"vehicle": VEHICLE, "port": port}],
            },
        },
        source="test",
    )
    with started_centre(config) as c:
        yield c


@pytest.fixture
def browser(centre: CommandCentre) -> Iterator[Browser]:
    with browsing(console_app(centre), language="en") as b:
        yield b


def stream_state(browser: Browser) -> str | None:
    return browser.js("return document.querySelector(arguments[0])?.dataset.streamState", FEED)


def test_the_video_page_shows_a_feed_start_stall_resume_and_a_new_recording(
    centre: CommandCentre, browser: Browser, port: int
) -> None:
    relay = centre.video
    assert relay is not None and relay.streams[VEHICLE].state == "waiting"
    browser.log_in("viewer")
    live_settings(browser, NEVER_MS)
    browser.open("/video")
    wait_synced(browser)
    browser.js("window.sameDocument = true;")  # gone if the page were loaded again
    assert stream_state(browser) == "waiting"
    assert cell(browser, "#recording-list tbody tr") is None

    replay = Replayer(encode_clip(2.0, StreamFormat()), port, loops=1000).start()
    try:
        browser.wait(lambda d: stream_state(browser) == "live", "the feed live")
        assert (cell(browser, f"{FEED} .video-stats") or "").startswith("live")
        replay.paused.set()
        browser.wait(lambda d: stream_state(browser) == "stalled", "the feed stalled")
        replay.paused.clear()
        browser.wait(lambda d: stream_state(browser) == "live", "the feed live again")

        relay.start_recording(VEHICLE, None)
        wait_for(lambda: relay.streams[VEHICLE].recording.frames >= 10, 20, "frames recorded")
        info = relay.stop_recording(VEHICLE)
        assert info is not None and info.frames > 0
    finally:
        replay.stop()
    (recording,) = centre.recordings(vehicle=VEHICLE)
    row = f"#recording-list tr[data-recording='{recording.id}']"
    browser.wait(lambda d: cell(browser, row) is not None, "the new recording listed")
    assert VEHICLE in cell(browser, row)
    assert browser.js("return window.sameDocument === true")
    assert browser.js("return document.body.dataset.live") == "open"
    assert not [e for e in browser.console_errors() if "video.js" in e or "live.js" in e]


@pytest.fixture
def worker_browser(centre: CommandCentre) -> Iterator[tuple[Browser, FlaskClient]]:
    """A browser on a web worker's console (through the control API), and another client of
    that console logged in as an officer."""
    with worker_app(centre) as app, browsing(app, language="en") as b:
        yield b, app.test_client()


def test_the_video_page_lists_a_snapshot_another_officer_takes(
    centre: CommandCentre, worker_browser: tuple[Browser, FlaskClient], port: int
) -> None:
    browser, other = worker_browser
    browser.log_in("viewer")
    live_settings(browser, NEVER_MS)
    browser.open("/video")
    wait_synced(browser)
    browser.js("window.sameDocument = true;")  # gone if the page were loaded again
    before = {s.token for s in centre.video_snapshots()}
    listed = (
        "return [...document.querySelectorAll('#snapshot-list li')].map((e) => e.dataset.token)"
    )
    assert set(browser.js(listed)) == before

    replay = Replayer(encode_clip(2.0, StreamFormat()), port, loops=1000).start()
    try:
        browser.wait(lambda d: stream_state(browser) == "live", "the feed live")
        wait_for(lambda: centre.video.streams[VEHICLE].last_keyframe is not None, 20, "a keyframe")
        csrf = log_in(other, "officer")
        reply = other.post(
            f"/api/video/streams/{VEHICLE}/snapshot", headers={"X-CSRFToken": csrf}, json={}
        )
        assert reply.status_code == 202, reply.get_data(as_text=True)
        token = reply.json["token"]
    finally:
        replay.stop()
    browser.wait(lambda d: token in browser.js(listed), "the other officer's snapshot listed")
    assert VEHICLE in cell(browser, f"#snapshot-list li[data-token='{token}']")
    assert browser.js("return window.sameDocument === true")
    assert browser.js("return document.body.dataset.live") == "open"
    assert not [e for e in browser.console_errors() if "video.js" in e or "live.js" in e]
