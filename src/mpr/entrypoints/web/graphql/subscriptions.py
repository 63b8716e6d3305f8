"""GraphQL subscriptions: a job's status and progress as they change."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator

import strawberry

from mpr.entrypoints.web.graphql.context import Info
from mpr.entrypoints.web.graphql.types import JobType

POLL_SECONDS = 0.25  # the database is the truth whichever process runs the job


@strawberry.type
class Subscription:
    @strawberry.subscription(description="The job now and on every change, until it ends")
    async def job_updates(self, info: Info, id: strawberry.ID) -> AsyncGenerator[JobType, None]:
        queries = info.context.services.queries
        last = None
        while True:
            job = await queries.job(id)
            seen = (job.status, job.progress, job.current_time, job.error_message, job.attempts)
            if seen != last:
                last = seen
                yield JobType.from_domain(job)
            if not job.status.is_active:
                return
            await asyncio.sleep(POLL_SECONDS)
