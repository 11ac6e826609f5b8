"""Air-quality science and data: units, AQI, ingest into xarray/zarr cubes, hot spots."""
