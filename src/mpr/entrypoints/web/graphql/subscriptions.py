"""GraphQL subscriptions: a job's status and progress as they change."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry

from mpr.application.authorization import Permission
from mpr.entrypoints.web.graphql.context import Info
from mpr.entrypoints.web.graphql.permissions import guard, still_allowed
from mpr.entrypoints.web.graphql.types import JobType


@strawberry.type
class Subscription:
    @strawberry.subscription(**guard(Permission.READ),
                             description="The job now and on every change, until it ends")
    async def job_updates(self, info: Info, id: strawberry.ID) -> AsyncGenerator[JobType, None]:
        # one shared database poll per job, whatever the number of subscribers
        async for job in still_allowed(info, Permission.READ,
                                       info.context.services.job_watch.updates(id)):
            yield JobType.from_domain(job)
