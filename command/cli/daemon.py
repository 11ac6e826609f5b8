"""``daemon --config FILE``: the command centre alone, headless, until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import logging
import signal
from pathlib import Path
from typing import Any

from command.cli.display import console
from command.cli.session import CliError


def add_parser(sub: Any) -> None:
    """The ``daemon`` subcommand's arguments."""
    s = sub.add_parser("daemon", help="run the command centre headless (links, patrols, alerts)")
    s.add_argument("--config", required=True, type=Path, help="the centre's TOML config file")
    s.add_argument(
        "--log-level", default="INFO", choices=("DEBUG", "INFO", "WARNING", "ERROR"), help="log"
    )


def run(args: argparse.Namespace) -> int:
    """Build the centre from its config, run it until a stop signal, close it cleanly."""
    from command.centre import CommandCentre, ConfigError, load_config
    from command.centre.zoneset import ZoneDocumentError

    logging.basicConfig(
        level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        config = load_config(args.config)
        centre = CommandCentre(config)
    except (ConfigError, ZoneDocumentError) as exc:
        raise CliError(str(exc), 2) from None
    stops = {signal.SIGINT, signal.SIGTERM}
    # Blocked before any thread starts (threads inherit the mask): the signal is taken here by
    # sigwait, never by a handler interrupting some thread mid-way.
    signal.pthread_sigmask(signal.SIG_BLOCK, stops)
    try:
        centre.start()
        names = ", ".join(v.name for v in config.vehicles) or "none"
        console.print(f"command centre running: vehicles {names}; Ctrl-C stops it", highlight=False)
        for error in centre.rules.errors:
            console.print(f"alert rule refused: {error}", highlight=False)
        for name, why in centre.unreachable().items():  # the others fly meanwhile
            console.print(f"vehicle {name!r} unreachable: {why}", highlight=False)
        received = signal.sigwait(stops)
        console.print(f"{signal.Signals(received).name}: stopping the command centre")
    finally:
        centre.close()
        signal.pthread_sigmask(signal.SIG_UNBLOCK, stops)
    return 0
