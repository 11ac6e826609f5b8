"""Command line: ``aqi`` on a CSV, ``ingest`` files into the cubes, ``cube info``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from sensors.aqi import COLUMNS
from sensors.aqi_tables import STANDARDS
from sensors.aqi_vector import aqi_arrays
from sensors.layouts import IngestError, detect


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m sensors", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    a = sub.add_parser("aqi", help="add IAQI, AQI, primary pollutant and category to a CSV")
    a.add_argument("--standard", choices=STANDARDS, default="hj633-2026")
    a.add_argument("--mode", choices=("hourly", "daily"), default="hourly")
    a.add_argument("--lang", choices=("zh", "en"), default="zh", help="category language")
    a.add_argument("file", type=Path)
    i = sub.add_parser("ingest", help="ingest station files, metadata or .tlog drone logs")
    i.add_argument("files", type=Path, nargs="+")
    i.add_argument("--cubes", type=Path, default=Path("var/cubes"))
    i.add_argument("--vehicle", default=None, help="vehicle id (for .tlog files)")
    i.add_argument("--sortie", default=None, help="sortie id (for .tlog files)")
    i.add_argument("--late-window-s", type=float, default=3600.0)
    i.add_argument("--no-progress", action="store_true")
    c = sub.add_parser("cube", help="describe the cubes")
    c.add_argument("action", choices=("info",))
    c.add_argument("--cubes", type=Path, default=Path("var/cubes"))
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "aqi":
            return _aqi(args)
        if args.command == "ingest":
            return _ingest(args)
        return _info(args)
    except (IngestError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _aqi(args: argparse.Namespace) -> int:
    path: Path = args.file
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise IngestError(path, 0, "csv", str(exc).strip()) from exc
    columns = [c for c in frame.columns if c in COLUMNS]
    if not columns:
        raise IngestError(path, 1, "header", f"no concentration column ({', '.join(COLUMNS)})")
    values = {}
    for c in columns:
        text = frame[c].str.strip()
        v = pd.to_numeric(text.where(text != "", None), errors="coerce")
        bad = v.isna() & (text != "")
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise IngestError(path, row + 2, c, f"not a number: {frame[c].iloc[row]!r}")
        values[c] = v.to_numpy(dtype=np.float64, na_value=np.nan)
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
    from tqdm import tqdm

    from sensors.drone import ingest_drone
    from sensors.ingest import ingest_file

    files: list[Path] = list(args.files)
    kinds = {}
    for f in files:  # fail before writing anything if a file is unreadable or unknown
        kinds[f] = "tlog" if f.suffix.lower() == ".tlog" else detect(f)
        if kinds[f] == "tlog" and not (args.vehicle and args.sortie):
            raise IngestError(f, 0, "--vehicle/--sortie", "needed for a .tlog file")
    files.sort(key=lambda f: kinds[f] != "meta")  # station metadata first
    status = 0
    for f in files:
        if kinds[f] == "tlog":
            report = ingest_drone(f, args.vehicle, args.sortie, args.cubes)
        else:
            bar = None
            if not args.no_progress and kinds[f] != "meta":
                total = max(sum(1 for _ in f.open("rb")) - 1, 0)
                bar = tqdm(
                    total=total, unit="rows", desc=f.name, file=sys.stderr, disable=total < 100_000
                )
            try:
                report = ingest_file(
                    f,
                    args.cubes,
                    late_window_s=args.late_window_s,
                    progress=bar.update if bar else None,
                )
            finally:
                if bar is not None:
                    bar.close()
        print(report.summary())
        status = max(status, 1 if report.quarantined else 0)
    return status


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
