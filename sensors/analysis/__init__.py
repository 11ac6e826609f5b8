"""Analysis over the cubes: exceedances and anomalies, source tracing, satellite rasters."""
