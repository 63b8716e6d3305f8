"""Where a job's output goes in the output store."""

from __future__ import annotations

import uuid

from mpr.domain.asset import MediaAsset
from mpr.domain.errors import ValidationError
from mpr.domain.keys import normalise_key, safe_filename
from mpr.domain.media import extension_of
from mpr.domain.preset import TranscodePreset

# Extensions a person may give an output, per container.
_EXTENSIONS = {"mp4": {"mp4", "m4v"}, "mov": {"mov"}, "mkv": {"mkv"}, "webm": {"webm"},
               "mp3": {"mp3"}, "m4a": {"m4a"}, "ogg": {"ogg", "opus"}}


def output_container(preset: TranscodePreset, source: MediaAsset) -> str:
    """The preset's container, or the source's extension for stream copy."""
    return preset.container or extension_of(source.filename) or "mkv"


def output_key_for(source: MediaAsset, preset: TranscodePreset, job_id: uuid.UUID,
                   requested: str | None) -> str:
    """The output key: beside the source's folder; a given name is checked, else one is made."""
    container = output_container(preset, source)
    folder = source.file_path.rpartition("/")[0]
    name = _checked_name(requested, container) if requested else _default_name(
        source, preset, job_id, container)
    return normalise_key(f"{folder}/{name}" if folder else name)


def _default_name(source: MediaAsset, preset: TranscodePreset, job_id: uuid.UUID,
                  container: str) -> str:
    stem = source.filename.rsplit(".", 1)[0] if "." in source.filename else source.filename
    return f"{stem}_{preset.name}_{job_id.hex[:8]}.{container}"


def _checked_name(requested: str, container: str) -> str:
    name = safe_filename(requested)
    ext = extension_of(name)
    allowed = _EXTENSIONS.get(container, {container})
    if not ext:
        return f"{name}.{container}"
    if ext not in allowed:
        raise ValidationError(
            f"output filename {name!r} must end in .{' or .'.join(sorted(allowed))} "
            f"for a {container} output"
        )
    return name
