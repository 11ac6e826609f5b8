"""``daemon --config FILE [--standby]``: the command centre alone, headless, until Ctrl-C or
SIGTERM — the one active daemon of its database (see command.centre.leadership). A second one
is refused; with ``--standby`` it waits as a hot standby and, when the active one stops (killed,
crashed, cut off), takes over: links, the patrol schedules from their job store, and the sorties
left in the air (adopted as they fly on). An active daemon that loses its hold on the database
fences itself (dispatch and patrols stop first) and exits with code 4."""

from __future__ import annotations

import argparse
import logging
import os
import signal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from command.cli.display import console
from command.cli.session import CliError

if TYPE_CHECKING:
    from command.centre.stopsignals import StopSignals

STANDBY_POLL_S = 0.5
"""How often a standby tries to take the leadership (s)."""
REFUSED = 3
"""Exit code: another daemon is active (and this one is not a standby)."""
LOST = 4
"""Exit code: the leadership was lost; this daemon fenced itself and stopped."""
STOPS = frozenset({signal.SIGINT, signal.SIGTERM})
LOST_SIGNAL = signal.SIGUSR1  # the leadership watcher tells the main thread


def add_parser(sub: Any) -> None:
    """The ``daemon`` subcommand's arguments."""
    s = sub.add_parser("daemon", help="run the command centre headless (links, patrols, alerts)")
    s.add_argument("--config", required=True, type=Path, help="the centre's TOML config file")
    s.add_argument(
        "--standby",
        action="store_true",
        help="if another daemon is active on the database, wait and take over when it stops "
        "(without it a second daemon is refused)",
    )
    s.add_argument(
        "--log-level", default="INFO", choices=("DEBUG", "INFO", "WARNING", "ERROR"), help="log"
    )


def run(args: argparse.Namespace) -> int:
    """Become the active daemon (or wait as the standby), run the centre until a stop signal or
    the loss of the leadership, close it cleanly."""
    from command.centre import ConfigError, load_config
    from command.centre.leadership import Leadership, LeadershipError
    from command.centre.stopsignals import StopSignals
    from command.dispatch import this_process
    from command.storage import DatabaseUrlError

    logging.basicConfig(
        level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        config = load_config(args.config)
        if config.database_url is None and os.environ.get("DATABASE_URL", "").strip():
            config = config.model_copy(update={"database_url": os.environ["DATABASE_URL"].strip()})
        leadership = Leadership.for_database(config.database, this_process())
    except (ConfigError, DatabaseUrlError, LeadershipError) as exc:
        raise CliError(str(exc), 2) from None
    with StopSignals(*STOPS, LOST_SIGNAL) as stops:
        try:
            replaced = _become_active(leadership, args.standby, stops)
            if replaced is None:
                return 0
            return _serve(config, leadership, replaced, stops)
        finally:
            leadership.release()


def _become_active(leadership: Any, standby: bool, stops: StopSignals) -> list[str] | None:
    """Take the leadership; as a standby wait for it. The daemons replaced (their owner
    names), or None when stopped while waiting."""
    from command.centre.leadership import LeadershipError

    try:
        if leadership.try_acquire():
            return []
        holder = leadership.holder()
    except LeadershipError as exc:
        raise CliError(str(exc), 2) from None
    where = leadership.where
    if not standby:
        raise CliError(
            f"another command daemon is active on {where} ({holder or 'holder unknown'}): "
            "this one is not started; run it with --standby to wait and take over when that "
            "one stops",
            REFUSED,
        )
    console.print(
        f"standby: the active command daemon on {where} is {holder or 'unknown'}; "
        "waiting to take over",
        highlight=False,
    )
    seen = [holder] if holder else []
    unreachable = False
    while True:
        received = stops.wait(STANDBY_POLL_S)
        if received in STOPS:
            console.print(f"{received.name}: standby stopped")
            return None
        try:
            if leadership.try_acquire():
                break
            holder = leadership.holder()
            unreachable = False
        except LeadershipError as exc:
            if not unreachable:
                console.print(f"standby: {exc}; still waiting", highlight=False)
            unreachable = True
            continue
        if holder and holder not in seen:
            seen.append(holder)
    # The daemon before may act until its own check sees the lock gone: let it fence first.
    if stops.wait(2 * leadership.check_s + 0.5) in STOPS:
        return None
    console.print(
        f"active: took over on {where} from {', '.join(seen) or 'no one'}", highlight=False
    )
    return seen


def _serve(config: Any, leadership: Any, replaced: list[str], stops: StopSignals) -> int:
    from command.centre import CommandCentre, ConfigError
    from command.centre.zoneset import ZoneDocumentError
    from command.storage import StorageError

    try:
        centre = CommandCentre(config, replaces=replaced)
    except (ConfigError, ZoneDocumentError) as exc:
        raise CliError(str(exc), 2) from None
    except StorageError as exc:
        raise CliError(f"database: {exc}", 2) from None
    control: Any = None

    def fence(reason: str) -> None:
        if control is not None:
            control.close()  # no worker's command reaches a fenced centre
        centre.fence(reason)

    lost = leadership.fence_on_loss(fence, LOST_SIGNAL)
    try:
        centre.start()
        control = _control_server(config, centre)
        names = ", ".join(v.name for v in config.vehicles) or "none"
        console.print(
            f"command centre running (active on {leadership.where}): vehicles {names}; "
            f"control API {control.url}; Ctrl-C stops it",
            highlight=False,
        )
        for error in centre.rules.errors:
            console.print(f"alert rule refused: {error}", highlight=False)
        for name, why in centre.unreachable().items():  # the others fly meanwhile
            console.print(f"vehicle {name!r} unreachable: {why}", highlight=False)
        received = stops.next()
        if received == LOST_SIGNAL:
            console.print(
                f"leadership lost ({lost[0] if lost else 'unknown'}): fenced, stopping; "
                "a standby takes over",
                highlight=False,
            )
            return LOST
        console.print(f"{received.name}: stopping the command centre")
    finally:
        if control is not None:
            _withdraw(centre, control)
        centre.close()
    return 0


def _control_server(config: Any, centre: Any) -> Any:
    """The control API the web workers reach this daemon by, listening and advertised."""
    from command.control.endpoint import advertise
    from command.control.interface import SecretError, shared_secret
    from command.control.server import ControlServer

    try:
        secret = shared_secret(config.control_secret_path, create=True)
    except SecretError as exc:
        raise CliError(str(exc), 2) from None
    host, _, port = config.control.listen.rpartition(":")
    try:
        control = ControlServer(
            centre, secret, host.strip("[]"), int(port), config.control.advertise
        )
    except OSError as exc:
        raise CliError(
            f"control.listen {config.control.listen}: {exc.strerror or exc}", 2
        ) from None
    control.start()
    advertise(centre.db, control.url, centre.dispatcher.owner, centre.utcnow())
    return control


def _withdraw(centre: Any, control: Any) -> None:
    """Stop the control API and forget its address (unless a standby already replaced it)."""
    from command.control.endpoint import withdraw

    control.close()
    try:
        withdraw(centre.db, control.url)
    except Exception as exc:  # the database may be what failed: the next daemon overwrites it
        logging.getLogger(__name__).warning("control endpoint not withdrawn: %s", exc)
