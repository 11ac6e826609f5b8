"""Command line: ``aqi`` on a CSV, ``ingest`` station files, ``cube info``, ``cube break-lease``,
``layouts``.

Exit codes: 0 done; 1 something was quarantined; 2 bad input (nothing was written for the file
at fault); 3 an internal error (reported in one line, never a traceback).
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from sensors.aqi import COLUMNS, STANDARDS, aqi_arrays
from sensors.aqi.scalar import pollutant_of
from sensors.cubes import STATIONS
from sensors.cubes.store import CubeError, local_path, writer_lease
from sensors.feeds import FeedLayout, IngestError, LayoutError, detect, get, layouts, sniff
from sensors.feeds.mapping import MappingError, MappingLayout
from sensors.ingest.checks import cell_reasons
from sensors.reasons import Reason
from sensors.units import UnitError


class UsageError(ValueError):
    """A command line that asks for something that cannot be done."""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m sensors", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    a = sub.add_parser("aqi", help="add IAQI, AQI, primary pollutant and category to a CSV")
    a.add_argument("--standard", choices=STANDARDS, default="hj633-2026")
    a.add_argument("--mode", choices=("hourly", "daily"), default="hourly")
    a.add_argument("--lang", choices=("zh", "en"), default="zh", help="category language")
    a.add_argument("file", type=Path)
    i = sub.add_parser("ingest", help="ingest station data and metadata files")
    i.add_argument("files", type=Path, nargs="+")
    i.add_argument("--cubes", type=_cubes_path, default=Path("var/cubes"))
    i.add_argument("--mapping", type=Path, help="TOML file describing the data files' columns")
    i.add_argument("--layout", help="layout name (default: detected from each file)")
    i.add_argument("--no-progress", action="store_true")
    c = sub.add_parser("cube", help="describe the cubes; break a crashed writer's lease")
    c.add_argument("action", choices=("info", "break-lease"))
    c.add_argument("path", nargs="?", help="break-lease: the cube (e.g. var/cubes/stations.zarr)")
    c.add_argument("--cubes", type=_cubes_path, default=Path("var/cubes"))
    sub.add_parser("layouts", help="list the feed layouts this installation reads")
    return p


def _cubes_path(text: str) -> Path:
    """A --cubes value: a path or a file:// URL (other schemes are refused by name)."""
    try:
        return local_path(text)
    except CubeError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "aqi":
            return _aqi(args)
        if args.command == "ingest":
            return _ingest(args)
        if args.command == "layouts":
            return _layouts()
        if args.action == "break-lease":
            return _break_lease(args)
        return _info(args)
    except (IngestError, MappingError, LayoutError, UsageError, CubeError, UnitError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:  # e.g. a path with a NUL byte in it
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # one line for the user, never a traceback
        print(f"internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 3


def _aqi(args: argparse.Namespace) -> int:
    path: Path = args.file
    sniff(path)  # a clear error for a file that is not UTF-8 CSV text
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError) as exc:
        raise IngestError(path, 0, "csv", str(exc).strip().splitlines()[0]) from exc
    columns = [c for c in frame.columns if c in COLUMNS]
    if not columns:
        raise IngestError(path, 1, "header", f"no concentration column ({', '.join(COLUMNS)})")
    values = {}
    for c in columns:
        text = frame[c].fillna("").str.strip()
        v = pd.to_numeric(text.where(text != "", None), errors="coerce").to_numpy(
            dtype=np.float64, na_value=np.nan
        )
        reasons = cell_reasons(v, pollutant_of(c), np.asarray(text, dtype=object))
        reasons[(text == "").to_numpy()] = 0
        bad = np.flatnonzero(reasons)
        if bad.size:
            row = int(bad[0])
            more = f" (and {bad.size - 1} more in this column)" if bad.size > 1 else ""
            why = Reason(int(reasons[row]))
            raise IngestError(path, row + 2, c, f"{frame[c].iloc[row]!r} is {why.meaning}{more}")
        values[c] = v
    res = aqi_arrays(values, args.standard, args.mode)
    out = frame.copy()
    for c in columns:
        out[f"iaqi_{c}"] = _ints(res.iaqi[c])
    out["aqi"] = [("NA" if np.isnan(x) else str(int(x))) for x in res.aqi]
    out["primary_pollutant"] = res.primary_labels()
    out["category"] = res.category_labels(args.lang)
    out.to_csv(sys.stdout, index=False, lineterminator="\n")
    return 0


def _ints(a: np.ndarray) -> list[str]:
    return ["" if np.isnan(x) else str(int(x)) for x in a]


def _ingest(args: argparse.Namespace) -> int:

    from sensors.feeds.meta import is_metadata

    files: list[Path] = list(args.files)
    for f in files:
        if f.suffix.lower() == ".tlog":
            raise UsageError(
                f"{f}: telemetry logs are ingested by the command centre: "
                f"python -m command ingest {f} --vehicle VEHICLE --sortie SORTIE"
            )
    if args.mapping and args.layout:
        raise UsageError("give --mapping or --layout, not both")
    chosen: FeedLayout | None = None
    if args.mapping:
        chosen = MappingLayout.from_file(args.mapping)
    elif args.layout:
        chosen = get(args.layout)
    kinds = {}
    for f in files:  # fail before writing anything if a file is unreadable or unknown
        if not f.is_file():
            raise IngestError(f, 0, "file", "no such file")
        feed = sniff(f)
        meta = is_metadata(feed)
        if not meta and chosen is None:
            detect(feed)
        elif not meta and chosen is not None and not chosen.can_open(feed):
            raise IngestError(
                f, 1, "header", f"not a {chosen.name} file: {','.join(feed.header or ())[:200]!r}"
            )
        kinds[f] = "meta" if meta else "data"
    files.sort(key=lambda f: kinds[f] != "meta")  # station metadata first
    owner = f"python -m sensors ingest {socket.gethostname()}:{os.getpid()}"
    with writer_lease(Path(args.cubes) / STATIONS, owner):  # the run is the one writer
        return _ingest_files(args, files, kinds, chosen)


def _ingest_files(
    args: argparse.Namespace, files: list[Path], kinds: dict[Path, str], chosen: FeedLayout | None
) -> int:
    from tqdm import tqdm

    from sensors.ingest import ingest_file

    status = 0
    for f in files:
        bar = None
        if not args.no_progress and kinds[f] != "meta" and f.stat().st_size > 8 << 20:
            bar = tqdm(unit="rows", desc=f.name, file=sys.stderr)
        try:
            report = ingest_file(
                f,
                args.cubes,
                layout=chosen if kinds[f] == "data" else None,
                progress=bar.update if bar else None,
            )
        finally:
            if bar is not None:
                bar.close()
        print(report.summary())
        status = max(status, 1 if report.quarantined else 0)
    return status


def _break_lease(args: argparse.Namespace) -> int:
    from sensors.cubes.store import break_lease

    if not args.path:
        raise UsageError("cube break-lease: give the cube's path (e.g. var/cubes/stations.zarr)")
    path = local_path(args.path)
    doc = break_lease(path)
    if doc is None:
        print(f"{path}: no lease to break")
        return 0
    print(f"{path}: removed the lease of {doc.get('owner', '?')} since {doc.get('since', '?')}")
    return 0


def _layouts() -> int:
    for name, layout in sorted(layouts().items(), key=lambda kv: (kv[1].priority, kv[0])):
        doc = (type(layout).__doc__ or "").strip().splitlines()
        print(f"{name:12s} {doc[0] if doc else ''}")
    return 0


def _info(args: argparse.Namespace) -> int:
    from sensors.cubes import cube_info

    infos = cube_info(args.cubes)
    if not infos:
        print(f"no cubes under {args.cubes}")
        return 0
    for info in infos:
        print(f"{info['cube']}  ({info['featureType']})  {info['path']}")
        print(f"  sizes: {info['sizes']}")
        print(f"  time:  {info['time_span'] or '(empty)'}")
        print(f"  variables: {', '.join(info['variables'])}")
        first = next(iter(info["chunks"].items()), None)
        if first:
            print(f"  chunks: {first[0]} {first[1]}")
    return 0
