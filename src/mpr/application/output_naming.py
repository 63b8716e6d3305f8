"""Where a job's output goes in the output store."""

from __future__ import annotations

import uuid

from mpr.domain.asset import MediaAsset
from mpr.domain.errors import ValidationError
from mpr.domain.keys import MAX_FILENAME_BYTES, MAX_KEY_BYTES, normalise_key, safe_filename
from mpr.domain.ladder import LADDER_CONTAINERS
from mpr.domain.media import extension_of
from mpr.domain.preset import TranscodePreset
from mpr.domain.text import truncate_utf8, utf8_size, without_hidden_characters

# Extensions a person may give an output, per container.
_EXTENSIONS = {"mp4": {"mp4", "m4v"}, "mov": {"mov"}, "mkv": {"mkv"}, "webm": {"webm"},
               "mp3": {"mp3"}, "m4a": {"m4a"}, "ogg": {"ogg", "opus"}}


def output_container(preset: TranscodePreset, source: MediaAsset) -> str:
    """The preset's container, or the source's extension for stream copy."""
    return preset.container or extension_of(source.filename) or "mkv"


def output_path_for(source: MediaAsset, preset: TranscodePreset, job_id: uuid.UUID,
                   requested: str | None) -> str:
    """The job's output_path (its key in the output store), beside the source's folder; a given
    name is checked, else one is made."""
    container = output_container(preset, source)
    folder = source.file_path.rpartition("/")[0]
    if container in LADDER_CONTAINERS:
        name = _package_name(source, preset, job_id, requested)
    else:
        name = _checked_name(requested, container) if requested else _default_name(
            source, preset, job_id, container)
    key = f"{folder}/{name}" if folder else name
    if utf8_size(key) > MAX_KEY_BYTES:
        raise ValidationError(f"the output key would take {utf8_size(key)} bytes, more than the "
                              f"{MAX_KEY_BYTES} a storage key may; choose a shorter outputFilename")
    return normalise_key(key)


def _default_name(source: MediaAsset, preset: TranscodePreset, job_id: uuid.UUID,
                  container: str) -> str:
    """<source stem>_<preset>_<job id>.<container>, the stem cut so the name fits its bound."""
    stem = source.filename.rsplit(".", 1)[0] if "." in source.filename else source.filename
    suffix = f"_{preset.name}_{job_id.hex[:8]}.{container}"
    visible = without_hidden_characters(stem).lstrip(".")  # never a hidden file
    stem = truncate_utf8(visible, MAX_FILENAME_BYTES - len(suffix))
    return f"{stem}{suffix}"


def _package_name(source: MediaAsset, preset: TranscodePreset, job_id: uuid.UUID,
                  requested: str | None) -> str:
    """A ladder's main playlist, in a folder of the same name that holds its package:
    'clip_hls-ladder_1a2b3c4d/clip_hls-ladder_1a2b3c4d.m3u8'; a requested 'talk' or
    'talk.m3u8' gives 'talk/talk.m3u8'."""
    if requested:
        name = safe_filename(requested)
        stem = name[:-len(".m3u8")] if name.lower().endswith(".m3u8") else name
        stem = safe_filename(stem)  # '.m3u8' alone leaves nothing to name the folder
    else:
        stem = _default_name(source, preset, job_id, "m3u8").removesuffix(".m3u8")
    return f"{stem}/{stem}.m3u8"


def _checked_name(requested: str, container: str) -> str:
    name = safe_filename(requested)
    ext = extension_of(name)
    allowed = _EXTENSIONS.get(container, {container})
    if not ext:
        return safe_filename(f"{name}.{container}")
    if ext not in allowed:
        raise ValidationError(
            f"output filename {name!r} must end in .{' or .'.join(sorted(allowed))} "
            f"for a {container} output"
        )
    return name
