"""Feed layouts: each says whether it can open a file and reads it in batches of matrices."""

from sensors.feeds.protocol import FeedBatch, FeedFile, FeedLayout, IngestError
from sensors.feeds.registry import (
    ENTRY_POINT_GROUP,
    LayoutError,
    detect,
    get,
    layouts,
    register,
    sniff,
    unregister,
)

__all__ = [
    "ENTRY_POINT_GROUP",
    "FeedBatch",
    "FeedFile",
    "FeedLayout",
    "IngestError",
    "LayoutError",
    "detect",
    "get",
    "layouts",
    "register",
    "sniff",
    "unregister",
]
