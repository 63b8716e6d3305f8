"""Remove staging areas no live encode will store: a killed run's, a stale run's, old ones.

A staging area is one run's directory holding every object of its package (earlier
versions staged a single file, named the same way); each goes as a whole."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from mpr.domain.errors import NotFound
from mpr.domain.job import JobStatus
from mpr.domain.ports import Clock, MediaStorage, UnitOfWorkFactory
from mpr.domain.staging import staging_owner

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class StagedFile:
    """A staging area (a directory) or a single staged file, and when it last changed."""

    path: Path
    modified: datetime


class SweepStaging:
    """Staging areas belong to one run of a job: kept only while that run processes
    the job, and never longer than the longest allowed job (`max_age` seconds)."""

    def __init__(self, uow: UnitOfWorkFactory, output_storage: MediaStorage, clock: Clock,
                 max_age: float) -> None:
        self._uow, self._output, self._clock, self._max_age = uow, output_storage, clock, max_age

    async def __call__(self) -> int:
        """Remove what no live run owns; the number of areas (or files) removed."""
        removed = 0
        for staged in await asyncio.to_thread(_staged, self._output.staging_dir()):
            if await self._abandoned(staged):
                await asyncio.to_thread(remove_staged, staged.path)
                removed += 1
        if removed:
            log.info("removed %d abandoned staging area(s)", removed)
        return removed

    async def _abandoned(self, staged: StagedFile) -> bool:
        if (self._clock.now() - staged.modified).total_seconds() > self._max_age:
            return True
        owner = staging_owner(staged.path.name)
        if owner is None:
            return False  # not a job's; only its age can make it abandoned
        try:
            async with self._uow() as uow:
                job = await uow.jobs.get(owner.job_id)
        except NotFound:
            return True
        return not (job.status is JobStatus.PROCESSING and job.runs == owner.run)


def remove_earlier_runs(directory: Path, job_id: uuid.UUID, run: int) -> int:
    """Remove the staging areas of the job's other runs (a new run starts); how many."""
    removed = 0
    for path in directory.glob(f"{job_id}.*"):
        owner = staging_owner(path.name)
        if owner is not None and owner.run != run:
            remove_staged(path)
            removed += 1
    return removed


def remove_staged(path: Path) -> None:
    """Remove a staging area with everything in it (or a single staged file); links inside
    are removed, never followed. A missing one is fine."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _staged(directory: Path) -> list[StagedFile]:
    files = []
    with os.scandir(directory) as entries:
        for entry in entries:
            if entry.is_file(follow_symlinks=False) or entry.is_dir(follow_symlinks=False):
                modified = datetime.fromtimestamp(entry.stat(follow_symlinks=False).st_mtime, UTC)
                files.append(StagedFile(Path(entry.path), modified))
    return files
