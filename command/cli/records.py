"""Commands that read the records only: they open no vehicle and create no database."""

from __future__ import annotations

import argparse

from command.cli.display import console, history_table
from command.cli.session import CliError, open_db
from command.storage import NotFoundError, list_sorties


def cmd_history(args: argparse.Namespace) -> int:
    """The sortie log, newest first."""
    db = open_db(args.db, create=False)
    try:
        try:
            sorties = list_sorties(db, limit=args.limit, vehicle_name=args.vehicle)
        except NotFoundError:
            raise CliError(f"no vehicle named {args.vehicle!r} in {db.shown_url}") from None
        console.print(history_table(sorties))
    finally:
        db.close()
    return 0
