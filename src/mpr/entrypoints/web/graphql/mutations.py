"""GraphQL mutations: parse, call a use case, return the changed entity."""

from __future__ import annotations

import strawberry

from mpr.application.authorization import Permission
from mpr.entrypoints.web.graphql.context import Info
from mpr.entrypoints.web.graphql.inputs import CreateJobInput, PresetInput, UpdateAssetInput
from mpr.entrypoints.web.graphql.permissions import guard
from mpr.entrypoints.web.graphql.types import (
    AssetType,
    ClearResult,
    DeleteResult,
    JobType,
    PresetType,
    ScanResultType,
)


@strawberry.type
class Mutation:
    @strawberry.mutation(**guard(Permission.SCAN),
                         description="Register and probe media files new in the input store")
    async def scan_media_folder(self, info: Info) -> ScanResultType:
        return ScanResultType.from_domain(await info.context.services.scan_media())

    @strawberry.mutation(**guard(Permission.CREATE_JOB))
    async def create_job(self, info: Info, input: CreateJobInput) -> JobType:
        job = await info.context.services.create_job(input.to_command())
        return JobType.from_domain(job)

    @strawberry.mutation(**guard(Permission.CANCEL_JOB))
    async def cancel_job(self, info: Info, id: strawberry.ID) -> JobType:
        return JobType.from_domain(await info.context.services.cancel_job(id))

    @strawberry.mutation(**guard(Permission.RETRY_JOB))
    async def retry_job(self, info: Info, id: strawberry.ID) -> JobType:
        return JobType.from_domain(await info.context.services.retry_job(id))

    @strawberry.mutation(**guard(Permission.CLEAR_JOBS),
                         description="Remove finished jobs (completed, failed, cancelled; or "
                                     "those of one of these statuses) from the list; their "
                                     "outputs stay")
    async def clear_finished_jobs(self, info: Info, status: str | None = None) -> ClearResult:
        return ClearResult(removed=await info.context.services.clear_jobs(status))

    @strawberry.mutation(**guard(Permission.EDIT_ASSETS))
    async def update_asset(self, info: Info, id: strawberry.ID,
                           input: UpdateAssetInput) -> AssetType:
        asset = await info.context.services.update_asset(id, input.to_changes())
        return AssetType.from_domain(asset)

    @strawberry.mutation(**guard(Permission.DELETE_ASSETS),
                         description="Remove an asset; an output's file goes with it, a source's "
                                     "file stays in the input store (MPR never writes there)")
    async def delete_asset(self, info: Info, id: strawberry.ID) -> DeleteResult:
        asset = await info.context.services.delete_asset(id)
        return DeleteResult(ok=True, id=strawberry.ID(str(asset.id)))

    @strawberry.mutation(**guard(Permission.MANAGE_PRESETS))
    async def create_preset(self, info: Info, input: PresetInput) -> PresetType:
        preset = await info.context.services.create_preset(input.to_fields())
        return PresetType.from_domain(preset)

    @strawberry.mutation(**guard(Permission.MANAGE_PRESETS))
    async def update_preset(self, info: Info, id: strawberry.ID,
                            input: PresetInput) -> PresetType:
        preset = await info.context.services.update_preset(id, input.to_fields())
        return PresetType.from_domain(preset)

    @strawberry.mutation(**guard(Permission.MANAGE_PRESETS))
    async def delete_preset(self, info: Info, id: strawberry.ID) -> DeleteResult:
        preset = await info.context.services.delete_preset(id)
        return DeleteResult(ok=True, id=strawberry.ID(str(preset.id)))
