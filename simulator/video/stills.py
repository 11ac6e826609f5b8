"""Still images on camera triggers: JPEG with EXIF GPS position (WGS 84), altitude and UTC time,
named by the image index CAMERA_IMAGE_CAPTURED reports."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path

import piexif
from PIL import Image

from simulator.video.state import CameraState

JPEG_QUALITY = 90


def still_path(directory: Path, sysid: int, image_index: int) -> Path:
    """Where image `image_index` (0-based, as in CAMERA_IMAGE_CAPTURED) of vehicle sysid goes."""
    return directory / f"vehicle-{sysid}" / f"IMG_{image_index:05d}.jpg"


def _rational(value: float, denominator: int) -> tuple[int, int]:
    f = Fraction(value).limit_denominator(denominator)
    return f.numerator, f.denominator


def _dms(deg: float) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int]]:
    """Degrees as EXIF degrees/minutes/seconds rationals (seconds to 1e-5 s ≈ 0.3 mm)."""
    deg = abs(deg)
    d = int(deg)
    m_full = (deg - d) * 60.0
    m = int(m_full)
    s = round((m_full - m) * 60.0 * 100_000)
    return (d, 1), (m, 1), (s, 100_000)


def exif_bytes(state: CameraState, alt_amsl_m: float, model: str) -> bytes:
    """EXIF block: GPS latitude/longitude/altitude (AMSL), GPS UTC date and time, capture time."""
    when = datetime.fromtimestamp(state.time_unix_s, UTC)
    stamp = when.strftime("%Y:%m:%d %H:%M:%S")
    seconds = when.second + when.microsecond / 1e6
    gps = {
        piexif.GPSIFD.GPSVersionID: (2, 3, 0, 0),
        piexif.GPSIFD.GPSLatitudeRef: b"N" if state.lat_deg >= 0 else b"S",
        piexif.GPSIFD.GPSLatitude: _dms(state.lat_deg),
        piexif.GPSIFD.GPSLongitudeRef: b"E" if state.lon_deg >= 0 else b"W",
        piexif.GPSIFD.GPSLongitude: _dms(state.lon_deg),
        piexif.GPSIFD.GPSAltitudeRef: 0 if alt_amsl_m >= 0 else 1,
        piexif.GPSIFD.GPSAltitude: _rational(abs(alt_amsl_m), 1000),
        piexif.GPSIFD.GPSTimeStamp: ((when.hour, 1), (when.minute, 1), _rational(seconds, 1000)),
        piexif.GPSIFD.GPSDateStamp: when.strftime("%Y:%m:%d").encode(),
        piexif.GPSIFD.GPSImgDirectionRef: b"T",
        piexif.GPSIFD.GPSImgDirection: _rational(state.heading_deg % 360.0, 100),
    }
    zeroth = {
        piexif.ImageIFD.Make: b"EcoPatrol",
        piexif.ImageIFD.Model: model.encode(),
        piexif.ImageIFD.DateTime: stamp.encode(),
    }
    exif = {
        piexif.ExifIFD.DateTimeOriginal: stamp.encode(),
        piexif.ExifIFD.OffsetTimeOriginal: b"+00:00",
    }
    return piexif.dump({"0th": zeroth, "Exif": exif, "GPS": gps})


def write_still(path: Path, image: Image.Image, exif: bytes) -> None:
    """Write the JPEG whole (a temporary name, then renamed), so no half file is ever seen."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    image.save(tmp, "JPEG", quality=JPEG_QUALITY, exif=exif)
    os.replace(tmp, path)


def read_gps(path: Path) -> tuple[float, float, float, datetime]:
    """Latitude, longitude (degrees), altitude AMSL (m) and UTC time from a still's EXIF."""
    gps = piexif.load(str(path))["GPS"]

    def deg(key: int, ref: int, neg: bytes) -> float:
        (d, dd), (m, md), (s, sd) = gps[key]
        value = d / dd + m / md / 60.0 + s / sd / 3600.0
        return -value if gps[ref] == neg else value

    alt = gps[piexif.GPSIFD.GPSAltitude]
    altitude = alt[0] / alt[1] * (-1 if gps.get(piexif.GPSIFD.GPSAltitudeRef) == 1 else 1)
    (h, hd), (mi, mid), (s, sd) = gps[piexif.GPSIFD.GPSTimeStamp]
    day = datetime.strptime(gps[piexif.GPSIFD.GPSDateStamp].decode(), "%Y:%m:%d")
    micro = round(s / sd * 1e6)
    when = day.replace(
        hour=h // hd, minute=mi // mid, second=micro // 1_000_000, microsecond=micro % 1_000_000
    ).replace(tzinfo=UTC)
    return (
        deg(piexif.GPSIFD.GPSLatitude, piexif.GPSIFD.GPSLatitudeRef, b"S"),
        deg(piexif.GPSIFD.GPSLongitude, piexif.GPSIFD.GPSLongitudeRef, b"W"),
        altitude,
        when,
    )
