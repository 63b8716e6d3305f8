"""A TranscodeSpec as JSON: what a queue message or a Step Functions execution carries.

Decoding is strict, since a spec that crossed a queue is an untrusted message: every field
and nothing else, each of its type, keys that stay inside their store, a trim within the
source, bounded numbers, and a preset today's rules accept. Anything else: InvalidMessage.

Version 2 names the run (`run`, never reused for the job); version 1, which named the
attempt, is still read (a message queued before an upgrade), its attempt taken as the run:
the upgrade's migration set every job's runs to its attempts."""

from __future__ import annotations

import json
from typing import Any

from mpr.domain import strict_json as sj
from mpr.domain.errors import InvalidMessage, ValidationError
from mpr.domain.job import Trim
from mpr.domain.keys import normalise_key
from mpr.domain.pipeline import TranscodeSpec
from mpr.domain.preset_snapshot import preset_from_message, preset_to_snapshot

SPEC_VERSION = 2
READ_VERSIONS = (1, 2)
MAX_SPEC_BYTES = 64 * 1024  # a preset's description (2,000 chars) and two keys fit many times
MAX_SECONDS = 10_000_000.0  # about 115 days: longer than any media MPR encodes
MAX_RUN = 2**31 - 1
_KEYS = ("version", "job_id", "source_path", "source_duration", "preset", "trim",
         "output_path", "run", "source_has_video", "source_has_audio")
_RUN_KEY = {1: "attempt", 2: "run"}


def spec_to_dict(spec: TranscodeSpec) -> dict[str, Any]:
    """The spec as JSON-ready data."""
    return {"version": SPEC_VERSION, "job_id": str(spec.job_id),
            "source_path": spec.source_path, "source_duration": spec.source_duration,
            "preset": preset_to_snapshot(spec.preset),
            "trim": {"start": spec.trim.start, "end": spec.trim.end},
            "output_path": spec.output_path, "run": spec.run,
            "source_has_video": spec.source_has_video,
            "source_has_audio": spec.source_has_audio}


def spec_to_json(spec: TranscodeSpec) -> str:
    """The spec as a compact JSON text."""
    return json.dumps(spec_to_dict(spec), allow_nan=False, separators=(",", ":"))


def spec_from_json(text: str | bytes) -> TranscodeSpec:
    """The spec a JSON text holds; InvalidMessage when it is not exactly a valid spec."""
    return spec_from_dict(sj.parse(text, MAX_SPEC_BYTES, "spec"))


def spec_from_dict(data: object) -> TranscodeSpec:
    """The spec JSON data holds; InvalidMessage when it is not exactly a valid spec."""
    if not isinstance(data, dict):
        sj.json_object(data, _KEYS, "spec")  # raises: says what came instead of an object
        raise InvalidMessage("spec must be an object")
    version = sj.integer(data.get("version"), "spec.version",
                         (min(READ_VERSIONS), max(READ_VERSIONS)))
    run_key = _RUN_KEY[version]
    values = sj.json_object(data, [run_key if k == "run" else k for k in _KEYS], "spec")
    duration = _optional_seconds(values["source_duration"], "spec.source_duration")
    flag = sj.optional(sj.flag)
    return TranscodeSpec(
        job_id=sj.ident(values["job_id"], "spec.job_id"),
        source_path=_store_key(values["source_path"], "spec.source_path"),
        source_duration=duration,
        preset=preset_from_message(values["preset"], "spec.preset"),
        trim=_trim(values["trim"], duration),
        output_path=_store_key(values["output_path"], "spec.output_path"),
        run=sj.integer(values[run_key], f"spec.{run_key}", (1, MAX_RUN)),
        source_has_video=flag(values["source_has_video"], "spec.source_has_video"),
        source_has_audio=flag(values["source_has_audio"], "spec.source_has_audio"),
    )


def _store_key(value: object, where: str) -> str:
    """A key already in its canonical form: relative, no '..', no control characters."""
    key = sj.text(value, where)
    try:
        canonical = normalise_key(key)
    except ValidationError as e:
        raise InvalidMessage(f"{where}: {e}") from e
    if canonical != key:
        raise InvalidMessage(f"{where} {key[:80]!r} is not a canonical storage key")
    return key


def _trim(value: object, duration: float | None) -> Trim:
    """A segment within the source: neither end negative, reversed or past its end."""
    ends = sj.json_object(value, ("start", "end"), "spec.trim")
    trim = Trim(_optional_seconds(ends["start"], "spec.trim.start"),
                _optional_seconds(ends["end"], "spec.trim.end"))
    try:
        trim.check_within(duration)
    except ValidationError as e:
        raise InvalidMessage(f"spec.trim: {e}") from e
    return trim


def _seconds(value: object, where: str) -> float:
    return sj.number(value, where, (0.0, MAX_SECONDS))


_optional_seconds = sj.optional(_seconds)
