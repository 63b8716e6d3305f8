"""Read-side use cases: single entities and filtered, paginated lists."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import TypeVar

from mpr.application.ids import parse_id
from mpr.domain.asset import AssetStatus, Location, MediaAsset
from mpr.domain.errors import ValidationError
from mpr.domain.job import JobStatus, TranscodeJob
from mpr.domain.ports import Page, UnitOfWorkFactory
from mpr.domain.preset import TranscodePreset

MAX_PAGE = 500
E = TypeVar("E", bound=StrEnum)


def page(limit: int = 50, offset: int = 0) -> Page:
    """A checked page window."""
    if not 1 <= limit <= MAX_PAGE:
        raise ValidationError(f"limit must be between 1 and {MAX_PAGE}")
    if offset < 0:
        raise ValidationError("offset must not be negative")
    return Page(limit=limit, offset=offset)


def parse_enum(enum: type[E], value: str | None, what: str) -> E | None:
    """An enum member from its wire value, or ValidationError listing the valid ones."""
    if value is None:
        return None
    try:
        return enum(value.strip().lower())
    except ValueError:
        allowed = ", ".join(m.value for m in enum)
        raise ValidationError(f"invalid {what} {value!r}; expected one of: {allowed}") from None


class Queries:
    """What the API and UI read."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def asset(self, asset_id: str) -> MediaAsset:
        async with self._uow() as uow:
            return await uow.assets.get(parse_id(asset_id, "asset"))

    async def assets(self, status: str | None = None, location: str | None = None,
                     search: str | None = None, limit: int = 50, offset: int = 0
                     ) -> Sequence[MediaAsset]:
        window = page(limit, offset)
        status_ = parse_enum(AssetStatus, status, "asset status")
        location_ = parse_enum(Location, location, "asset location")
        async with self._uow() as uow:
            return await uow.assets.list(window, status=status_, location=location_,
                                         search=search or None)

    async def job(self, job_id: str) -> TranscodeJob:
        async with self._uow() as uow:
            return await uow.jobs.get(parse_id(job_id, "job"))

    async def jobs(self, status: str | None = None, source_asset_id: str | None = None,
                   limit: int = 50, offset: int = 0,
                   output_asset_id: str | None = None) -> Sequence[TranscodeJob]:
        window = page(limit, offset)
        status_ = parse_enum(JobStatus, status, "job status")
        source = parse_id(source_asset_id, "asset") if source_asset_id else None
        output = parse_id(output_asset_id, "asset") if output_asset_id else None
        async with self._uow() as uow:
            return await uow.jobs.list(window, status=status_, source_asset_id=source,
                                       output_asset_id=output)

    async def preset(self, preset_id: str) -> TranscodePreset:
        async with self._uow() as uow:
            return await uow.presets.get(parse_id(preset_id, "preset"))

    async def presets(self, limit: int = 100, offset: int = 0) -> Sequence[TranscodePreset]:
        window = page(limit, offset)
        async with self._uow() as uow:
            return await uow.presets.list(window)
