"""Storage of the command centre: SQLAlchemy 2 tables, Alembic migrations, per-sortie tracks.

Open one `Database` per process (`open_database(database_url(os.environ, var_dir))` upgrades the
schema) and pass it to the repository functions; each commits before it returns.
"""

from .audit import begin_audit, finish_audit, list_audit, record_audit
from .checks import MAX_LIST
from .config import database_url, normalise_url, sqlite_file, sqlite_url
from .database import Database, downgrade, open_database, upgrade
from .errors import (
    ConstraintError,
    DatabaseUnavailable,
    DatabaseUrlError,
    DuplicateNameError,
    InvalidValueError,
    NotFoundError,
    SortieStateError,
    StorageError,
)
from .events import list_events, record_event
from .kinds import CommandResult, EventSeverity, SortieOutcome
from .missions import find_mission, get_mission, list_missions, save_mission
from .models import NAME_LENGTH
from .records import (
    AuditRecord,
    EventRecord,
    MissionItemLike,
    SortieRecord,
    StoredMission,
    StoredMissionItem,
    VehicleRecord,
    ZoneRecord,
)
from .sorties import (
    advance_sortie,
    attach_track,
    close_sortie,
    get_sortie,
    list_open_sorties,
    list_sorties,
    open_sortie,
    renew_owner,
    sortie_for_task,
    take_over_sortie,
    track_path_for,
)
from .tracks import Track, TrackFormatError, TrackPoint, TrackWriter, read_track
from .vehicles import get_vehicle, list_vehicles, upsert_vehicle
from .zones import get_zone, list_zones, upsert_zone

__all__ = [
    "MAX_LIST",
    "NAME_LENGTH",
    "AuditRecord",
    "CommandResult",
    "ConstraintError",
    "Database",
    "DatabaseUnavailable",
    "DatabaseUrlError",
    "DuplicateNameError",
    "EventRecord",
    "EventSeverity",
    "InvalidValueError",
    "MissionItemLike",
    "NotFoundError",
    "SortieOutcome",
    "SortieRecord",
    "SortieStateError",
    "StorageError",
    "StoredMission",
    "StoredMissionItem",
    "Track",
    "TrackFormatError",
    "TrackPoint",
    "TrackWriter",
    "VehicleRecord",
    "ZoneRecord",
    "advance_sortie",
    "attach_track",
    "begin_audit",
    "close_sortie",
    "database_url",
    "downgrade",
    "find_mission",
    "finish_audit",
    "get_mission",
    "get_sortie",
    "get_vehicle",
    "get_zone",
    "list_audit",
    "list_events",
    "list_missions",
    "list_open_sorties",
    "list_sorties",
    "list_vehicles",
    "list_zones",
    "normalise_url",
    "open_database",
    "open_sortie",
    "read_track",
    "record_audit",
    "record_event",
    "renew_owner",
    "save_mission",
    "sortie_for_task",
    "sqlite_file",
    "sqlite_url",
    "take_over_sortie",
    "track_path_for",
    "upgrade",
    "upsert_vehicle",
    "upsert_zone",
]
