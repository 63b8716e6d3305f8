"""The builtin presets: seeded on first start, read-only, with stable names and ids."""

from __future__ import annotations

import uuid

from mpr.domain.ladder import CMAF, HLS, STANDARD_LADDER
from mpr.domain.preset import TranscodePreset

_NAMESPACE = uuid.UUID("5b1c9f9e-4a8e-4f53-9f0e-2f7d0d6a6d11")


def _builtin(name: str, description: str, **settings: object) -> TranscodePreset:
    return TranscodePreset(id=uuid.uuid5(_NAMESPACE, name), name=name, description=description,
                           is_builtin=True, **settings)  # type: ignore[arg-type]


BUILTIN_PRESETS: tuple[TranscodePreset, ...] = (
    _builtin("h264-1080p", "H.264 in MP4, fit in 1920x1080, AAC stereo", container="mp4",
             video_codec="libx264", video_crf=23, video_preset="medium", resolution="1920x1080",
             audio_codec="aac", audio_bitrate="192k", audio_channels=2),
    _builtin("h264-720p", "H.264 in MP4, fit in 1280x720, AAC stereo", container="mp4",
             video_codec="libx264", video_crf=23, video_preset="medium", resolution="1280x720",
             audio_codec="aac", audio_bitrate="128k", audio_channels=2),
    _builtin("h264-480p", "H.264 in MP4, fit in 854x480, AAC stereo", container="mp4",
             video_codec="libx264", video_crf=23, video_preset="medium", resolution="854x480",
             audio_codec="aac", audio_bitrate="96k", audio_channels=2),
    _builtin("h265-1080p", "H.265/HEVC in MP4, fit in 1920x1080, AAC stereo", container="mp4",
             video_codec="libx265", video_crf=28, video_preset="medium", resolution="1920x1080",
             audio_codec="aac", audio_bitrate="192k", audio_channels=2),
    _builtin("vp9-720p", "VP9 in WebM, fit in 1280x720, Opus stereo", container="webm",
             video_codec="libvpx-vp9", video_crf=32, video_preset="4", resolution="1280x720",
             audio_codec="libopus", audio_bitrate="128k", audio_channels=2),
    _builtin("av1-720p", "AV1 (SVT-AV1) in MP4, fit in 1280x720, AAC stereo", container="mp4",
             video_codec="libsvtav1", video_crf=35, video_preset="8", resolution="1280x720",
             audio_codec="aac", audio_bitrate="128k", audio_channels=2),
    _builtin("aac-audio", "Audio only: AAC 192 kb/s in M4A", container="m4a",
             audio_codec="aac", audio_bitrate="192k"),
    _builtin("mp3-audio", "Audio only: MP3 192 kb/s", container="mp3",
             audio_codec="libmp3lame", audio_bitrate="192k"),
    _builtin("hls-ladder", "HLS: H.264 at 1080p, 720p, 480p and 360p (up to the source's "
             "height) in 4 s MPEG-TS segments, AAC stereo as its own rendition", container=HLS,
             video_codec="libx264", video_preset="veryfast", renditions=STANDARD_LADDER,
             audio_codec="aac", audio_bitrate="128k", audio_channels=2),
    _builtin("cmaf-ladder", "CMAF: one set of 4 s fMP4 segments (H.264 at 1080p, 720p, 480p "
             "and 360p up to the source's height, AAC stereo) with HLS and DASH manifests",
             container=CMAF, video_codec="libx264", video_preset="veryfast",
             renditions=STANDARD_LADDER, audio_codec="aac", audio_bitrate="128k",
             audio_channels=2),
    _builtin("copy", "Remux or cut without re-encoding; keeps the source's container",
             video_codec="copy", audio_codec="copy"),
)

COPY_PRESET = BUILTIN_PRESETS[-1]
BUILTIN_NAMES = frozenset(p.name for p in BUILTIN_PRESETS)
