"""The console's video operations on the running centre: stream figures, a live-view feed per
browser, snapshots saved to the sortie (decoded by a worker, never in the request; each one
listed is published as VideoSnapshotSaved), recordings and their telemetry tracks. Every call
returns at once and refuses with the reason."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from command.centre.operations import OperationRefused
from command.events.types import VideoSnapshotSaved, VideoStats
from command.video import LiveFeed, SnapshotError, VideoRelay, VideoRelayError
from command.video.records import Recording, RecordingStore
from command.video.snapshots import Snapshot, SnapshotSaver, SnapshotStore
from command.video.track import TrackCue, TrackError, read_track

if TYPE_CHECKING:
    from command.centre.centre import CommandCentre

_SAVER = "_video_snapshot_saver"


class VideoOperations:
    """Mixed into CommandCentre: live video, snapshots and recordings for the console."""

    def _relay(self: CommandCentre) -> VideoRelay:
        if self.video is None:
            raise OperationRefused("video is not configured on this centre (no [video] section)")
        return self.video

    def video_streams(self: CommandCentre) -> tuple[VideoStats, ...]:
        """Each drone stream's figures now, with its sinks' (live-view clients among them)."""
        return self._relay().stats()

    def video_vehicles(self: CommandCentre) -> tuple[str, ...]:
        """The vehicles whose video the relay receives (none when video is off)."""
        return tuple(s.vehicle for s in self.config.video.streams) if self.video else ()

    def open_live_feed(self: CommandCentre, vehicle: str) -> LiveFeed:
        """A new live-view client of vehicle's stream (bounded; drops to the next keyframe
        when the browser falls behind); the caller closes it."""
        try:
            return self._relay().live_feed(vehicle)
        except VideoRelayError as exc:
            raise OperationRefused(str(exc)) from None

    def take_snapshot(self: CommandCentre, vehicle: str, *, actor: str) -> str:
        """Save a JPEG of vehicle's latest keyframe to its current sortie; returns the snapshot's
        token at once (a worker decodes and lists it; `video_snapshot(token)` finds it)."""
        relay = self._relay()
        stream = relay.streams.get(vehicle)
        if stream is None:
            raise OperationRefused(f"no video stream for vehicle {vehicle!r}")
        keyframe = stream.last_keyframe
        if keyframe is None or stream.state != "live":
            raise OperationRefused(
                f"{vehicle}: no picture to save (its stream is {stream.state}, "
                f"{'no keyframe yet' if keyframe is None else 'not live'})"
            )
        now = self.utcnow()
        recording = stream.recording
        sortie_id = recording.sortie_id if recording is not None else None
        if sortie_id is None:
            sortie_id = self._sortie_of(vehicle, now)
        try:
            return self._snapshot_saver().request(vehicle, keyframe, sortie_id, now, actor)
        except SnapshotError as exc:
            raise OperationRefused(str(exc)) from None

    def video_snapshot(self: CommandCentre, token: str) -> Snapshot | None:
        """A saved snapshot by token; None while it is being saved. Refused when it failed or
        there is no such snapshot."""
        saver = self._snapshot_saver()
        failure = saver.failures.get(token)
        if failure is not None:
            raise OperationRefused(f"snapshot {token} was not saved: {failure}")
        pending = token in saver.pending  # before the look-up: it may be saved meanwhile
        found = saver.store.get(token)
        if found is None and not pending:
            raise OperationRefused(f"no snapshot {token}")
        return found

    def video_snapshots(
        self: CommandCentre, vehicle: str | None = None, sortie_id: int | None = None
    ) -> list[Snapshot]:
        """Saved snapshots, newest first, of one vehicle or sortie if given."""
        return SnapshotStore(self.db).list(vehicle=vehicle, sortie_id=sortie_id)

    def recordings(
        self: CommandCentre, vehicle: str | None = None, sortie_id: int | None = None
    ) -> list[Recording]:
        """Finished recordings, newest first, of one vehicle or sortie if given."""
        return RecordingStore(self.db).list(vehicle=vehicle, sortie_id=sortie_id)

    def recording(self: CommandCentre, recording_id: int) -> Recording:
        """One listed recording whose MP4 is still on disk."""
        found = RecordingStore(self.db).get(recording_id)
        if found is None:
            raise OperationRefused(f"no recording {recording_id}")
        if not Path(found.path).is_file():
            raise OperationRefused(f"recording {recording_id}: {found.path} is no longer on disk")
        return found

    def recording_track(self: CommandCentre, recording_id: int) -> list[TrackCue]:
        """The telemetry track of a recording, cue by cue (video time, position, readings)."""
        found = self.recording(recording_id)
        try:
            return read_track(found.telemetry_path)
        except TrackError as exc:
            raise OperationRefused(str(exc)) from None

    def _snapshot_saver(self: CommandCentre) -> SnapshotSaver:
        saver = self.__dict__.get(_SAVER)
        if saver is None:
            folder = (
                self.config.video.recordings_dir
                if self.config.video is not None
                else self.config.var_dir / "recordings"
            )
            made = SnapshotSaver(SnapshotStore(self.db), folder, self._snapshot_saved)
            saver = self.__dict__.setdefault(_SAVER, made)
        return saver

    def _snapshot_saved(self: CommandCentre, snap: Snapshot) -> None:
        """On the saver's worker, once a snapshot is listed: VideoSnapshotSaved published."""
        self.bus.publish(
            VideoSnapshotSaved(
                time_utc=self.utcnow(),
                vehicle=snap.vehicle,
                sortie_id=snap.sortie_id,
                token=snap.token,
                actor=snap.actor,
            )
        )

    def close_video_operations(self: CommandCentre) -> None:
        """Finish the snapshots being saved and stop their worker."""
        saver = self.__dict__.get(_SAVER)
        if saver is not None:
            saver.close()


MIXIN = VideoOperations
"""The class the centre's mixin hook puts among CommandCentre's bases."""
