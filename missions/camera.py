"""Swath (lane spacing) and camera trigger distance from a camera or a sensing width."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Camera:
    """A nadir camera: sensor (mm), focal length (mm), image (px); long side across track."""

    sensor_width_mm: float = 13.2
    sensor_height_mm: float = 8.8
    focal_length_mm: float = 8.8
    image_width_px: int = 5472
    image_height_px: int = 3648

    def footprint_m(self, altitude_m: float) -> tuple[float, float]:
        """Ground footprint (across track, along track) in metres at a height above ground."""
        scale = altitude_m / self.focal_length_mm
        return self.sensor_width_mm * scale, self.sensor_height_mm * scale

    def gsd_cm(self, altitude_m: float) -> float:
        """Ground sample distance (cm per pixel) across track at a height above ground."""
        return 100.0 * self.footprint_m(altitude_m)[0] / self.image_width_px


@dataclass(frozen=True)
class Swath:
    """Lane spacing `spacing_m` and what one lane senses; trigger distance 0 means no camera.

    The footprint is `sensed_width_m` across track by `footprint_along_m` along track (a camera:
    the image height on the ground; a strip sensor: its width unless `along_track_m` is given).
    """

    spacing_m: float
    sensed_width_m: float
    trigger_distance_m: float = 0.0
    along_track_m: float | None = None  # None: as long as the swath is wide

    def __post_init__(self) -> None:
        if not self.spacing_m > 0 or not self.sensed_width_m >= self.spacing_m:
            raise ValueError(
                f"swath: spacing_m {self.spacing_m} must be positive and at most "
                f"sensed_width_m {self.sensed_width_m}"
            )
        if self.along_track_m is not None and not self.along_track_m >= 0:
            raise ValueError(f"swath: along_track_m must be >= 0, got {self.along_track_m}")

    @property
    def footprint_along_m(self) -> float:
        """Along-track length of the footprint (m)."""
        return self.sensed_width_m if self.along_track_m is None else self.along_track_m

    @property
    def lane_inset_m(self) -> float:
        """How far inside the zone edge a lane may end and still see the edge (m).

        Half the along-track footprint, less one trigger distance for a camera: images are
        taken every `trigger_distance_m`, so the last one may come that much before the lane end.
        """
        return max(0.0, self.footprint_along_m / 2.0 - self.trigger_distance_m)


def swath_from_camera(
    camera: Camera, altitude_m: float, side_overlap: float = 0.7, forward_overlap: float = 0.8
) -> Swath:
    """Lanes spaced so images overlap by `side_overlap`; trigger from `forward_overlap`."""
    for name, value in (("side_overlap", side_overlap), ("forward_overlap", forward_overlap)):
        if not 0.0 <= value < 1.0:
            raise ValueError(f"{name} must be in [0, 1), got {value}")
    if not altitude_m > 0:
        raise ValueError(f"altitude_m must be positive, got {altitude_m}")
    across_m, along_m = camera.footprint_m(altitude_m)
    return Swath(
        spacing_m=across_m * (1.0 - side_overlap),
        sensed_width_m=across_m,
        trigger_distance_m=along_m * (1.0 - forward_overlap),
        along_track_m=along_m,
    )


def swath_from_width(
    sensing_width_m: float, side_overlap: float = 0.0, along_track_m: float | None = None
) -> Swath:
    """Lanes for a sensor that sees a strip `sensing_width_m` wide (gas sampling, line scan).

    Its footprint is `along_track_m` long along track, as long as it is wide unless given.
    """
    if not sensing_width_m > 0:
        raise ValueError(f"sensing_width_m must be positive, got {sensing_width_m}")
    if not 0.0 <= side_overlap < 1.0:
        raise ValueError(f"side_overlap must be in [0, 1), got {side_overlap}")
    return Swath(
        spacing_m=sensing_width_m * (1.0 - side_overlap),
        sensed_width_m=sensing_width_m,
        along_track_m=along_track_m,
    )
