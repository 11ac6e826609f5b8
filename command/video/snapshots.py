"""Snapshots taken from a drone's stream: the latest keyframe decoded to a JPEG by a worker thread
(never on the relay's or a web request's thread), written beside the recordings and listed with
the sortie it was taken in (table `video_snapshots`, migration 0800_video_snapshots)."""

from __future__ import annotations

import io
import logging
import queue
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from PIL import Image
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from command.storage.columns import UtcDateTime
from command.storage.models import NAME_LENGTH, Base
from command.video.catalogue import Catalogue
from command.video.records import PATH_LENGTH
from command.video.rtp import AccessUnit
from command.video.snapshot import SnapshotError, keyframe_jpeg

log = logging.getLogger("command.video")

TOKEN_LENGTH = 32
"""Characters of a snapshot's token (hex), the name the console knows it by."""
PENDING_LIMIT = 8
"""Snapshots that may wait for the worker; more are refused until it catches up."""


class SnapshotRow(Base):
    """One saved snapshot: its JPEG, vehicle, sortie, when and by whom, picture size."""

    __tablename__ = "video_snapshots"
    __table_args__ = (
        CheckConstraint("width > 0 AND height > 0", name="size_positive"),
        CheckConstraint("size_bytes > 0", name="bytes_positive"),
        Index("ix_video_snapshots_vehicle_taken_utc", "vehicle", "taken_utc"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[str] = mapped_column(String(TOKEN_LENGTH), unique=True)
    vehicle: Mapped[str] = mapped_column(String(NAME_LENGTH))
    sortie_id: Mapped[int | None] = mapped_column(ForeignKey("sorties.id"), index=True)
    path: Mapped[str] = mapped_column(String(PATH_LENGTH), unique=True)
    taken_utc: Mapped[datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(String(NAME_LENGTH))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size_bytes: Mapped[int] = mapped_column(BigInteger)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A saved snapshot."""

    id: int
    token: str
    vehicle: str
    sortie_id: int | None
    path: Path
    taken_utc: datetime
    actor: str
    width: int
    height: int
    size_bytes: int


class SnapshotStore(Catalogue[Snapshot]):
    """Adds saved snapshots and lists them, newest first."""

    row_type = SnapshotRow
    item_type = Snapshot
    newest_by = "taken_utc"

    def add(self, snap: Snapshot) -> int:
        """Store a saved snapshot; returns its id."""
        return self._add(snap)

    def get(self, token: str) -> Snapshot | None:
        """The snapshot of a token, or None (not saved, or not yet)."""
        return self._first(SnapshotRow.token == token)


@dataclass(frozen=True, slots=True)
class SnapshotRequest:
    """A keyframe to save: whose, in which sortie, when, asked by whom."""

    token: str
    vehicle: str
    sortie_id: int | None
    taken_utc: datetime
    actor: str
    keyframe: AccessUnit


class SnapshotSaver:
    """One worker thread decoding requested keyframes to JPEG files and listing them.

    `request()` returns the new snapshot's token at once; `store.get(token)` finds it once saved.
    A keyframe that does not decode is logged with the reason and nothing is listed.
    """

    def __init__(
        self,
        store: SnapshotStore,
        directory: Path,
        on_saved: Callable[[Snapshot], None] | None = None,
    ) -> None:
        self.store = store
        self.directory = Path(directory)
        self._on_saved = on_saved or (lambda snap: None)
        self._queue: queue.Queue[SnapshotRequest | None] = queue.Queue(PENDING_LIMIT)
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.failures: dict[str, str] = {}
        self.pending: set[str] = set()

    def request(
        self,
        vehicle: str,
        keyframe: AccessUnit,
        sortie_id: int | None,
        taken_utc: datetime,
        actor: str,
    ) -> str:
        """Queue a keyframe to save; its token. SnapshotError when the worker is full."""
        if not keyframe.keyframe:
            raise SnapshotError(f"{vehicle}: a snapshot needs a keyframe")
        token = secrets.token_hex(TOKEN_LENGTH // 2)
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="video-snapshots", daemon=True
                )
                self._thread.start()
        try:
            self.pending.add(token)
            self._queue.put_nowait(
                SnapshotRequest(token, vehicle, sortie_id, taken_utc, actor, keyframe)
            )
        except queue.Full:
            self.pending.discard(token)
            raise SnapshotError(
                f"{PENDING_LIMIT} snapshots are still being saved: try again shortly"
            ) from None
        return token

    def path_for(self, req: SnapshotRequest) -> Path:
        """DIR/VEHICLE/snapshots/sortie-N-UTC-TOKEN8.jpg"""
        stamp = req.taken_utc.strftime("%Y%m%dT%H%M%S.%fZ")
        sortie = "none" if req.sortie_id is None else f"{req.sortie_id:06d}"
        name = f"sortie-{sortie}-{stamp}-{req.token[:8]}.jpg"
        return self.directory / req.vehicle / "snapshots" / name

    def save(self, req: SnapshotRequest) -> Snapshot:
        """Decode, write and list one snapshot (the worker's step; callable directly)."""
        jpeg = keyframe_jpeg(req.keyframe)
        with Image.open(io.BytesIO(jpeg)) as image:
            width, height = image.size
        path = self.path_for(req)
        path.parent.mkdir(parents=True, exist_ok=True)
        part = path.with_suffix(".part")
        part.write_bytes(jpeg)
        part.replace(path)
        snap = Snapshot(
            id=0,
            token=req.token,
            vehicle=req.vehicle,
            sortie_id=req.sortie_id,
            path=path,
            taken_utc=req.taken_utc,
            actor=req.actor,
            width=width,
            height=height,
            size_bytes=len(jpeg),
        )
        try:
            snap_id = self.store.add(snap)
        except Exception:
            path.unlink(missing_ok=True)
            raise
        saved = Snapshot(**{**_fields(snap), "id": snap_id})
        log.info("video %s: snapshot %s saved (%dx%d)", req.vehicle, path, width, height)
        return saved

    def _run(self) -> None:
        while True:
            req = self._queue.get()
            if req is None:
                return
            try:
                self._on_saved(self.save(req))
            except Exception as exc:  # logged with its reason; the worker goes on
                self.failures[req.token] = str(exc)
                log.error("video %s: snapshot %s not saved: %s", req.vehicle, req.token, exc)
            finally:
                self.pending.discard(req.token)

    def close(self) -> None:
        """Save what is waiting, then stop the worker."""
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(None)
            thread.join(10.0)


def _fields(snap: Snapshot) -> dict[str, object]:
    return {name: getattr(snap, name) for name in Snapshot.__slots__}
