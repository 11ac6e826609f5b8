"""Live sensing: drone samples and station feeds into the cubes as they arrive, off the link
threads, and the map cube refreshed from both."""

from command.sensing.config import SensingConfig
from command.sensing.drone import NO_SORTIE, DroneSampleStream, DroneStats, SortieOf
from command.sensing.feeds import FeedFollower, FeedSource, FeedStatus
from command.sensing.live import LiveSensing, SensingError, SensingStats
from command.sensing.maps import MapRefresher, MapStats, hour_ends
from command.sensing.tail import Block, FeedTail, Place

__all__ = [
    "NO_SORTIE",
    "Block",
    "DroneSampleStream",
    "DroneStats",
    "FeedFollower",
    "FeedSource",
    "FeedStatus",
    "FeedTail",
    "LiveSensing",
    "MapRefresher",
    "MapStats",
    "Place",
    "SensingConfig",
    "SensingError",
    "SensingStats",
    "SortieOf",
    "hour_ends",
]
