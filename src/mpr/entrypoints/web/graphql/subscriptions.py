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
        # one shared database read per job event, whatever the number of subscribers; a
        # fan-out group (ws_fanout.py) re-checks each of its members' credentials itself
        updates = info.context.services.job_watch.updates(id)
        if not info.context.shared:
            updates = still_allowed(info, Permission.READ, updates)
        async for job in updates:
            yield JobType.from_domain(job)
