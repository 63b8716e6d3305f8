"""A job's frozen copy of its preset as JSON-ready data: stored with the job, carried in its spec.

Two readers: a stored snapshot is restored as it was written (rules tightened since must not
make old jobs unreadable); a snapshot in a message from outside is read strictly and checked
against today's rules, since its values end up in ffmpeg's arguments."""

from __future__ import annotations

import types
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any, get_args, get_type_hints

from mpr.domain import strict_json as sj
from mpr.domain.errors import InvalidMessage, ValidationError
from mpr.domain.preset import PRESET_FIELDS, TranscodePreset

SNAPSHOT_VERSION = 1
_READERS: dict[type, sj.Reader[Any]] = {str: sj.text, int: sj.integer, float: sj.number,
                                         bool: sj.flag, datetime: sj.timestamp,
                                         uuid.UUID: sj.ident}


def preset_to_snapshot(preset: TranscodePreset) -> dict[str, Any]:
    """The preset as a JSON-ready dict, stored with each job."""
    data: dict[str, Any] = {"version": SNAPSHOT_VERSION}
    for name in PRESET_FIELDS:
        value = getattr(preset, name)
        data[name] = value.isoformat() if isinstance(value, datetime) else value
    data["id"] = str(preset.id)
    return data


def preset_from_snapshot(data: Mapping[str, Any]) -> TranscodePreset:
    """The preset a stored job snapshot holds; unknown keys from newer versions are ignored."""
    values = {name: data[name] for name in PRESET_FIELDS if name in data}
    values["id"] = uuid.UUID(values["id"])
    for name in ("created_at", "updated_at"):
        if values.get(name) is not None:
            values[name] = datetime.fromisoformat(values[name])
    return TranscodePreset.restore(**values)


def preset_from_message(data: object, where: str = "preset") -> TranscodePreset:
    """The preset a message carries: exactly every field, each of its declared type, and a
    preset today's rules accept; InvalidMessage otherwise."""
    values = sj.json_object(data, ("version", *PRESET_FIELDS), where)
    sj.integer(values["version"], f"{where}.version", (SNAPSHOT_VERSION, SNAPSHOT_VERSION))
    fields = {name: read(values[name], f"{where}.{name}") for name, read in _FIELD_READERS}
    try:
        return TranscodePreset(**fields)
    except ValidationError as e:
        raise InvalidMessage(f"{where}: {e}") from e


def _reader_of(name: str, annotation: Any) -> sj.Reader[Any]:
    """The strict reader of a field, from its annotation ('int | None': an optional integer)."""
    members = get_args(annotation) if isinstance(annotation, types.UnionType) else (annotation,)
    kinds = [m for m in members if m is not type(None)]
    if len(kinds) != 1 or kinds[0] not in _READERS:
        raise TypeError(f"no JSON reader for preset field {name}: {annotation}")
    read = _READERS[kinds[0]]
    return sj.optional(read) if len(kinds) < len(members) else read


_HINTS = get_type_hints(TranscodePreset)
_FIELD_READERS = tuple((name, _reader_of(name, _HINTS[name])) for name in PRESET_FIELDS)
