import pytest

from mpr.application.presets import (
    CreatePreset,
    DeletePreset,
    PresetFields,
    UpdatePreset,
    seed_builtin_presets,
)
from mpr.domain.builtin_presets import BUILTIN_PRESETS
from mpr.domain.errors import Conflict, ValidationError
from tests.unit.fakes import FakeUnitOfWork, Tables

FIELDS = {"name": "web-small", "container": "webm", "video_codec": "libvpx-vp9",
          "video_crf": 35, "resolution": "640x360", "audio_codec": "libopus"}


async def test_seeding_adds_missing_builtins_once(clock):
    tables = Tables()

    first = await seed_builtin_presets(lambda: FakeUnitOfWork(tables), clock)
    second = await seed_builtin_presets(lambda: FakeUnitOfWork(tables), clock)

    assert (first, second) == (len(BUILTIN_PRESETS), 0)


async def test_create_update_and_delete_a_user_preset(uow, clock, tables):
    created = await CreatePreset(uow, clock)(PresetFields(FIELDS))
    updated = await UpdatePreset(uow, clock)(str(created.id),
                                             PresetFields({"video_crf": 30}))
    await DeletePreset(uow)(str(created.id))

    assert (updated.video_crf, updated.resolution) == (30, "640x360")
    assert created.id not in tables.presets


async def test_invalid_user_presets_are_refused_and_not_stored(uow, clock, tables):
    count = len(tables.presets)

    with pytest.raises(ValidationError, match="cannot hold"):
        await CreatePreset(uow, clock)(PresetFields({**FIELDS, "audio_codec": "aac"}))
    with pytest.raises(ValidationError, match="unknown preset field"):
        PresetFields({"ffmpeg_args": "-i /etc/passwd"})

    assert len(tables.presets) == count


async def test_an_update_that_breaks_the_rules_keeps_the_old_preset(uow, clock, tables):
    created = await CreatePreset(uow, clock)(PresetFields(FIELDS))

    with pytest.raises(ValidationError):
        await UpdatePreset(uow, clock)(str(created.id), PresetFields({"container": "mp3"}))

    assert tables.presets[created.id].container == "webm"


async def test_builtin_presets_cannot_be_edited_or_deleted(uow, clock, tables):
    builtin = BUILTIN_PRESETS[0]

    with pytest.raises(ValidationError, match="builtin"):
        await UpdatePreset(uow, clock)(str(builtin.id), PresetFields({"video_crf": 1}))
    with pytest.raises(ValidationError, match="builtin"):
        await DeletePreset(uow)(str(builtin.id))

    assert tables.presets[builtin.id] == builtin


async def test_preset_names_are_unique(uow, clock):
    await CreatePreset(uow, clock)(PresetFields(FIELDS))

    with pytest.raises(Conflict):
        await CreatePreset(uow, clock)(PresetFields(FIELDS))
    with pytest.raises(Conflict, match="builtin"):
        await CreatePreset(uow, clock)(PresetFields({**FIELDS, "name": "h264-720p"}))


@pytest.mark.parametrize("name", ["h264-720p\n", "copy\n", "web-small\n"])
async def test_a_name_with_a_trailing_newline_is_refused_not_treated_as_new(uow, clock, tables,
                                                                           name):
    count = len(tables.presets)

    with pytest.raises(ValidationError, match="preset name"):
        await CreatePreset(uow, clock)(PresetFields({**FIELDS, "name": name}))

    assert len(tables.presets) == count


async def test_an_update_with_a_huge_description_keeps_the_old_preset(uow, clock, tables):
    created = await CreatePreset(uow, clock)(PresetFields({**FIELDS, "description": "short"}))

    with pytest.raises(ValidationError, match="at most 2000 characters"):
        await UpdatePreset(uow, clock)(str(created.id),
                                       PresetFields({"description": "x" * 9_500_000}))

    assert tables.presets[created.id].description == "short"
