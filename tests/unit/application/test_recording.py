"""Who did it: creators stamped on new jobs and presets, deletions recorded after commit."""

from __future__ import annotations

import asyncio

import pytest

from mpr.application.assets import DeleteAsset
from mpr.application.create_job import CreateJob, CreateJobCommand
from mpr.application.presets import CreatePreset, DeletePreset, PresetFields
from mpr.application.recording import act_as, recording
from tests.factories import make_asset
from tests.unit.fakes import AccessTables, FakeAccessUnitOfWork, FakeClock, FakeQueue

FIELDS = {"name": "small", "container": "mp4", "video_codec": "libx264", "audio_codec": "aac"}


@pytest.fixture
def log() -> AccessTables:
    return AccessTables()


@pytest.fixture
def recorded(uow, log, clock):
    return recording(uow, lambda: FakeAccessUnitOfWork(log), clock)


async def test_a_new_job_and_preset_name_who_made_them(recorded, tables, clock,
                                                       output_storage) -> None:
    asset = make_asset()
    tables.assets[asset.id] = asset
    act_as("token:ci")

    job = await CreateJob(recorded, FakeQueue(), clock, output_storage)(
        CreateJobCommand(source_asset_id=str(asset.id), preset_id=None))
    preset = await CreatePreset(recorded, clock)(PresetFields(FIELDS))

    assert job.created_by == tables.jobs[job.id].created_by == "token:ci"
    assert tables.presets[preset.id].created_by == "token:ci"


async def test_deletions_are_recorded_with_who_and_what_once_committed(
        recorded, tables, log, clock, output_storage) -> None:
    act_as("user:alice")
    preset = await CreatePreset(recorded, clock)(PresetFields(FIELDS))
    asset = make_asset(file_path="a.mp4")
    tables.assets[asset.id] = asset

    await DeletePreset(recorded)(str(preset.id))
    await DeleteAsset(recorded, output_storage, FakeClock())(str(asset.id))

    assert [(d.kind, d.name, d.deleted_by) for d in log.deletions] == [
        ("preset", "small", "user:alice"), ("asset", "a.mp4", "user:alice")]


async def test_each_task_acts_for_its_own_caller(recorded, tables, clock) -> None:
    async def create(actor: str, name: str) -> None:
        act_as(actor)
        await asyncio.sleep(0)
        await CreatePreset(recorded, clock)(PresetFields({**FIELDS, "name": name}))

    await asyncio.gather(create("user:a", "one"), create("user:b", "two"))

    by_name = {p.name: p.created_by for p in tables.presets.values() if not p.is_builtin}
    assert by_name == {"one": "user:a", "two": "user:b"}
