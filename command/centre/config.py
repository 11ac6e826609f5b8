"""The command centre's configuration: a TOML file (or the embedded defaults), checked whole
before anything starts. A bad file is refused with the key named (`centre.toml: vehicles[1].connect:
...`); relative paths are taken from the file's own folder, never from the working directory.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from command.sensing.config import SensingConfig
from command.video.config import VideoConfig


class ConfigError(ValueError):
    """The configuration cannot be used; the message names the file and the key."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class VehicleConfig(_Section):
    """One drone the centre links to."""

    name: str = Field(min_length=1, max_length=64)
    connect: str = Field(min_length=1, max_length=256)
    signing_key: str | None = None
    payload: tuple[str, ...] = ("pm2_5", "pm10", "so2", "no2", "co", "o3", "voc")
    camera: bool = True

    @field_validator("connect")
    @classmethod
    def _connection_string(cls, value: str) -> str:
        from command.link.address import parse_connection_string
        from command.link.errors import ConnectionStringError

        try:
            parse_connection_string(value)
        except ConnectionStringError as exc:
            raise ValueError(str(exc)) from None
        return value

    @field_validator("signing_key")
    @classmethod
    def _key(cls, value: str | None) -> str | None:
        if value is None:
            return None
        from command.link.signing import SigningKey, SigningKeyError

        try:
            SigningKey.from_config(value)
        except SigningKeyError as exc:
            raise ValueError(str(exc)) from None
        return value


class FeedConfig(_Section):
    """A station feed the centre follows and appends to the station cube as it grows."""

    name: str = Field(min_length=1, max_length=64)
    path: Path
    layout: str = "auto"
    metadata: Path | None = None


class LimitsConfig(_Section):
    """What may fly: height ceiling above home (m), battery reserve and start minimum (%), wind
    limit (m/s; critical work may have a higher one), whether patrols fly at night (critical
    work of priority `night_exempt_priority` or more urgent may)."""

    ceiling_m: float = Field(default=120.0, gt=0, le=500)
    reserve_pct: float = Field(default=25.0, ge=5, le=90)
    min_start_battery_pct: float = Field(default=60.0, ge=10, le=100)
    wind_limit_mps: float = Field(default=10.0, gt=0, le=40)
    critical_wind_limit_mps: float | None = Field(default=None, gt=0, le=40)
    fly_at_night: bool = False
    night_exempt_priority: int = Field(default=1, ge=0, le=4)


class SchedulerConfig(_Section):
    """Patrol scheduling: on or off, the local time zone of the bureau."""

    enabled: bool = True
    timezone: str = "Asia/Shanghai"


class AlertsConfig(_Section):
    """Alert rules file and whether a bad rule stops the centre from starting; how often rules
    that watch time (a silent station) are judged (s)."""

    rules: Path | None = None
    strict: bool = False
    tick_s: float = Field(default=60.0, gt=0, le=3600)


class CubesConfig(_Section):
    """Where cube computations run: `dask_scheduler` names a dask.distributed scheduler
    (`tcp://host:8786`); "" means the local threaded scheduler. When the key is absent the
    environment variable DASK_SCHEDULER_ADDRESS is used; when present, the key wins."""

    dask_scheduler: str | None = Field(default=None, max_length=256)

    @field_validator("dask_scheduler")
    @classmethod
    def _address(cls, value: str | None) -> str | None:
        if not value:
            return value
        scheme, sep, where = value.partition("://")
        if not sep or scheme not in _DASK_SCHEMES or not where or where.strip() != where:
            raise ValueError(
                f"{value!r} is not a Dask scheduler address "
                f'({" or ".join(s + "://host:port" for s in _DASK_SCHEMES)}, or "" for threads)'
            )
        return value


_DASK_SCHEMES = ("tcp", "tls", "inproc", "ucx")


class ControlConfig(_Section):
    """The daemon's control API, through which the web workers reach it (command.control):
    where it listens (`host:port`; port 0 takes a free one), the URL it advertises to the
    workers through the database (default: http://<listen address>), and the file holding the
    shared secret (default `<var_dir>/control_secret`, made on first use, owner-only)."""

    listen: str = Field(default="127.0.0.1:0", max_length=256)
    advertise: str | None = Field(default=None, max_length=300)
    secret_file: Path | None = None

    @field_validator("listen")
    @classmethod
    def _listen(cls, value: str) -> str:
        host, sep, port = value.rpartition(":")
        if not sep or not host or not port.isdigit() or int(port) > 65535:
            raise ValueError(f"{value!r} is not host:port (port 0 to 65535)")
        return value

    @field_validator("advertise")
    @classmethod
    def _advertise(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError(f"{value!r} is not an http:// or https:// URL")
        return value.rstrip("/") if value else value


class CentreConfig(_Section):
    """Everything the command centre is built from."""

    var_dir: Path = Path("var")
    database_url: str | None = None
    cubes_dir: Path | None = None
    tracks_dir: Path | None = None
    zones: Path | None = None
    actor: str = Field(default="centre", min_length=1, max_length=64)
    heartbeat_hz: float = Field(default=1.0, gt=0, le=50)
    telemetry_hz: float = Field(default=5.0, gt=0, le=250)
    link_wait_s: float = Field(default=30.0, gt=0, le=600)
    vehicles: tuple[VehicleConfig, ...] = ()
    feeds: tuple[FeedConfig, ...] = ()
    limits: LimitsConfig = LimitsConfig()
    scheduler: SchedulerConfig = SchedulerConfig()
    alerts: AlertsConfig = AlertsConfig()
    sensing: SensingConfig = SensingConfig()
    cubes: CubesConfig = CubesConfig()
    video: VideoConfig | None = None
    control: ControlConfig = ControlConfig()
    console: dict[str, Any] = Field(default_factory=dict)
    """The web console's `[console]` table: the daemons and the web workers share one file;
    the console checks this table itself (web.runtime.ConsoleConfig)."""

    @field_validator("cubes_dir", mode="before")
    @classmethod
    def _cubes_url(cls, value: Any) -> Any:
        """A file:// URL names a local (or mounted shared) folder; other schemes are refused."""
        if not isinstance(value, str):
            return value
        from sensors.cubes.store import CubeError, local_path

        try:
            return local_path(value)
        except CubeError as exc:
            raise ValueError(str(exc)) from None

    @field_validator("heartbeat_hz", "telemetry_hz")
    @classmethod
    def _finite(cls, value: float) -> float:
        if not math.isfinite(value):
            raise ValueError("must be a finite number")
        return value

    @model_validator(mode="after")
    def _unique_names(self) -> CentreConfig:
        for what, items in (("vehicles", self.vehicles), ("feeds", self.feeds)):
            seen: set[str] = set()
            for i, item in enumerate(items):
                if item.name in seen:
                    raise ValueError(f"{what}[{i}].name: {item.name!r} is used twice")
                seen.add(item.name)
        return self

    # --- derived paths ----------------------------------------------------------------------
    @property
    def cubes_path(self) -> Path:
        """Where the zarr cubes live."""
        return self.cubes_dir or self.var_dir / "cubes"

    @property
    def tracks_path(self) -> Path:
        """Where each sortie's track file is written."""
        return self.tracks_dir or self.var_dir / "tracks"

    @property
    def control_secret_path(self) -> Path:
        """The file of the control API's shared secret."""
        return self.control.secret_file or self.var_dir / "control_secret"

    @property
    def database(self) -> str:
        """The database URL: the configured one, else an SQLite file under var_dir."""
        return self.database_url or f"sqlite+pysqlite:///{self.var_dir / 'ecopatrol.sqlite'}"


_PATH_KEYS = {
    (): ("var_dir", "cubes_dir", "tracks_dir", "zones"),
    ("alerts",): ("rules",),
    ("control",): ("secret_file",),
    ("feeds", "*"): ("path", "metadata"),
}

_URL_KEYS = ("cubes_dir",)
"""Path keys that may also be given as a URL (file:// today)."""


def load_config(path: str | Path, model: type[BaseModel] = CentreConfig) -> Any:
    """Read and check a TOML config file; relative paths are resolved against its folder."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    return config_from_mapping(raw, model, source=str(path), base=path.resolve().parent)


def config_from_mapping(
    raw: Mapping[str, Any],
    model: type[BaseModel] = CentreConfig,
    *,
    source: str = "config",
    base: Path | None = None,
) -> Any:
    """Check a parsed configuration; errors name `source` and the key path."""
    data = _resolve_paths(dict(raw), base) if base is not None else dict(raw)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, source)) from None


def _resolve_paths(data: dict[str, Any], base: Path) -> dict[str, Any]:
    def fix(table: Any, keys: tuple[str, ...]) -> None:
        if not isinstance(table, dict):
            return
        for key in keys:
            value = table.get(key)
            if key in _URL_KEYS and isinstance(value, str) and "://" in value:
                continue  # a URL: checked (and made a local path) by the model
            if isinstance(value, str) and value and not Path(value).is_absolute():
                table[key] = str(base / value)

    for where, keys in _PATH_KEYS.items():
        if not where:
            fix(data, keys)
        elif where[-1] == "*":
            items = data.get(where[0])
            for item in items if isinstance(items, list) else ():
                fix(item, keys)
        else:
            fix(data.get(where[0]), keys)
    return data


def _describe(exc: ValidationError, source: str) -> str:
    lines = []
    for error in exc.errors():
        key = ""
        for part in error["loc"]:
            key += f"[{part}]" if isinstance(part, int) else (f".{part}" if key else str(part))
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown key"
        lines.append(f"{source}: {key or '(top level)'}: {message}")
    return "; ".join(lines)
