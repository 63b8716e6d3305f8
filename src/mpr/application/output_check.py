"""Check a finished output against what the job asked, so a broken result never "succeeds".

A truncated source makes ffmpeg stop early and exit 0; only the output's length and streams
tell. The duration must be within max(0.5 s, 2 %) of the trim length (or of the source's
duration); a copy cut may start up to a GOP earlier than trimStart (SPEC §2 "Trims"), so it
is compared against where it really starts, which its extra length tells."""

from __future__ import annotations

from mpr.domain.errors import OutputCheckFailed
from mpr.domain.media import MediaInfo, duration_tolerance
from mpr.domain.pipeline import TranscodeSpec
from mpr.domain.preset import COPY

EARLY_CUT_WARNING = 0.5  # seconds a copy cut may start before trimStart without a warning


def check_output(spec: TranscodeSpec, media: MediaInfo,
                 encoder_warnings: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The warnings the output deserves; OutputCheckFailed (carrying the encoder's warnings)
    when it is not what was asked."""
    try:
        _check_streams(spec, media)
        expected = spec.trim.length(spec.source_duration)
        if expected is None or media.duration is None:
            return ()
        return _check_duration(spec, media.duration, expected)
    except OutputCheckFailed as e:
        raise OutputCheckFailed(str(e), encoder_warnings) from None


def _check_streams(spec: TranscodeSpec, media: MediaInfo) -> None:
    preset = spec.preset
    if preset.video_codec is not None and spec.source_has_video and not media.has_video:
        raise OutputCheckFailed("the output has no video stream, though the source has one")
    if preset.audio_codec is not None and spec.source_has_audio and not media.has_audio:
        raise OutputCheckFailed("the output has no audio stream, though the source has one")


def _check_duration(spec: TranscodeSpec, actual: float, expected: float) -> tuple[str, ...]:
    start = spec.trim.start or 0.0
    allowed = duration_tolerance(expected)
    if actual < expected - allowed:
        raise OutputCheckFailed(
            f"output lasts {actual:.2f} s, {expected:.2f} s expected: the source appears "
            f"truncated near {start + actual:.1f} s")
    lead = actual - expected
    if not _is_copy_cut(spec):
        if lead > allowed:
            raise OutputCheckFailed(f"output lasts {actual:.2f} s, {expected:.2f} s expected")
        return ()
    early = min(lead, start)  # a cut cannot start before the media
    if early > EARLY_CUT_WARNING:
        return (f"the copy cut starts {early:.2f} s before trimStart {start:g} s, at the "
                f"keyframe near {start - early:.2f} s",)
    return ()


def _is_copy_cut(spec: TranscodeSpec) -> bool:
    copies = COPY in (spec.preset.video_codec, spec.preset.audio_codec)
    return copies and bool(spec.trim.start)
