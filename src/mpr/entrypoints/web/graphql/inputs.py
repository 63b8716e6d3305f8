"""GraphQL input types, turned into use-case commands."""

from __future__ import annotations

from typing import Any

import strawberry

from mpr.application.assets import AssetChanges
from mpr.application.create_job import CreateJobCommand
from mpr.application.presets import PresetFields


@strawberry.input
class CreateJobInput:
    source_asset_id: strawberry.ID
    preset_id: strawberry.ID | None = strawberry.field(
        default=None, description="omit to cut without re-encoding (the 'copy' preset)")
    trim_start: float | None = None
    trim_end: float | None = None
    output_filename: str | None = None
    priority: int = 0

    def to_command(self) -> CreateJobCommand:
        return CreateJobCommand(source_asset_id=str(self.source_asset_id),
                                preset_id=str(self.preset_id) if self.preset_id else None,
                                trim_start=self.trim_start, trim_end=self.trim_end,
                                output_filename=self.output_filename, priority=self.priority)


@strawberry.input
class UpdateAssetInput:
    comments: str | None = None
    tags: list[str] | None = None

    def to_changes(self) -> AssetChanges:
        return AssetChanges(comments=self.comments, tags=self.tags)


@strawberry.input
class PresetInput:
    """Fields of a user preset; on update, only the fields given are changed."""

    name: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    container: str | None = strawberry.UNSET
    video_codec: str | None = strawberry.UNSET
    video_bitrate: str | None = strawberry.UNSET
    video_crf: int | None = strawberry.UNSET
    video_preset: str | None = strawberry.UNSET
    resolution: str | None = strawberry.UNSET
    framerate: float | None = strawberry.UNSET
    renditions: str | None = strawberry.UNSET
    audio_codec: str | None = strawberry.UNSET
    audio_bitrate: str | None = strawberry.UNSET
    audio_channels: int | None = strawberry.UNSET
    audio_samplerate: int | None = strawberry.UNSET

    def to_fields(self) -> PresetFields:
        given: dict[str, Any] = {k: v for k, v in vars(self).items() if v is not strawberry.UNSET}
        if given.get("description", "") is None:
            given["description"] = ""
        return PresetFields(given)
