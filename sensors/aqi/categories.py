"""AQI categories: level, Chinese and English names and the standard colours."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Category:
    """One AQI band: index 0–5, level name, Chinese and English names, RGB colour."""

    index: int
    level: str
    zh: str
    en: str
    rgb: tuple[int, int, int]

    @property
    def hex(self) -> str:
        """Colour as ``#rrggbb``."""
        return "#{:02x}{:02x}{:02x}".format(*self.rgb)


UPPER_AQI = (50, 100, 150, 200, 300)
"""Upper AQI of categories 0–4; category 5 is everything above 300."""

CHINA = (
    Category(0, "一级", "优", "excellent", (0, 228, 0)),
    Category(1, "二级", "良", "good", (255, 255, 0)),
    Category(2, "三级", "轻度污染", "lightly polluted", (255, 126, 0)),
    Category(3, "四级", "中度污染", "moderately polluted", (255, 0, 0)),
    Category(4, "五级", "重度污染", "heavily polluted", (153, 0, 76)),
    Category(5, "六级", "严重污染", "severely polluted", (126, 0, 35)),
)
EPA = (
    Category(0, "Good", "优", "good", (0, 228, 0)),
    Category(1, "Moderate", "良", "moderate", (255, 255, 0)),
    Category(2, "USG", "对敏感人群不健康", "unhealthy for sensitive groups", (255, 126, 0)),
    Category(3, "Unhealthy", "不健康", "unhealthy", (255, 0, 0)),
    Category(4, "Very Unhealthy", "非常不健康", "very unhealthy", (143, 63, 151)),
    Category(5, "Hazardous", "危险", "hazardous", (126, 0, 35)),
)


def categories(standard: str) -> tuple[Category, ...]:
    """The six categories of a standard."""
    return EPA if standard == "epa" else CHINA


def category(aqi: int | None, standard: str = "hj633-2026") -> Category | None:
    """Category of an integer AQI (None when the AQI is not available)."""
    if aqi is None:
        return None
    for i, upper in enumerate(UPPER_AQI):
        if aqi <= upper:
            return categories(standard)[i]
    return categories(standard)[5]


def category_index_array(aqi: np.ndarray) -> np.ndarray:
    """Category indices 0–5 (int8) of an AQI array, −1 where the AQI is NaN."""
    a = np.asarray(aqi, dtype=np.float64)
    idx = np.searchsorted(np.asarray(UPPER_AQI, dtype=np.float64), a, side="left").astype(np.int8)
    idx[np.isnan(a)] = -1
    return idx
