"""Ingest: station files and drone samples into the cubes, every value accepted or quarantined."""

from sensors.feeds.protocol import IngestError
from sensors.ingest.drone import ingest_drone
from sensors.ingest.quarantine import QuarantineFile
from sensors.ingest.report import IngestReport
from sensors.ingest.station import BATCH_ROWS, ingest_file
from sensors.reasons import Reason, Rejected

__all__ = [
    "BATCH_ROWS",
    "IngestError",
    "IngestReport",
    "QuarantineFile",
    "Reason",
    "Rejected",
    "ingest_drone",
    "ingest_file",
]
