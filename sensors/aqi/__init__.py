"""AQI science: HJ 633-2026 / HJ 633-2012 / US EPA indices, scalar and vectorised, and averaging."""

from sensors.aqi.categories import Category, categories, category
from sensors.aqi.scalar import (
    COLUMNS,
    LABELS,
    MODE_COLUMNS,
    MODES,
    AqiResult,
    aqi,
    iaqi,
    pollutant_of,
)
from sensors.aqi.tables import STANDARDS
from sensors.aqi.vector import AqiArrays, aqi_arrays, aqi_dataset, iaqi_array

__all__ = [
    "COLUMNS",
    "LABELS",
    "MODES",
    "MODE_COLUMNS",
    "STANDARDS",
    "AqiArrays",
    "AqiResult",
    "Category",
    "aqi",
    "aqi_arrays",
    "aqi_dataset",
    "categories",
    "category",
    "iaqi",
    "iaqi_array",
    "pollutant_of",
]
