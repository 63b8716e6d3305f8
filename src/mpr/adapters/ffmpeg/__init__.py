"""FFmpeg adapters: the Transcoder and MediaProber ports on the ffmpeg/ffprobe CLIs."""

from mpr.adapters.ffmpeg.command import build_command
from mpr.adapters.ffmpeg.prober import FfprobeProber
from mpr.adapters.ffmpeg.progress import ProgressParser
from mpr.adapters.ffmpeg.samples import generate_sample_media, make_test_clip
from mpr.adapters.ffmpeg.transcoder import FfmpegTranscoder

__all__ = [
    "FfmpegTranscoder",
    "FfprobeProber",
    "ProgressParser",
    "build_command",
    "generate_sample_media",
    "make_test_clip",
]
