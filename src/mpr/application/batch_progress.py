"""How far a batch got: its jobs, how many are in each status, and its overall progress.

Overall progress weighs each job by its source's duration (a batch's jobs encode whole
files), so a long film counts for more than a short clip; a job whose source has no known
duration weighs as much as the batch's average one. Failed and cancelled jobs count for
what they reached: a batch with a failure ends `finished` below 100 %."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from mpr.application.ids import parse_id
from mpr.domain.errors import NotFound
from mpr.domain.job import JobStatus, TranscodeJob
from mpr.domain.ports import UnitOfWorkFactory


@dataclass(frozen=True, slots=True)
class BatchProgress:
    batch_id: uuid.UUID
    jobs: Sequence[TranscodeJob]
    counts: Mapping[JobStatus, int]
    progress: float  # 0-100, weighted by source duration

    @property
    def finished(self) -> bool:
        """True once no job of the batch is pending or processing."""
        return not any(j.status.is_active for j in self.jobs)


def overall_progress(jobs: Sequence[TranscodeJob], durations: Mapping[uuid.UUID, float]
                     ) -> float:
    """The jobs' progress, each weighted by its source's duration (seconds)."""
    known = [durations[j.source_asset_id] for j in jobs if j.source_asset_id in durations]
    fallback = sum(known) / len(known) if known else 1.0
    weights = [durations.get(j.source_asset_id, fallback) for j in jobs]
    total = sum(weights)
    if not total:
        return 0.0
    done = sum(w * (100.0 if j.status is JobStatus.COMPLETED else j.progress)
               for w, j in zip(weights, jobs, strict=True))
    return round(done / total, 2)


class ReadBatch:
    """batch(id): what the job panel shows of a batch."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, batch_id: str) -> BatchProgress:
        ident = parse_id(batch_id, "batch")
        async with self._uow() as uow:
            jobs = await uow.jobs.in_batch(ident)
            if not jobs:
                raise NotFound("batch", ident)
            sources = await uow.assets.many({j.source_asset_id for j in jobs})
        durations = {a.id: a.media.duration for a in sources
                     if a.media.duration is not None and a.media.duration > 0}
        counts = {s: sum(j.status is s for j in jobs) for s in JobStatus}
        return BatchProgress(ident, jobs, counts, overall_progress(jobs, durations))
