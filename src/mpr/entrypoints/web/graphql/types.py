"""GraphQL types, each built from a domain object by `from_domain`."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any
from urllib.parse import quote

import strawberry
from strawberry.scalars import JSON

from mpr.application.authorization import Permission
from mpr.application.scan_media import ScanResult
from mpr.application.system_status import ComponentHealth, SystemStatusReport
from mpr.domain.asset import MediaAsset
from mpr.domain.job import TranscodeJob
from mpr.domain.ladder import CMAF, LADDER_CONTAINERS, dash_manifest
from mpr.domain.media import extension_of
from mpr.domain.package import MANIFEST_EXTENSIONS
from mpr.domain.preset import TranscodePreset
from mpr.entrypoints.web.graphql.permissions import requires

POSTER_WIDTH = 96  # pixels: a list row's poster (one of the thumbnail route's widths)


def package_member_url(asset_id: str, member: str) -> str:
    """Where the media route serves one object of an asset's package."""
    return f"/media/assets/{asset_id}/package/{quote(member)}"


@strawberry.type(name="MediaAsset")
class AssetType:
    id: strawberry.ID
    filename: str
    file_path: str
    location: str
    status: str
    error_message: str | None
    file_size: float | None
    duration: float | None
    container: str | None
    video_codec: str | None
    audio_codec: str | None
    width: int | None
    height: int | None
    framerate: float | None
    bitrate: float | None
    properties: JSON
    comments: str
    tags: list[str]
    created_at: datetime
    updated_at: datetime

    @strawberry.field(description="URL that plays the file (byte ranges; S3: a redirect)")
    def media_url(self) -> str:
        return f"/media/assets/{self.id}"

    @strawberry.field(description="WebVTT mapping time ranges to tiles of the video's "
                                  "storyboard sprite sheet (made once, cached); null "
                                  "without video")
    def storyboard_url(self) -> str | None:
        if self.status != "ready" or not self.video_codec or not self.width or not self.duration:
            return None
        return f"/media/assets/{self.id}/storyboard.vtt"

    @strawberry.field(description="a small JPEG of the video a tenth of the way in, for "
                                  "lists (made once, cached); null without video")
    def poster_url(self) -> str | None:
        if self._single_file_with("video") is None or not self.width:
            return None
        at = round((self.duration or 0.0) / 10, 1)
        return f"/media/assets/{self.id}/thumbnail?t={at}&w={POSTER_WIDTH}"

    @strawberry.field(description="JSON peaks of the first audio stream, drawn under the "
                                  "timeline (decoded once, cached); null without audio")
    def waveform_url(self) -> str | None:
        if self._single_file_with("audio") is None:
            return None
        return f"/media/assets/{self.id}/waveform.json"

    def _single_file_with(self, kind: str) -> str | None:
        """The codec of that kind of a ready single-file asset with a duration, else None."""
        codec = self.video_codec if kind == "video" else self.audio_codec
        package = extension_of(self.file_path) in MANIFEST_EXTENSIONS
        return None if self.status != "ready" or package or not self.duration else codec

    @strawberry.field(description="the manifest a streaming player loads, for the main "
                                  "playlist of a ladder's package; null for a single file")
    def stream_url(self) -> str | None:
        if extension_of(self.file_path) not in MANIFEST_EXTENSIONS:
            return None
        return package_member_url(str(self.id), self.file_path.rpartition("/")[2])

    @classmethod
    def from_domain(cls, a: MediaAsset) -> AssetType:
        m = a.media
        return cls(id=strawberry.ID(str(a.id)), filename=a.filename, file_path=a.file_path,
                   location=a.location.value, status=a.status.value,
                   error_message=a.error_message, file_size=a.file_size, duration=m.duration,
                   container=m.container, video_codec=m.video_codec, audio_codec=m.audio_codec,
                   width=m.width, height=m.height, framerate=m.framerate, bitrate=m.bitrate,
                   properties=JSON(m.properties), comments=a.comments, tags=list(a.tags),
                   created_at=a.created_at, updated_at=a.updated_at)


@strawberry.type(name="TranscodePreset")
class PresetType:
    id: strawberry.ID
    name: str
    description: str
    is_builtin: bool
    container: str | None
    video_codec: str | None
    video_bitrate: str | None
    video_crf: int | None
    video_preset: str | None
    resolution: str | None
    framerate: float | None
    renditions: str | None = strawberry.field(
        description="a ladder's renditions, highest first: 1920x1080@5000k,1280x720@2800k")
    audio_codec: str | None
    audio_bitrate: str | None
    audio_channels: int | None
    audio_samplerate: int | None
    created_by: str | None = strawberry.field(description="who made it: user:NAME or token:NAME")

    @classmethod
    def from_domain(cls, p: TranscodePreset) -> PresetType:
        """Every field of this type but the id is the preset's field of the same name."""
        shown = {f.name: getattr(p, f.name) for f in dataclasses.fields(cls) if f.name != "id"}
        return cls(id=strawberry.ID(str(p.id)), **shown)


@strawberry.type(name="TranscodeJob")
class JobType:
    id: strawberry.ID
    source_asset_id: strawberry.ID
    preset_id: strawberry.ID
    preset: PresetType = strawberry.field(description="the preset as it was when the job "
                                                      "was created")
    trim_start: float | None
    trim_end: float | None
    output_filename: str
    output_path: str
    output_asset_id: strawberry.ID | None
    status: str
    progress: float
    current_time: float | None
    speed: float | None
    eta: float | None
    error_message: str | None
    warnings: list[str]
    task_id: str | None
    execution_arn: str | None
    priority: int
    attempts: int
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    completed_at: datetime | None
    created_by: str | None = strawberry.field(description="who made it: user:NAME or token:NAME")
    batch_id: strawberry.ID | None = strawberry.field(
        default=None, description="the batch createJobs started it in, if any")

    @strawberry.field(description="URL that plays the output once the job completed")
    def output_url(self) -> str | None:
        return f"/media/assets/{self.output_asset_id}" if self.output_asset_id else None

    @strawberry.field(description="the manifest a streaming player loads once a ladder job "
                                  "completed (CMAF: its DASH MPD); null for other jobs")
    def stream_url(self) -> str | None:
        if not self.output_asset_id or self.preset.container not in LADDER_CONTAINERS:
            return None
        master = self.output_path.rpartition("/")[2]
        member = dash_manifest(master) if self.preset.container == CMAF else master
        return package_member_url(str(self.output_asset_id), member)

    @classmethod
    def from_domain(cls, j: TranscodeJob) -> JobType:
        out = strawberry.ID(str(j.output_asset_id)) if j.output_asset_id else None
        return cls(id=strawberry.ID(str(j.id)),
                   source_asset_id=strawberry.ID(str(j.source_asset_id)),
                   preset_id=strawberry.ID(str(j.preset_id)),
                   preset=PresetType.from_domain(j.preset), trim_start=j.trim.start,
                   trim_end=j.trim.end, output_filename=j.output_filename,
                   output_path=j.output_path, output_asset_id=out, status=j.status.value,
                   progress=round(j.progress, 2), current_time=j.current_time, speed=j.speed,
                   eta=j.eta, error_message=j.error_message, warnings=list(j.warnings),
                   task_id=j.task_id, execution_arn=j.execution_arn, priority=j.priority,
                   attempts=j.attempts,
                   created_at=j.created_at, updated_at=j.updated_at, started_at=j.started_at,
                   completed_at=j.completed_at, created_by=j.created_by,
                   batch_id=strawberry.ID(str(j.batch_id)) if j.batch_id else None)


@strawberry.type
class ScanResultType:
    found: int
    registered: int
    skipped: int
    missing: int = strawberry.field(
        description="Registered sources whose file is not in the store (status missing)")
    restored: int = strawberry.field(
        description="Missing sources whose file came back (same key and size): ready again")

    @classmethod
    def from_domain(cls, r: ScanResult) -> ScanResultType:
        return cls(found=r.found, registered=r.registered, skipped=r.skipped,
                   missing=r.missing, restored=r.restored)


@strawberry.type
class ClearResult:
    removed: int = strawberry.field(description="how many jobs went")


@strawberry.type
class DeleteResult:
    ok: bool
    id: strawberry.ID


@strawberry.type
class ComponentStatus:
    name: str
    ok: bool
    detail: str | None = strawberry.field(permission_classes=[requires(Permission.SYSTEM_DETAILS)],
                                          description="where it is (paths, URLs): admins only")

    @classmethod
    def from_domain(cls, c: ComponentHealth) -> ComponentStatus:
        return cls(name=c.name, ok=c.ok, detail=c.detail)


@strawberry.type
class SystemStatusType:
    status: str
    version: str
    executor: str
    components: list[ComponentStatus]
    queue_depth: int | None
    workers: int | None
    running_jobs: int | None

    @strawberry.field
    def database(self) -> ComponentStatus | None:
        return self._component("database")

    @strawberry.field
    def storage(self) -> list[ComponentStatus]:
        return [c for c in self.components if c.name.startswith("storage")]

    @strawberry.field
    def queue(self) -> ComponentStatus | None:
        return self._component("queue")

    def _component(self, name: str) -> ComponentStatus | None:
        return next((c for c in self.components if c.name == name), None)

    @classmethod
    def from_domain(cls, r: SystemStatusReport) -> SystemStatusType:
        q: Any = r.queue
        return cls(status=r.status, version=r.version, executor=r.executor,
                   components=[ComponentStatus.from_domain(c) for c in r.components],
                   queue_depth=q.depth if q else None, workers=q.workers if q else None,
                   running_jobs=q.running if q else None)
