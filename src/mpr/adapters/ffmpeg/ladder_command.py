"""The ffmpeg argv of a ladder: decode once, scale per rendition, encode all in one run.

Every rendition is encoded with keyframes forced on the same SEGMENT_SECONDS grid, closed
GOPs and no scene-cut keyframes, so segment boundaries fall at the same times in every
rendition and a player can switch at any boundary. HLS writes MPEG-TS segments and one
playlist per rendition, named for it (720p.m3u8, 720p_00000.ts: the muxer makes no folders);
CMAF writes fMP4 segments once, with a DASH MPD and HLS playlists over them. ffmpeg's master
playlist is rewritten afterwards from the segments (hls_master.py)."""

from __future__ import annotations

import os

from mpr.adapters.ffmpeg.audio_args import audio_args
from mpr.domain.errors import TranscodeError
from mpr.domain.ladder import (
    CMAF,
    HLS,
    SEGMENT_SECONDS,
    Rendition,
    dash_manifest,
    parse_renditions,
)
from mpr.domain.pipeline import TranscodeRequest
from mpr.domain.preset import TranscodePreset

AUDIO_NAME = "audio"
AUDIO_GROUP = "audio"
MAXRATE_FACTOR = 1.1  # capped VBR: peaks stay near the target, so BANDWIDTH stays honest
BUFSIZE_FACTOR = 2.0


def rendition_name(rendition: Rendition) -> str:
    """The name (HLS) of a rendition's playlist and segments: its box height, as '720p'."""
    return f"{rendition.height}p"


def ladder_args(request: TranscodeRequest) -> list[str]:
    """Everything after the input: filter graph, maps, encoders and the package muxer."""
    preset = request.preset
    renditions = parse_renditions(preset.renditions or "")
    audio = preset.audio_codec is not None
    muxers = {HLS: _hls_muxer, CMAF: _cmaf_muxer}
    muxer = muxers.get(preset.container or "")
    if muxer is None:
        raise TranscodeError(f"{preset.container!r} is not a ladder container")
    return [*_filter_graph(renditions), *_maps(renditions, audio),
            *_video_encoder(preset, renditions), *audio_args(preset),
            *_duration(request), *muxer(request.destination, renditions, audio)]


def _filter_graph(renditions: tuple[Rendition, ...]) -> list[str]:
    """Scale the decoded video once per rendition, each from the rendition above it when
    that one's box holds its own (fewer pixels to read, the same frame size since boxes fit
    alike), else from the source; a picture that feeds several pads is split."""
    takers: dict[int | None, list[str]] = {}
    for i in range(len(renditions)):
        takers.setdefault(_parent(renditions, i), []).append(f"[in{i}]")
    chains = [f"[0:v:0]{_fan_out(takers[None])}"]
    for i, rendition in enumerate(renditions):
        pads = [f"[v{i}]", *takers.get(i, [])]
        chains.append(f"[in{i}]{_scale(rendition)}{_fan_out(pads, chained=True)}")
    return ["-filter_complex", ";".join(chains)]


def _parent(renditions: tuple[Rendition, ...], i: int) -> int | None:
    """The rendition rung i is scaled from: the one above when its box holds rung i's."""
    if i == 0:
        return None
    above, rung = renditions[i - 1], renditions[i]
    return i - 1 if rung.width <= above.width and rung.height <= above.height else None


def _fan_out(pads: list[str], chained: bool = False) -> str:
    """Filters that hand a picture to these pads: nothing more for one pad after a filter,
    'null' for one pad straight from the input, a split for several."""
    if len(pads) == 1:
        return pads[0] if chained else f"null{pads[0]}"
    return f"{',' if chained else ''}split={len(pads)}{''.join(pads)}"


def _scale(r: Rendition) -> str:
    return (f"scale=w='min({r.width},iw)':h='min({r.height},ih)'"
            ":force_original_aspect_ratio=decrease:force_divisible_by=2,format=yuv420p")


def _maps(renditions: tuple[Rendition, ...], audio: bool) -> list[str]:
    maps = [arg for i in range(len(renditions)) for arg in ("-map", f"[v{i}]")]
    return [*maps, *(["-map", "0:a:0"] if audio else []), "-map_metadata", "-1", "-sn", "-dn"]


def _video_encoder(p: TranscodePreset, renditions: tuple[Rendition, ...]) -> list[str]:
    speed = ["-preset", p.video_preset] if p.video_preset is not None else []
    framerate = ["-r", f"{p.framerate:g}"] if p.framerate is not None else []
    rates: list[str] = []
    for i, r in enumerate(renditions):
        rates += [f"-b:v:{i}", f"{r.kbps}k",
                  f"-maxrate:v:{i}", f"{round(r.kbps * MAXRATE_FACTOR)}k",
                  f"-bufsize:v:{i}", f"{round(r.kbps * BUFSIZE_FACTOR)}k"]
    return ["-c:v", p.video_codec or "libx264", *speed, "-profile:v", "high", *framerate,
            "-sc_threshold", "0", "-flags", "+cgop",
            "-force_key_frames", f"expr:gte(t,n_forced*{SEGMENT_SECONDS})", *rates]



def _duration(request: TranscodeRequest) -> list[str]:
    start, end = request.trim.start or 0.0, request.trim.end
    return [] if end is None else ["-t", f"{end - start:.6f}".rstrip("0").rstrip(".")]


def _hls_muxer(destination: str, renditions: tuple[Rendition, ...], audio: bool) -> list[str]:
    folder, master = os.path.split(os.path.abspath(destination))
    group = f",agroup:{AUDIO_GROUP}" if audio else ""
    streams = [f"v:{i},name:{rendition_name(r)}{group}" for i, r in enumerate(renditions)]
    if audio:
        streams.append(f"a:0,name:{AUDIO_NAME}{group},default:yes")
    return ["-f", "hls", "-hls_time", str(SEGMENT_SECONDS), "-hls_playlist_type", "vod",
            "-hls_segment_type", "mpegts", "-hls_flags", "independent_segments",
            "-hls_segment_filename", f"file:{folder}/%v_%05d.ts",
            "-master_pl_name", master, "-var_stream_map", " ".join(streams),
            f"file:{folder}/%v.m3u8"]


def _cmaf_muxer(destination: str, renditions: tuple[Rendition, ...], audio: bool) -> list[str]:
    folder, master = os.path.split(os.path.abspath(destination))
    sets = "id=0,streams=v" + (" id=1,streams=a" if audio else "")
    return ["-f", "dash", "-dash_segment_type", "mp4", "-seg_duration", str(SEGMENT_SECONDS),
            "-use_template", "1", "-use_timeline", "1", "-single_file", "0", "-streaming", "0",
            "-hls_playlist", "1", "-hls_master_name", master,
            "-init_seg_name", "init_$RepresentationID$.m4s",
            "-media_seg_name", "chunk_$RepresentationID$_$Number%05d$.m4s",
            "-adaptation_sets", sets, f"file:{folder}/{dash_manifest(master)}"]
