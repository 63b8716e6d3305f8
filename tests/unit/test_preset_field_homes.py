"""Every home of a preset's fields holds the fields of the domain dataclass, with its types.

The editable fields, the admin form's columns, the row mapping, the snapshot codec and the
GraphQL type's `from_domain` derive from TranscodePreset. The GraphQL input and type (SPEC's
contract) and the ORM columns (fixed by the migrations) are declared; these tests hold them
equal to the dataclass, so a field added to it fails here until every place has it."""

from __future__ import annotations

import dataclasses
import types
import uuid
from typing import Any, get_args, get_type_hints

import strawberry

from mpr.adapters.sqlalchemy.models import PresetRow
from mpr.domain.preset import EDITABLE_FIELDS, PRESET_FIELDS, TranscodePreset
from mpr.entrypoints.web.admin.views import PresetAdmin
from mpr.entrypoints.web.graphql.inputs import PresetInput
from mpr.entrypoints.web.graphql.types import PresetType

HIDDEN_FROM_GRAPHQL = frozenset({"created_at", "updated_at"})  # SPEC's type shows neither


def _domain_types() -> dict[str, Any]:
    hints = get_type_hints(TranscodePreset)
    return {name: hints[name] for name in PRESET_FIELDS}


def _parts(annotation: Any) -> tuple[set[Any], bool]:
    """The types an annotation allows besides None, and whether it allows None."""
    members = set(get_args(annotation)) if isinstance(annotation, types.UnionType) else {
        annotation}
    return members - {type(None)}, type(None) in members


def _declared(cls: type) -> list[str]:
    return [f.name for f in dataclasses.fields(cls)]


def _python_type(column: Any) -> Any:
    """What a column reads back as (a TypeDecorator's is its implementation's)."""
    return getattr(column.type, "impl", column.type).python_type


def test_the_graphql_input_takes_every_editable_field_each_optional() -> None:
    hints, domain = get_type_hints(PresetInput), _domain_types()

    assert sorted(_declared(PresetInput)) == sorted(EDITABLE_FIELDS)
    for name in EDITABLE_FIELDS:
        assert _parts(hints[name]) == (_parts(domain[name])[0], True), name


def test_the_graphql_type_shows_every_field_but_the_timestamps_with_its_type() -> None:
    hints, domain = get_type_hints(PresetType), _domain_types()

    assert sorted(_declared(PresetType)) == sorted(set(PRESET_FIELDS) - HIDDEN_FROM_GRAPHQL)
    assert hints["id"] is strawberry.ID
    for name in set(_declared(PresetType)) - {"id"}:
        assert hints[name] == domain[name], name


def test_the_graphql_type_is_built_from_every_field_it_shows() -> None:
    preset = TranscodePreset(id=uuid.uuid4(), name="every-field", description="all set",
                             container="mp4", video_codec="libx264", video_bitrate="2M",
                             video_crf=20, video_preset="fast", resolution="1280x720",
                             framerate=30.0, audio_codec="aac", audio_bitrate="128k",
                             audio_channels=2, audio_samplerate=48000, created_by="user:ann")

    shown = PresetType.from_domain(preset)

    assert shown.id == str(preset.id)
    for name in set(_declared(PresetType)) - {"id"}:
        assert getattr(shown, name) == getattr(preset, name), name


def test_the_orm_row_has_a_column_per_field_of_its_type_and_nullability() -> None:
    columns = {c.key: c for c in PresetRow.__table__.columns}

    assert set(columns) == set(PRESET_FIELDS)
    for name, annotation in _domain_types().items():
        allowed, nullable = _parts(annotation)
        assert ({_python_type(columns[name])}, columns[name].nullable) == (
            allowed, nullable), name


async def test_the_admin_form_offers_exactly_the_editable_fields() -> None:
    view = type("UnboundPresetAdmin", (PresetAdmin,), {"session_maker": None})()

    form = await view.scaffold_form()

    assert sorted(field.name for field in form()) == sorted(EDITABLE_FIELDS)
