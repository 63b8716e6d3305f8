"""ffmpeg's audio encoder arguments for a preset (one file or a ladder's audio rendition)."""

from __future__ import annotations

from mpr.domain.preset import COPY, TranscodePreset


def audio_args(p: TranscodePreset) -> list[str]:
    """-an without audio, -c:a copy, or the codec with the bitrate, channels and rate set."""
    if p.audio_codec is None:
        return ["-an"]
    if p.audio_codec == COPY:
        return ["-c:a", COPY]
    args = ["-c:a", p.audio_codec]
    if p.audio_bitrate is not None:
        args += ["-b:a", p.audio_bitrate]
    if p.audio_channels is not None:
        args += ["-ac", str(p.audio_channels)]
    if p.audio_samplerate is not None:
        args += ["-ar", str(p.audio_samplerate)]
    return args
