"""GraphQL for batch work: `createJobs` starts one preset on many assets, `batch(id)` follows it."""

from __future__ import annotations

import strawberry

from mpr.application.authorization import Permission
from mpr.application.batch_progress import BatchProgress
from mpr.application.create_jobs import (
    AssetFilter,
    BatchCreated,
    CreateJobsCommand,
    Refusal,
)
from mpr.domain.job import JobStatus
from mpr.entrypoints.web.graphql.context import Info
from mpr.entrypoints.web.graphql.permissions import guard
from mpr.entrypoints.web.graphql.types import JobType


@strawberry.input
class AssetFilterInput:
    """The asset list's filter, as the `assets` query takes it."""

    search: str | None = None
    status: str | None = None
    location: str | None = None


@strawberry.input
class CreateJobsInput:
    preset_id: strawberry.ID
    asset_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="the assets by id (at most 200); or give filter")
    filter: AssetFilterInput | None = strawberry.field(
        default=None, description="every asset the asset list shows for this filter "
                                  "(at most 200 may match); or give assetIds")
    priority: int = 0

    def to_command(self) -> CreateJobsCommand:
        ids = None if self.asset_ids is None else [str(i) for i in self.asset_ids]
        matching = None if self.filter is None else AssetFilter(
            status=self.filter.status, location=self.filter.location, search=self.filter.search)
        return CreateJobsCommand(preset_id=str(self.preset_id), asset_ids=ids,
                                 matching=matching, priority=self.priority)


@strawberry.type(name="BatchRefusal")
class RefusalType:
    asset_id: strawberry.ID
    filename: str | None = strawberry.field(description="null for an unknown asset")
    reason: str
    code: str = strawberry.field(description="the error code createJob would have answered")

    @classmethod
    def from_domain(cls, r: Refusal) -> RefusalType:
        return cls(asset_id=strawberry.ID(r.asset_id), filename=r.filename, reason=r.reason,
                   code=r.code)


@strawberry.type(name="BatchCreated")
class BatchCreatedType:
    batch_id: strawberry.ID
    jobs: list[JobType]
    refused: list[RefusalType] = strawberry.field(
        description="the assets that got no job, each with the reason")

    @classmethod
    def from_domain(cls, b: BatchCreated) -> BatchCreatedType:
        return cls(batch_id=strawberry.ID(str(b.batch_id)),
                   jobs=[JobType.from_domain(j) for j in b.jobs],
                   refused=[RefusalType.from_domain(r) for r in b.refused])


@strawberry.type
class BatchCounts:
    pending: int
    processing: int
    completed: int
    failed: int
    cancelled: int


@strawberry.type(name="Batch")
class BatchType:
    id: strawberry.ID
    jobs: list[JobType] = strawberry.field(description="oldest first")
    counts: BatchCounts
    total: int
    progress: float = strawberry.field(
        description="0-100: the jobs' progress weighted by their sources' durations")
    finished: bool = strawberry.field(description="no job is pending or processing")

    @classmethod
    def from_domain(cls, b: BatchProgress) -> BatchType:
        counts = BatchCounts(**{s.value: b.counts.get(s, 0) for s in JobStatus})
        return cls(id=strawberry.ID(str(b.batch_id)),
                   jobs=[JobType.from_domain(j) for j in b.jobs], counts=counts,
                   total=len(b.jobs), progress=b.progress, finished=b.finished)


@strawberry.type
class BatchQuery:
    @strawberry.field(**guard(Permission.READ),
                      description="A batch started by createJobs: its jobs and overall progress")
    async def batch(self, info: Info, id: strawberry.ID) -> BatchType:
        return BatchType.from_domain(await info.context.services.read_batch(str(id)))


@strawberry.type
class BatchMutation:
    @strawberry.mutation(**guard(Permission.CREATE_JOB),
                         description="Start one preset on many whole assets (by id or by the "
                                     "asset list's filter, at most 200); assets that cannot "
                                     "take the job are listed in refused, the others get jobs "
                                     "sharing one batchId")
    async def create_jobs(self, info: Info, input: CreateJobsInput) -> BatchCreatedType:
        return BatchCreatedType.from_domain(await info.context.services.create_jobs(
            input.to_command()))
