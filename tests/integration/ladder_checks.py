"""Reading a stored ladder package as a player would: playlists parsed with the `m3u8` package,
the MPD with ElementTree, every segment measured and every rendition probed with ffprobe."""

from __future__ import annotations

import json
import math
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import m3u8

from tests.integration.media import FFPROBE

DASH = "{urn:mpeg:dash:schema:mpd:2011}"
# H.264 profile_idc per ffprobe profile name (the first byte of an avc1 CODECS string).
PROFILE_IDC = {"Constrained Baseline": 66, "Baseline": 66, "Main": 77, "High": 100}
AAC_OBJECT_TYPES = {"LC": 2, "HE-AAC": 5, "HE-AACv2": 29}


@dataclass(frozen=True)
class Rendition:
    """One media playlist and what its segments hold."""

    uri: str
    playlist: m3u8.M3U8
    path: Path

    @property
    def durations(self) -> list[float]:
        return [float(s.duration) for s in self.playlist.segments]

    @property
    def boundaries(self) -> list[float]:
        """Where each segment starts, in seconds, and where the last one ends."""
        edges = [0.0]
        for duration in self.durations:
            edges.append(round(edges[-1] + duration, 3))
        return edges

    def segment_files(self) -> list[Path]:
        return [self.path.parent / str(s.uri) for s in self.playlist.segments]

    def peak_bps(self) -> float:
        return max(f.stat().st_size * 8 / d for f, d in zip(self.segment_files(), self.durations,
                                                            strict=True))


def load_master(path: Path) -> m3u8.M3U8:
    return m3u8.load(str(path))


def renditions(master: m3u8.M3U8, folder: Path) -> tuple[list[Rendition], list[Rendition]]:
    """The video renditions (variants) and the audio renditions (media) of a master."""
    video = [Rendition(str(p.uri), m3u8.load(str(folder / str(p.uri))), folder / str(p.uri))
             for p in master.playlists]
    audio = [Rendition(str(m.uri), m3u8.load(str(folder / str(m.uri))), folder / str(m.uri))
             for m in master.media if m.type == "AUDIO"]
    return video, audio


def ffprobe_streams(path: Path) -> list[dict[str, Any]]:
    """ffprobe's streams of a media playlist or segment of our own package."""
    out = subprocess.run(
        [FFPROBE, "-v", "error", "-protocol_whitelist", "file", "-show_entries",
         "stream=codec_type,codec_name,profile,level,width,height,avg_frame_rate:format=duration",
         "-of", "json", f"file:{path}"], capture_output=True, check=True, text=True).stdout
    data = json.loads(out)
    streams: list[dict[str, Any]] = data["streams"]
    for stream in streams:
        stream["format_duration"] = float(data.get("format", {}).get("duration", "nan"))
    return streams


def avc_codec(codecs: str) -> tuple[int, int]:
    """profile_idc and level_idc of the avc1 entry of a CODECS string."""
    (avc,) = [c for c in codecs.split(",") if c.startswith("avc1.")]
    digits = avc.removeprefix("avc1.")
    return int(digits[0:2], 16), int(digits[4:6], 16)


def aac_object_type(codecs: str) -> int:
    (aac,) = [c for c in codecs.split(",") if c.startswith("mp4a.40.")]
    return int(aac.removeprefix("mp4a.40."))


def frame_rate(stream: dict[str, Any]) -> float:
    num, den = stream["avg_frame_rate"].split("/")
    return int(num) / int(den)


@dataclass(frozen=True)
class DashRepresentation:
    id: str
    kind: str
    codecs: str
    height: int | None
    durations: list[float]
    files: list[Path]
    bandwidth: int

    def peak_bps(self) -> float:
        """The highest bitrate of a media segment (the init segment is not one)."""
        return max(f.stat().st_size * 8 / d for f, d in zip(self.files[1:], self.durations,
                                                            strict=True))


def parse_mpd(path: Path) -> list[DashRepresentation]:
    """Each representation of a static MPD with SegmentTemplate + SegmentTimeline, its
    segment durations and the files its templates name (init first)."""
    root = ET.parse(path).getroot()  # noqa: S314 - our own package's manifest
    found = []
    for adaptation in root.iter(f"{DASH}AdaptationSet"):
        for rep in adaptation.iter(f"{DASH}Representation"):
            template = rep.find(f"{DASH}SegmentTemplate")
            assert template is not None
            found.append(_representation(path.parent, adaptation, rep, template))
    return found


def _representation(folder: Path, adaptation: ET.Element, rep: ET.Element,
                    template: ET.Element) -> DashRepresentation:
    scale = int(template.get("timescale", "1"))
    ticks: list[int] = []
    timeline = template.find(f"{DASH}SegmentTimeline")
    assert timeline is not None
    for s in timeline.iter(f"{DASH}S"):
        ticks += [int(s.get("d", "0"))] * (int(s.get("r", "0")) + 1)
    rep_id = rep.get("id", "")
    start = int(template.get("startNumber", "1"))
    media = template.get("media", "")
    init = template.get("initialization", "").replace("$RepresentationID$", rep_id)
    files = [folder / init] + [folder / _number(media.replace("$RepresentationID$", rep_id),
                                                start + i) for i in range(len(ticks))]
    height = rep.get("height")
    return DashRepresentation(rep_id, adaptation.get("contentType", ""), rep.get("codecs", ""),
                              int(height) if height else None, [t / scale for t in ticks],
                              files, int(rep.get("bandwidth", "0")))


def _number(template: str, number: int) -> str:
    head, _, rest = template.partition("$Number")
    fmt, _, tail = rest.partition("$")
    width = int(fmt.removeprefix("%0").removesuffix("d")) if fmt else 0
    return f"{head}{number:0{width}d}{tail}"


def within_target(playlist: m3u8.M3U8) -> bool:
    """RFC 8216: each EXTINF, rounded to the nearest integer, is at most the target duration."""
    target = playlist.target_duration
    return target is not None and all(math.floor(float(s.duration) + 0.5) <= target
                                      for s in playlist.segments)
