"""Finish a ladder package: media playlists tidied, the master playlist written from the segments.

ffmpeg's master playlist states each variant's nominal bitrate, no AVERAGE-BANDWIDTH and no
FRAME-RATE; its DASH muxer's HLS playlists carry wall-clock EXT-X-PROGRAM-DATE-TIME tags and
no playlist type. Here every media playlist gets the lowest EXT-X-VERSION its features need
(3 for MPEG-TS, 7 for fMP4) and is marked VOD, and the master playlist is written again:
BANDWIDTH is the peak segment bitrate (video plus audio), AVERAGE-BANDWIDTH the mean, both
measured on the segments; RESOLUTION and FRAME-RATE (to 3 decimals) are what a probe reads
in the encoded rendition; CODECS is ffmpeg's, which it takes from each stream's own
parameter sets. A CMAF package's MPD gets the measured peaks as its bandwidths too."""

from __future__ import annotations

import asyncio
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path

from mpr.domain.errors import ProbeError, TranscodeError
from mpr.domain.ladder import dash_manifest

TS_VERSION = 3  # floating-point EXTINF
FMP4_VERSION = 7  # fMP4 segments behind EXT-X-MAP (as Apple's authoring rules and ffmpeg say)
_ATTRIBUTE = re.compile(r'([A-Z0-9-]+)=("[^"]*"|[^,]*)')
# ffmpeg's DASH muxer names representation N's HLS playlist media_N.m3u8
_REPRESENTATION = re.compile(r'(<Representation id="(\d+)"[^>]*?\sbandwidth=")(\d+)(")')
_DASH_PLAYLIST = "media_{}.m3u8"
_DROPPED_TAGS = ("#EXT-X-VERSION", "#EXT-X-PROGRAM-DATE-TIME", "#EXT-X-PLAYLIST-TYPE")


@dataclass(frozen=True, slots=True)
class MediaPlaylist:
    """One rendition's playlist as measured: its segments' durations and sizes."""

    uri: str
    durations: tuple[float, ...]
    sizes: tuple[int, ...]

    @property
    def peak_bps(self) -> int:
        """The highest bitrate of any segment (its bits over its duration)."""
        return max((math.ceil(s * 8 / d) for s, d in zip(self.sizes, self.durations, strict=True)
                    if d > 0), default=0)

    @property
    def average_bps(self) -> int:
        total = sum(self.durations)
        return math.ceil(sum(self.sizes) * 8 / total) if total > 0 else 0


def attributes(line: str) -> dict[str, str]:
    """The attribute list of a tag line, quotes kept as written."""
    return dict(_ATTRIBUTE.findall(line.partition(":")[2]))


async def finish_package(master: Path) -> None:
    """Rewrite the master playlist at `master` and tidy the media playlists it names."""
    folder = master.parent
    variants, audio = _read_master(master.read_text("utf-8"))
    playlists = {uri: _tidy_media_playlist(folder, uri) for uri in [*variants, *audio]}
    probes = await asyncio.gather(*(_probe_video(folder / uri) for uri in variants))
    audio_peak = max((playlists[u].peak_bps for u in audio), default=0)
    audio_mean = max((playlists[u].average_bps for u in audio), default=0)
    lines = ["#EXTM3U", f"#EXT-X-VERSION:{_version(folder, [*variants, *audio])}",
             "#EXT-X-INDEPENDENT-SEGMENTS"]
    lines += [_media_tag(audio[uri], uri) for uri in audio]
    for (uri, attrs), probe in zip(variants.items(), probes, strict=True):
        media = playlists[uri]
        stream = [f"BANDWIDTH={media.peak_bps + audio_peak}",
                  f"AVERAGE-BANDWIDTH={media.average_bps + audio_mean}",
                  f"RESOLUTION={probe.width}x{probe.height}", f"FRAME-RATE={probe.frame_rate:.3f}",
                  f"CODECS={attrs['CODECS']}"]
        stream += ["AUDIO=\"audio\""] if audio else []
        lines += [f"#EXT-X-STREAM-INF:{','.join(stream)}", uri]
    _write(master, "\n".join(lines) + "\n")
    mpd = folder / dash_manifest(master.name)
    if mpd.is_file():
        _measure_mpd(mpd, playlists)


def _measure_mpd(mpd: Path, playlists: dict[str, MediaPlaylist]) -> None:
    """Each Representation's bandwidth: the peak bitrate of its segments (as in HLS), where
    ffmpeg wrote the encoder's target."""
    def measured(match: re.Match[str]) -> str:
        media = playlists.get(_DASH_PLAYLIST.format(match.group(2)))
        if media is None:
            raise TranscodeError(f"the MPD's representation {match.group(2)} has no playlist")
        return f"{match.group(1)}{media.peak_bps}{match.group(4)}"

    text, count = _REPRESENTATION.subn(measured, mpd.read_text("utf-8"))
    if count != len(playlists):
        raise TranscodeError(f"the MPD names {count} representations, the playlists "
                             f"{len(playlists)}")
    _write(mpd, text)


def _read_master(text: str) -> tuple[dict[str, dict[str, str]], dict[str, dict[str, str]]]:
    """ffmpeg's variants (URI: attributes) and audio renditions, in its order."""
    variants: dict[str, dict[str, str]] = {}
    audio: dict[str, dict[str, str]] = {}
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for i, line in enumerate(lines):
        if line.startswith("#EXT-X-MEDIA:"):
            attrs = attributes(line)
            audio[attrs["URI"].strip('"')] = attrs
        elif line.startswith("#EXT-X-STREAM-INF:") and i + 1 < len(lines):
            variants[_safe_uri(lines[i + 1])] = attributes(line)
    if not variants:
        raise TranscodeError("ffmpeg wrote a master playlist without variants")
    return variants, {_safe_uri(uri): attrs for uri, attrs in audio.items()}


def _safe_uri(uri: str) -> str:
    """A playlist ffmpeg named beside the master: a plain relative file name."""
    if not uri or "/" in uri or uri.startswith(".") or "\\" in uri:
        raise TranscodeError(f"unexpected playlist name {uri!r} in ffmpeg's master playlist")
    return uri


def _media_tag(attrs: dict[str, str], uri: str) -> str:
    count = attrs.get("CHANNELS", "").strip('"')
    channels = f',CHANNELS="{count}"' if count else ""
    return (f'#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",NAME="audio",DEFAULT=YES,'
            f'AUTOSELECT=YES{channels},URI="{uri}"')


def _tidy_media_playlist(folder: Path, uri: str) -> MediaPlaylist:
    """Rewrite a media playlist with its version and VOD type; measure its segments."""
    path = folder / uri
    lines = [line.strip() for line in path.read_text("utf-8").splitlines() if line.strip()]
    version = FMP4_VERSION if any(line.startswith("#EXT-X-MAP") for line in lines) else (
        TS_VERSION)
    kept = [line for line in lines if not line.startswith(_DROPPED_TAGS)]
    if "#EXT-X-ENDLIST" not in kept:
        kept.append("#EXT-X-ENDLIST")
    body = ["#EXTM3U", f"#EXT-X-VERSION:{version}", "#EXT-X-PLAYLIST-TYPE:VOD",
            *(line for line in kept if line != "#EXTM3U")]
    _write(path, "\n".join(body) + "\n")
    return _measure(folder, uri, kept)


def _measure(folder: Path, uri: str, lines: list[str]) -> MediaPlaylist:
    durations: list[float] = []
    sizes: list[int] = []
    for i, line in enumerate(lines):
        if line.startswith("#EXTINF:") and i + 1 < len(lines):
            durations.append(float(line.removeprefix("#EXTINF:").split(",")[0]))
            sizes.append((folder / _safe_uri(lines[i + 1])).stat().st_size)
    if not durations:
        raise TranscodeError(f"ffmpeg wrote no segments for {uri}")
    return MediaPlaylist(uri, tuple(durations), tuple(sizes))


def _version(folder: Path, uris: list[str]) -> int:
    """The master's version: the highest of its media playlists'."""
    texts = ((folder / uri).read_text("utf-8") for uri in uris)
    return FMP4_VERSION if any("#EXT-X-MAP" in text for text in texts) else TS_VERSION


@dataclass(frozen=True, slots=True)
class VideoProbe:
    width: int
    height: int
    frame_rate: float


async def _probe_video(playlist: Path) -> VideoProbe:
    """The encoded size and frame rate of a rendition, read through its playlist in process
    by PyAV, as MPR probes its outputs (pyav_probe): no process to start per rendition."""
    from mpr.adapters.ffmpeg.pyav_probe import probe_file  # loaded with the job runtime

    try:
        info = await asyncio.to_thread(probe_file, str(playlist))
    except ProbeError as e:
        raise TranscodeError(f"cannot read the rendition {playlist.name}: {e}") from e
    if info.width is None or info.height is None or not info.framerate:
        raise TranscodeError(f"the rendition {playlist.name} has no video stream")
    return VideoProbe(info.width, info.height, info.framerate)


def _write(path: Path, text: str) -> None:
    """Replace a playlist at once (a temporary file renamed over it)."""
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, "utf-8")
    os.replace(temporary, path)
