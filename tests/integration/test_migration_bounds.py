"""Migration 0003 brings text stored before the bounds within them, on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import json
import uuid
from typing import Any

from sqlalchemy import insert, inspect

from mpr.adapters.sqlalchemy.engine import make_engine, make_session_factory
from mpr.adapters.sqlalchemy.mapping import (
    asset_from_row,
    asset_to_row,
    job_from_row,
    job_to_row,
    preset_from_row,
    preset_to_row,
)
from mpr.adapters.sqlalchemy.migrate import upgrade
from mpr.adapters.sqlalchemy.models import AssetRow, JobRow, PresetRow
from mpr.domain.media import MediaInfo
from mpr.domain.preset import TranscodePreset
from tests.factories import make_asset, make_job, make_preset

HUGE = "A" * 2 * 1024 * 1024


def _column_names(connection: Any, table: str) -> set[str]:
    return {column["name"] for column in inspect(connection).get_columns(table)}


async def _insert(url: str, rows: list[Any]) -> None:
    """Insert ORM rows into an older schema: only the columns it already has (later
    migrations add columns today's rows know about)."""
    engine = make_engine(url)
    try:
        async with engine.begin() as conn:
            for row in rows:
                table = row.__table__
                present = await conn.run_sync(_column_names, table.name)
                values = {col.key: getattr(row, col.key) for col in table.columns
                          if col.name in present}
                if values.get("version", 0) is None:
                    values["version"] = 1
                await conn.execute(insert(table).values(values))
    finally:
        await engine.dispose()


async def _read(url: str, asset_id: uuid.UUID, preset_id: uuid.UUID, job_id: uuid.UUID
                ) -> tuple[AssetRow, PresetRow, JobRow]:
    engine = make_engine(url)
    try:
        async with make_session_factory(engine)() as session:
            asset = await session.get_one(AssetRow, asset_id)
            preset = await session.get_one(PresetRow, preset_id)
            job = await session.get_one(JobRow, job_id)
            return asset, preset, job
    finally:
        await engine.dispose()


async def test_upgrade_bounds_old_properties_and_descriptions(empty_database_url: str) -> None:
    url = empty_database_url
    await upgrade(url, "0002")
    huge_probe = {"format": {"format_name": "mov", "tags": {"comment": HUGE}},
                  "streams": [{"index": 0, "codec_type": "video"}]}
    asset = make_asset(media=MediaInfo(video_codec="h264", properties=huge_probe))
    small = make_asset()
    preset = TranscodePreset.restore(**{**_fields(make_preset()), "description": HUGE})
    job = make_job(asset.id, preset=preset)
    await _insert(url, [asset_to_row(asset), asset_to_row(small),
                                     preset_to_row(preset), job_to_row(job)])

    await upgrade(url)

    asset_row, preset_row, job_row = await _read(url, asset.id, preset.id, job.id)
    properties = asset_from_row(asset_row).media.properties
    assert len(json.dumps(properties).encode()) <= 64 * 1024
    assert properties["format"]["tags"]["comment"].endswith("…[truncated]")
    assert properties["streams"] == huge_probe["streams"]
    assert preset_from_row(preset_row).description == "A" * 2000
    assert job_from_row(job_row).preset.description == "A" * 2000
    small_row, *_ = await _read(url, small.id, preset.id, job.id)
    assert asset_from_row(small_row).media.properties == small.media.properties


def _fields(preset: TranscodePreset) -> dict[str, object]:
    return {f.name: getattr(preset, f.name) for f in dataclasses.fields(preset)}
