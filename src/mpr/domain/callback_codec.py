"""What a Lambda reports on its callback, as strict JSON both ways.

One event per call: `started`, `progress` (also a heartbeat), `check` (may this run still
store its output?), `completed` (the stored output and its media info), `failed` (the
encode failed: the job fails) or `crashed` (the state machine caught the Lambda dying:
the job is retried while attempts remain). Each
names the job and its run (never reused, so a call of a run before a retry is told apart),
and carries `seq`, a number the run increases with every
call, so a replayed or overtaken call is recognised and changes nothing."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any, Literal

from mpr.domain import strict_json as sj
from mpr.domain.errors import InvalidMessage
from mpr.domain.job import Progress
from mpr.domain.media import MediaInfo
from mpr.domain.properties import bounded_properties
from mpr.domain.spec_codec import MAX_RUN, MAX_SECONDS

MAX_CALLBACK_BYTES = 512 * 1024  # a completed event carries the output's probe data
MAX_TEXT = 4000
MAX_SEQ = 2**53
Kind = Literal["started", "progress", "check", "completed", "failed", "crashed"]
KINDS: tuple[Kind, ...] = ("started", "progress", "check", "completed", "failed", "crashed")
_MEDIA = ("duration", "container", "video_codec", "audio_codec", "width", "height",
          "framerate", "bitrate", "properties")


@dataclass(frozen=True, slots=True)
class CallbackEvent:
    """One callback of a run (job id + run number) of a job."""

    kind: Kind
    job_id: uuid.UUID
    run: int
    seq: int
    progress: Progress | None = None  # progress
    output_key: str | None = None  # completed
    output_size: int | None = None  # the main object's bytes
    package_size: int | None = None  # every object's, for a package of several
    media: MediaInfo | None = None
    message: str | None = None  # failed
    warnings: tuple[str, ...] = field(default=())


def event_to_json(event: CallbackEvent) -> bytes:
    """The event as the compact JSON body of a callback."""
    data: dict[str, Any] = {"event": event.kind, "job_id": str(event.job_id),
                            "run": event.run, "seq": event.seq}
    if event.kind == "progress" and event.progress is not None:
        p = event.progress
        data["progress"] = {"percent": p.percent, "current_time": p.current_time,
                            "speed": p.speed, "eta": p.eta}
    if event.kind == "completed":
        data["output"] = {"key": event.output_key, "size": event.output_size,
                          "package_size": event.package_size,
                          "media": _media_to_dict(event.media or MediaInfo())}
    if event.kind in ("completed", "failed", "crashed"):
        data["warnings"] = list(event.warnings)
    if event.kind in ("failed", "crashed"):
        data["message"] = event.message or ""
    return json.dumps(data, allow_nan=False, separators=(",", ":")).encode()


def event_from_json(body: bytes) -> CallbackEvent:
    """The event a callback body holds; InvalidMessage when it is not exactly one."""
    data = sj.parse(body, MAX_CALLBACK_BYTES, "callback")
    if not isinstance(data, dict):
        raise InvalidMessage("callback must be a JSON object")
    kind = data.get("event")
    if kind not in KINDS:
        raise InvalidMessage(f"callback.event must be one of {', '.join(KINDS)}")
    keys = {"event", "job_id", "run", "seq", *_EXTRA[kind]}
    values = sj.json_object(data, keys, "callback")
    base = {"kind": kind, "job_id": sj.ident(values["job_id"], "callback.job_id"),
            "run": sj.integer(values["run"], "callback.run", (1, MAX_RUN)),
            "seq": sj.integer(values["seq"], "callback.seq", (0, MAX_SEQ))}
    return CallbackEvent(**base, **_READERS[kind](values))


_EXTRA: dict[str, tuple[str, ...]] = {
    "started": (), "check": (), "progress": ("progress",),
    "completed": ("output", "warnings"), "failed": ("message", "warnings"),
    "crashed": ("message", "warnings"),
}


def _nothing(_: Any) -> dict[str, Any]:
    return {}


def _progress(values: Any) -> dict[str, Any]:
    p = sj.json_object(values["progress"], ("percent", "current_time", "speed", "eta"),
                       "callback.progress")
    seconds = sj.optional(lambda v, w: sj.number(v, w, (0.0, MAX_SECONDS)))
    return {"progress": Progress(
        percent=sj.number(p["percent"], "callback.progress.percent", (0.0, 100.0)),
        current_time=seconds(p["current_time"], "callback.progress.current_time"),
        speed=seconds(p["speed"], "callback.progress.speed"),
        eta=seconds(p["eta"], "callback.progress.eta"))}


def _completed(values: Any) -> dict[str, Any]:
    out = sj.json_object(values["output"], ("key", "size", "package_size", "media"),
                         "callback.output")
    package_size = sj.optional(lambda v, w: sj.integer(v, w, (0, 2**62)))
    return {"output_key": _text(out["key"], "callback.output.key"),
            "output_size": sj.integer(out["size"], "callback.output.size", (0, 2**62)),
            "package_size": package_size(out["package_size"], "callback.output.package_size"),
            "media": _media_from(out["media"]), "warnings": _warnings(values["warnings"])}


def _failed(values: Any) -> dict[str, Any]:
    return {"message": _text(values["message"], "callback.message"),
            "warnings": _warnings(values["warnings"])}


_READERS = {"started": _nothing, "check": _nothing, "progress": _progress,
            "completed": _completed, "failed": _failed, "crashed": _failed}


def _text(value: object, where: str) -> str:
    text = sj.text(value, where)
    if len(text) > MAX_TEXT:
        raise InvalidMessage(f"{where} is longer than {MAX_TEXT} characters")
    return text


def _warnings(value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or len(value) > 100:
        raise InvalidMessage("callback.warnings must be an array of at most 100 strings")
    return tuple(_text(w, "callback.warnings[]") for w in value)


def _media_to_dict(media: MediaInfo) -> dict[str, Any]:
    return {name: getattr(media, name) for name in _MEDIA}


def _media_from(value: object) -> MediaInfo:
    m = sj.json_object(value, _MEDIA, "callback.output.media")
    text = sj.optional(_text)
    count = sj.optional(lambda v, w: sj.integer(v, w, (0, 2**62)))
    real = sj.optional(lambda v, w: sj.number(v, w, (0.0, MAX_SECONDS)))
    properties = m["properties"]
    if not isinstance(properties, dict):
        raise InvalidMessage("callback.output.media.properties must be an object")
    where = "callback.output.media."
    return MediaInfo(duration=real(m["duration"], where + "duration"),
                     container=text(m["container"], where + "container"),
                     video_codec=text(m["video_codec"], where + "video_codec"),
                     audio_codec=text(m["audio_codec"], where + "audio_codec"),
                     width=count(m["width"], where + "width"),
                     height=count(m["height"], where + "height"),
                     framerate=real(m["framerate"], where + "framerate"),
                     bitrate=count(m["bitrate"], where + "bitrate"),
                     properties=bounded_properties(properties))
