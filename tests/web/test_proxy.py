"""Behind a reverse proxy: the client's address comes from X-Forwarded-For only when the config
trusts that many proxies (`[console] trusted_proxies`); otherwise the header changes nothing,
so a client cannot forge an address to slip past the sign-in throttle or into the audit."""

from __future__ import annotations

from pathlib import Path

import pytest

from command.centre import ConfigError
from command.centre.config import load_config
from command.storage import Database
from tests.web.conftest import csrf_of
from web import WebSettings, create_app
from web.runtime import AppConfig


def sign_in_codes(db: Database, trusted_proxies: int, forwarded: list[str]) -> list[int]:
    """Status of one wrong sign-in per X-Forwarded-For value, in order (limit 2 a minute)."""
    settings = WebSettings(
        secret_key=b"p" * 32, login_limit="2 per minute", trusted_proxies=trusted_proxies
    )
    client = create_app(settings, db).test_client()
    token = csrf_of(client.get("/login").get_data(as_text=True))
    return [
        client.post(
            "/login",
            data={"username": "x", "password": "y" * 12, "csrf_token": token},
            headers={
                "X-Forwarded-For": address,
                "X-Forwarded-Proto": "https",  # CSRF then also checks the Referer, as on TLS
                "Referer": "https://localhost/login",
            },
        ).status_code
        for address in forwarded
    ]


def test_a_trusted_proxy_gives_each_client_its_own_address(db: Database) -> None:
    codes = sign_in_codes(db, 1, ["10.0.0.1", "10.0.0.1", "10.0.0.1", "10.0.0.2"])
    assert codes == [401, 401, 429, 401]  # the throttle counts per forwarded client


def test_without_trusted_proxies_a_forged_forwarded_address_changes_nothing(db: Database) -> None:
    codes = sign_in_codes(db, 0, ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"])
    assert codes == [401, 401, 429, 429]  # all one client: the socket's address


def test_the_proxy_count_is_checked_by_name(tmp_path: Path) -> None:
    config = tmp_path / "centre.toml"
    config.write_text("[console]\ntrusted_proxies = 1\n")
    assert load_config(config, AppConfig).console.trusted_proxies == 1
    config.write_text("[console]\ntrusted_proxies = -1\n")
    with pytest.raises(ConfigError, match=r"console\.trusted_proxies"):
        load_config(config, AppConfig)
