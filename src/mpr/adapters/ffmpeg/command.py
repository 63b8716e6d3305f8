"""Build the ffmpeg argv for one TranscodeRequest from validated settings, never free-form."""

from __future__ import annotations

import os
import re

from mpr.adapters.ffmpeg.audio_args import audio_args
from mpr.adapters.ffmpeg.ladder_command import ladder_args
from mpr.domain.errors import TranscodeError
from mpr.domain.pipeline import MediaSource, TranscodeRequest
from mpr.domain.preset import COPY, TranscodePreset

# "warning": a damaged input's decode warnings reach stderr, and are kept on the job.
GLOBAL_ARGS = ("-hide_banner", "-nostdin", "-y", "-nostats", "-loglevel", "warning",
               "-progress", "pipe:1")

# Output muxer per container name (presets' containers and what the prober reports for copy).
MUXERS: dict[str, str] = {
    "mp4": "mp4", "m4v": "mp4", "mov": "mov", "m4a": "ipod", "3gp": "3gp",
    "mkv": "matroska", "webm": "webm", "mp3": "mp3", "ogg": "ogg", "opus": "ogg",
    "aac": "adts", "flac": "flac", "wav": "wav", "aiff": "aiff", "avi": "avi", "flv": "flv",
    "mpegts": "mpegts", "ts": "mpegts", "mpeg": "mpeg", "asf": "asf", "mxf": "mxf",
    "mpg": "mpeg", "m2ts": "mpegts", "mts": "mpegts", "ogv": "ogg", "oga": "ogg",
    "wmv": "asf", "wma": "asf", "aif": "aiff",
}
_MOV_MUXERS = frozenset({"mp4", "mov", "ipod", "3gp"})
_URL = re.compile(r"^https?://", re.IGNORECASE)
# Nested opens (playlists, references inside a file) may only use the input's own protocols.
_FILE_PROTOCOLS = "file"
_URL_PROTOCOLS = "http,https,tcp,tls,crypto"
# The only demuxers a source may be read with: single-file containers (those the extensions in
# domain/media.py name). ffmpeg picks a demuxer by content, so without this list a text file
# named .mp4 is read as an HLS playlist, a concat list or an SDP session and opens what it names.
SOURCE_FORMATS = ("mov", "matroska", "avi", "mpeg", "mpegts", "flv", "asf", "ogg", "mxf", "mp3",
                  "aac", "wav", "flac", "aiff")


# ffmpeg names the demuxer it detected in the prefix of its refusal: "[hls @ 0x...] Format not..."
_REFUSED_FORMAT = re.compile(r"^\[([^\]@]+?) @ 0x[0-9a-f]+\]\s*Format not on whitelist", re.M)


def refused_format(stderr: str) -> str | None:
    """Why ffmpeg/ffprobe refused a source outside SOURCE_FORMATS, from its stderr; else None."""
    refused = _REFUSED_FORMAT.search(stderr)
    if refused is None:
        return None
    return (f"not a single-file media container (detected: {refused.group(1).strip()}): "
            f"sources are read only as {', '.join(SOURCE_FORMATS)}, never as playlists, "
            "lists or other formats that open further files or URLs")


def is_url(locator: str) -> bool:
    """True for an http(s) URL, which ffmpeg reads directly."""
    return bool(_URL.match(locator))


def media_arg(locator: str) -> str:
    """The argv form of a path or URL: 'file:' + absolute path, so no name reads as an option."""
    return locator if is_url(locator) else "file:" + os.path.abspath(locator)


def protocol_whitelist(locator: str) -> list[str]:
    """Restrict what a (possibly hostile) input may open to its own kind of protocol."""
    return ["-protocol_whitelist", _URL_PROTOCOLS if is_url(locator) else _FILE_PROTOCOLS]


def source_options(source: MediaSource) -> list[str]:
    """What a source may open: its own protocol only, through single-file demuxers only."""
    return [*protocol_whitelist(source.locator), "-format_whitelist", ",".join(SOURCE_FORMATS)]


def source_input(source: MediaSource) -> list[str]:
    """The options and `-i` of a source for ffmpeg."""
    return [*source_options(source), "-i", media_arg(source.locator)]


def muxer_for(container: str) -> str:
    """The ffmpeg muxer that writes a container; TranscodeError for an unknown one."""
    muxer = MUXERS.get(container.lower())
    if muxer is None:
        raise TranscodeError(f"cannot write container {container!r}")
    return muxer


def build_command(request: TranscodeRequest, ffmpeg: str = "ffmpeg") -> list[str]:
    """The full argv of the ffmpeg run that performs the request."""
    preset = request.preset
    if preset.is_ladder:
        return [ffmpeg, *GLOBAL_ARGS, *_input_args(request), *ladder_args(request)]
    muxer = muxer_for(request.output_format)
    return [
        ffmpeg, *GLOBAL_ARGS,
        *_input_args(request),
        *_map_args(preset),
        *_video_args(preset, muxer),
        *audio_args(preset),
        *_output_args(request, muxer),
    ]


def _input_args(request: TranscodeRequest) -> list[str]:
    seek = [] if not request.trim.start else ["-ss", _number(request.trim.start)]
    return [*seek, *source_input(request.source)]


def _map_args(preset: TranscodePreset) -> list[str]:
    video = ["-map", "0:v:0?"] if preset.video_codec is not None else []
    audio = ["-map", "0:a:0?"] if preset.audio_codec is not None else []
    return [*video, *audio, "-map_metadata", "0", "-sn", "-dn"]


def _video_args(p: TranscodePreset, muxer: str) -> list[str]:
    if p.video_codec is None:
        return ["-vn"]
    if p.video_codec == COPY:
        return ["-c:v", COPY]
    framerate = ["-r", _number(p.framerate)] if p.framerate is not None else []
    return ["-c:v", p.video_codec, *_rate_control(p), *_speed(p), *_codec_extras(p, muxer),
            "-vf", scale_filter(p.box), "-pix_fmt", "yuv420p", *framerate]


def _rate_control(p: TranscodePreset) -> list[str]:
    crf = ["-crf", str(p.video_crf)] if p.video_crf is not None else []
    if p.video_bitrate is not None:
        return [*crf, "-b:v", p.video_bitrate]
    # libvpx-vp9 is only in constant-quality mode when the bitrate is 0.
    vp9_cq = p.video_codec == "libvpx-vp9" and p.video_crf is not None
    return [*crf, "-b:v", "0"] if vp9_cq else crf


def _speed(p: TranscodePreset) -> list[str]:
    if p.video_codec == "libvpx-vp9":
        speed = [] if p.video_preset is None else ["-deadline", "good", "-cpu-used", p.video_preset]
        return [*speed, "-row-mt", "1"]
    return [] if p.video_preset is None else ["-preset", p.video_preset]


def _codec_extras(p: TranscodePreset, muxer: str) -> list[str]:
    if p.video_codec != "libx265":
        return []
    # Apple players and browsers only recognise HEVC in MP4/MOV under the hvc1 tag.
    tag = ["-tag:v", "hvc1"] if muxer in _MOV_MUXERS else []
    return [*tag, "-x265-params", "log-level=error"]


def scale_filter(box: tuple[int, int] | None) -> str:
    """Fit inside the box keeping aspect, never upscale, even dimensions (yuv420p needs them)."""
    if box is None:
        return "scale=trunc(iw/2)*2:trunc(ih/2)*2"
    width, height = box
    return (f"scale=w='min({width},iw)':h='min({height},ih)'"
            ":force_original_aspect_ratio=decrease:force_divisible_by=2")



def _output_args(request: TranscodeRequest, muxer: str) -> list[str]:
    start, end = request.trim.start or 0.0, request.trim.end
    duration = [] if end is None else ["-t", _number(end - start)]
    copies = COPY in (request.preset.video_codec, request.preset.audio_codec)
    # Copied packets keep their timestamps; shift them so the cut starts at zero.
    shift = ["-avoid_negative_ts", "make_zero"] if copies else []
    faststart = ["-movflags", "+faststart"] if muxer in _MOV_MUXERS else []
    return [*duration, *shift, "-f", muxer, *faststart, media_arg(request.destination)]


def _number(value: float) -> str:
    """A float as ffmpeg reads it, without exponent or trailing zeros."""
    return f"{value:.6f}".rstrip("0").rstrip(".")
