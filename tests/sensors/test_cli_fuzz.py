"""``python -m sensors`` fuzzed: any argument values and file contents end in a message and an
exit status (0, 1 or 2), never a traceback or an internal error."""

from __future__ import annotations

import contextlib
import io
import tempfile
from pathlib import Path

from hypothesis import example, given, settings
from hypothesis import strategies as st

from sensors.cli import main

HEADERS = [
    "time_utc,station_id,station_name,latitude,longitude,pm2_5,pm10,so2,no2,co,o3,voc",
    "time_utc,station_id,pollutant,value,unit",
    "station_id,name,latitude,longitude,height_m",
    "StationCode,TimePoint,SO2,NO2,CO,O3,PM10,PM2.5",
    "pm2_5_24h,so2_1h,o3_8h,co_1h",
    '"station","time","PM2.5"',
]
CELLS = st.sampled_from(
    [
        "",
        "1",
        "-9999",
        "NA",
        "inf",
        "-inf",
        "1e308",
        "99999999",
        "nan",
        "2026-05-01T00:00Z",
        "2099-01-01T00:00",
        "SIM-1001A",
        "ppb",
        "mg/m3",
        '"',
        '""',
        "ü",
        "\t",
        "0x1",
        "1,5",
    ]
)
ROW = st.lists(CELLS, min_size=0, max_size=14).map(",".join)
TEXT = st.tuples(
    st.sampled_from(HEADERS), st.lists(ROW, max_size=6), st.sampled_from(["\n", "\r", "\r\n"])
)
CONTENT = st.one_of(
    TEXT.map(lambda t: (t[2].join([t[0], *t[1]]) + t[2]).encode()),
    st.binary(max_size=300),
    st.text(max_size=200).map(lambda s: s.encode("utf-8", "surrogatepass")),
)
TOML = st.one_of(
    st.text(max_size=120),
    st.sampled_from(
        [
            '[station]\ncolumn="station_id"\n[time]\ncolumn="time_utc"\n'
            '[columns]\npm2_5={pollutant="pm2_5",unit="ug/m3"}\n',
            '[station]\nid=""\n[time]\nyear=1\n[columns]\n',
            "[columns]\nx = 1\n",
            "a = [[[[[[]]]]]]\n",
        ]
    ),
)
WORDS = st.sampled_from(
    [
        "aqi",
        "ingest",
        "cube",
        "info",
        "layouts",
        "--standard",
        "epa",
        "hj633-2012",
        "--mode",
        "daily",
        "--lang",
        "en",
        "--cubes",
        "--mapping",
        "--layout",
        "national",
        "bureau",
        "--no-progress",
        "x.tlog",
        "-",
        "--",
        "",
    ]
)


def _run(argv: list[str]) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse: usage message, status 2 (0 for --help)
            code = int(exc.code or 0)
    return code, err.getvalue()


def _check(argv: list[str]) -> None:
    code, err = _run(argv)
    assert code in (0, 1, 2), (argv, code, err)
    assert "Traceback" not in err and "internal error" not in err, (argv, err)


@settings(max_examples=60, deadline=None)
@given(content=CONTENT, suffix=st.sampled_from([".csv", ".json", ".tlog", ".txt"]))
def test_any_file_content(content: bytes, suffix: str):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"in{suffix}"
        path.write_bytes(content)
        _check(["aqi", str(path)])
        _check(["ingest", "--no-progress", "--cubes", f"{tmp}/cubes", str(path)])


@settings(max_examples=40, deadline=None)
@given(mapping=TOML, content=CONTENT)
def test_any_mapping_file(mapping: str, content: bytes):
    with tempfile.TemporaryDirectory() as tmp:
        toml = Path(tmp) / "m.toml"
        toml.write_text(mapping, encoding="utf-8", errors="surrogatepass")
        data = Path(tmp) / "d.csv"
        data.write_bytes(content)
        _check(["ingest", "--cubes", f"{tmp}/c", "--mapping", str(toml), str(data)])


@settings(max_examples=80, deadline=None)
@given(words=st.lists(st.one_of(WORDS, st.text(max_size=8)), max_size=7))
@example(words=["ingest", "--cubes", "c\x00x"])
@example(words=["aqi", "--standard", "hj633-2026", "no\x00such.csv"])
@example(words=["ingest", "--layout", "bureau"])
@example(words=["ingest"])
@example(words=["ingest", "--mapping", "\x00", "--layout", "long"])
def test_any_arguments(words: list[str]):
    # in a folder of its own: an ingest without --cubes writes to the default var/cubes
    with tempfile.TemporaryDirectory() as tmp, contextlib.chdir(tmp):
        data = Path(tmp) / "d.csv"
        data.write_text(HEADERS[0] + "\n", encoding="utf-8")
        argv = [w.replace("d.csv", str(data)) for w in words]
        if "--cubes" in argv:
            argv = [
                f"{tmp}/{w}" if i and argv[i - 1] == "--cubes" else w for i, w in enumerate(argv)
            ]
        _check([*argv, str(data)] if argv and argv[0] in ("aqi", "ingest") else argv)
