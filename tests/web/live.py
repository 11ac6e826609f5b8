"""A live console for browser and end-to-end tests: the simulator as a real subprocess, a
CommandCentre linked to its drones (temp SQLite and cubes), the console on a real loopback port
(werkzeug `make_server` in a thread), one account per role, and a headless Chromium (Debian's
`chromium` through `chromium-driver`) driven by Selenium.

Its fixtures are offered to every module under tests/web by tests/web/conftest.py:

    def test_x(live_console: LiveConsole, browser: Browser) -> None: ...

`live_console` is module-scoped; `browser` is function-scoped (a fresh profile per test).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

from command.centre import CommandCentre
from command.centre.demo import VEHICLE_NAMES, demo_config
from command.link import LinkState
from tests.helpers.sitl import sitl
from tests.helpers.video import free_udp_ports
from web import WebSettings, create_app
from web.users import Role, UserStore

PASSWORD = "correct horse battery"
"""Every test account's password."""
SPEEDUP = 10.0
"""The simulator's speed-up in live console tests."""
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


@dataclass
class LiveConsole:
    """The running whole: the console's URL, the centre, the app and the simulator."""

    url: str
    centre: CommandCentre
    app: Flask
    sim: Any
    var_dir: Path

    def wait_ready(self, timeout_s: float = 60.0) -> None:
        """Until every drone's link is up with a position and home."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            snaps = self.centre.snapshots()
            if len(snaps) == len(VEHICLE_NAMES) and all(
                s.link is LinkState.OK and s.has_position and s.home is not None
                for s in snaps.values()
            ):
                return
            time.sleep(0.2)
        raise AssertionError(f"drones not ready: {self.centre.snapshots()}")


@contextmanager
def serve(app: Flask) -> Iterator[str]:
    """The app on a free loopback port, in a thread, until the block ends; yields its URL."""
    server: BaseWSGIServer = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="console", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(10)


def add_role_accounts(centre: CommandCentre) -> None:
    """One account per role, named after it (viewer, officer, pilot, admin)."""
    store = UserStore(centre.db)
    now = datetime.now(UTC)
    for role in Role:
        store.create(role.label, PASSWORD, role, now)


@contextmanager
def running_console(
    folder: Path, *, scheduler: bool = False, speedup: float = SPEEDUP, video: bool = False
) -> Iterator[LiveConsole]:
    """Simulator + centre + console, all real, stopped in order afterwards; with video, the
    drones' cameras stream (simulator --video) and the centre relays them."""
    var_dir = folder / "var"
    video_port = free_udp_ports(len(VEHICLE_NAMES)) if video else None
    extra = ["--video", "--video-port", str(video_port)] if video_port is not None else []
    with sitl(var_dir / "sim", drones=len(VEHICLE_NAMES), speedup=speedup, extra=extra) as sim:
        config = demo_config(
            var_dir, sim.base_port, speedup=speedup, scheduler=scheduler, video_port=video_port
        )
        centre = CommandCentre(config)
        try:
            centre.start()
            add_role_accounts(centre)
            settings = WebSettings(secret_key=b"live-console-secret-key-32bytes!")
            app = create_app(settings, centre=centre)
            with serve(app) as url:
                yield LiveConsole(url, centre, app, sim, var_dir)
        finally:
            centre.close()


@pytest.fixture(scope="module")
def live_console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveConsole]:
    """One live console (with its simulator) per test module; drones ready."""
    with running_console(tmp_path_factory.mktemp("console")) as live:
        live.wait_ready()
        yield live


class Browser:
    """Headless Chromium on the console: log in, wait for elements, read the network log."""

    def __init__(self, base_url: str, language: str = "zh-CN") -> None:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for arg in (
            "--headless=new",
            "--no-sandbox",
            "--disable-dev-shm-usage",
            "--disable-gpu",
            "--window-size=1400,900",
            f"--lang={language}",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ):
            options.add_argument(arg)
        options.add_experimental_option("prefs", {"intl.accept_languages": language})
        options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
        self.driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
        self.driver.set_page_load_timeout(30)
        self.base_url = base_url
        self._performance: list[dict[str, Any]] = []

    def close(self) -> None:
        """Quit the browser."""
        self.driver.quit()

    def open(self, path: str) -> None:
        """Load a console page."""
        self.driver.get(self.base_url + path)

    def log_in(self, username: str, password: str = PASSWORD) -> None:
        """Log in through the login form and wait for the dashboard."""
        from selenium.webdriver.common.by import By

        self.open("/login")
        self.driver.find_element(By.ID, "username").send_keys(username)
        self.driver.find_element(By.ID, "password").send_keys(password)
        self.driver.find_element(By.ID, "login").click()
        self.wait(lambda d: "/login" not in d.current_url, "the login to finish")

    def wait(self, condition: Callable[[Any], Any], what: str, timeout_s: float = 20.0) -> Any:
        """Until condition(driver) is truthy; its value. An element that went stale (the page
        was replaced while the condition read it, e.g. after a language switch) is asked again."""
        from selenium.common.exceptions import StaleElementReferenceException
        from selenium.webdriver.support.ui import WebDriverWait

        return WebDriverWait(
            self.driver,
            timeout_s,
            poll_frequency=0.1,
            ignored_exceptions=(StaleElementReferenceException,),
        ).until(condition, f"waited {timeout_s} s for {what}")

    def element(self, css: str, timeout_s: float = 20.0) -> Any:
        """The first element matching a CSS selector, once it is present."""
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions as ec

        return self.wait(ec.presence_of_element_located((By.CSS_SELECTOR, css)), css, timeout_s)

    def visible(self, css: str, timeout_s: float = 20.0) -> Any:
        """The first element matching a CSS selector, once it is visible."""
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions as ec

        return self.wait(ec.visibility_of_element_located((By.CSS_SELECTOR, css)), css, timeout_s)

    def js(self, script: str, *args: Any) -> Any:
        """Run JavaScript in the page."""
        return self.driver.execute_script(script, *args)

    def requested_urls(self) -> list[str]:
        """Every URL the browser asked for so far (from the DevTools performance log)."""
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message.get("method") == "Network.requestWillBeSent":
                self._performance.append(message["params"]["request"])
        return [r["url"] for r in self._performance]

    def requested_hosts(self) -> set[str]:
        """The hosts (host:port) of every http(s)/ws URL the browser requested."""
        hosts = set()
        for url in self.requested_urls():
            parts = urlsplit(url)
            if parts.scheme in {"http", "https", "ws", "wss"}:
                hosts.add(parts.netloc)
        return hosts

    def console_errors(self) -> list[str]:
        """SEVERE messages of the page's console (script errors, CSP violations)."""
        return [e["message"] for e in self.driver.get_log("browser") if e["level"] == "SEVERE"]


@contextmanager
def browsing(app: Flask, language: str = "zh-CN") -> Iterator[Browser]:
    """A browser on `app`, served on a free loopback port; both closed with the block."""
    with serve(app) as url:
        b = Browser(url, language=language)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def browser(live_console: LiveConsole) -> Iterator[Browser]:
    """A fresh headless Chromium on the live console."""
    b = Browser(live_console.url)
    try:
        yield b
    finally:
        b.close()
