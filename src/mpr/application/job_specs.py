"""The job spec every executor receives, built from the stored job and its source."""

from __future__ import annotations

from mpr.domain.asset import MediaAsset
from mpr.domain.job import TranscodeJob
from mpr.domain.pipeline import TranscodeSpec


def spec_for(job: TranscodeJob, source: MediaAsset, run: int) -> TranscodeSpec:
    """The spec of the given run of the job."""
    media = source.media
    return TranscodeSpec(job_id=job.id, source_path=source.file_path,
                         source_duration=media.duration, preset=job.preset, trim=job.trim,
                         output_path=job.output_path, run=run,
                         source_has_video=media.has_video, source_has_audio=media.has_audio)


def next_run_spec(job: TranscodeJob, source: MediaAsset) -> TranscodeSpec:
    """The spec of a pending job's next run: its claim counts one more run."""
    return spec_for(job, source, job.runs + 1)
