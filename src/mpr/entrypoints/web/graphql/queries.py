"""GraphQL queries: thin calls into the read use cases."""

from __future__ import annotations

import strawberry

from mpr.application.authorization import Permission
from mpr.application.waiting_media import waiting_media
from mpr.entrypoints.web.graphql.context import Info
from mpr.entrypoints.web.graphql.permissions import guard
from mpr.entrypoints.web.graphql.types import AssetType, JobType, PresetType, SystemStatusType
from mpr.entrypoints.web.graphql.waiting import WaitingMediaType


@strawberry.type
class Query:
    @strawberry.field(**guard(Permission.READ),
                      description="Assets, newest first; status: pending, ready, error or missing")
    async def assets(self, info: Info, status: str | None = None, location: str | None = None,
                     search: str | None = None, limit: int = 50, offset: int = 0
                     ) -> list[AssetType]:
        found = await info.context.services.queries.assets(status, location, search, limit,
                                                           offset)
        return [AssetType.from_domain(a) for a in found]

    @strawberry.field(**guard(Permission.READ))
    async def asset(self, info: Info, id: strawberry.ID) -> AssetType:
        return AssetType.from_domain(await info.context.services.queries.asset(id))

    @strawberry.field(**guard(Permission.READ),
                      description="Jobs, newest first; status: pending, processing, "
                                  "completed, failed or cancelled")
    async def jobs(self, info: Info, status: str | None = None,
                   source_asset_id: strawberry.ID | None = None, limit: int = 50,
                   offset: int = 0, output_asset_id: strawberry.ID | None = None
                   ) -> list[JobType]:
        found = await info.context.services.queries.jobs(
            status, str(source_asset_id) if source_asset_id else None, limit, offset,
            str(output_asset_id) if output_asset_id else None)
        return [JobType.from_domain(j) for j in found]

    @strawberry.field(**guard(Permission.READ))
    async def job(self, info: Info, id: strawberry.ID) -> JobType:
        return JobType.from_domain(await info.context.services.queries.job(id))

    @strawberry.field(**guard(Permission.READ),
                      description="Presets, builtin first, then by name")
    async def presets(self, info: Info, limit: int = 100, offset: int = 0) -> list[PresetType]:
        found = await info.context.services.queries.presets(limit, offset)
        return [PresetType.from_domain(p) for p in found]

    @strawberry.field(**guard(Permission.READ))
    async def preset(self, info: Info, id: strawberry.ID) -> PresetType:
        return PresetType.from_domain(await info.context.services.queries.preset(id))

    @strawberry.field(**guard(Permission.READ))
    async def system_status(self, info: Info) -> SystemStatusType:
        return SystemStatusType.from_domain(await info.context.services.system_status())

    @strawberry.field(**guard(Permission.SCAN),
                      description="Media files in the input store that a Scan would register")
    async def waiting_media(self, info: Info) -> WaitingMediaType:
        services = info.context.services
        return WaitingMediaType.from_domain(await waiting_media(services.uow,
                                                                services.input_storage))
