"""Resumable uploads: create, append, look at, cancel and expire them (tus's use cases)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta

from mpr.application.authorization import Principal
from mpr.application.ids import parse_id
from mpr.application.upload_finish import FinishUpload
from mpr.domain.errors import Forbidden, NotFound, ValidationError
from mpr.domain.identity import Role
from mpr.domain.ports import BodyCopy, Clock, UnitOfWorkFactory, UploadStaging
from mpr.domain.upload import (
    Upload,
    UploadGone,
    UploadOptions,
    UploadState,
    UploadTooLarge,
    check_options,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class UploadLimits:
    max_bytes: int
    expiry: timedelta


@dataclass(frozen=True, slots=True)
class Appended:
    """Where an upload stands after a PATCH; when it completed, what it became."""

    upload: Upload
    job_problems: list[str] = field(default_factory=list)


class Uploads:
    """Every upload operation; callers are checked by the entrypoint (Permission.UPLOAD), and
    an upload is touched only by who created it, or an admin."""

    def __init__(self, uow: UnitOfWorkFactory, staging: UploadStaging, finish: FinishUpload,
                 clock: Clock, limits: UploadLimits) -> None:
        self._uow, self._staging, self._finish = uow, staging, finish
        self._clock, self.limits = clock, limits

    async def create(self, principal: Principal, length: int, options: UploadOptions
                     ) -> Upload:
        """A new empty upload, refused before any byte when too large or badly named."""
        if length < 0:
            raise ValidationError("Upload-Length must not be negative")
        if length > self.limits.max_bytes:
            raise UploadTooLarge(f"the file ({length} bytes) is larger than this server takes "
                                 f"(MPR_UPLOAD_MAX_BYTES = {self.limits.max_bytes})")
        if length == 0:
            raise ValidationError("an empty file (0 bytes) is not media")
        options = check_options(options)
        await self._check_presets(options.presets)
        now = self._clock.now()
        upload = Upload(id=uuid.uuid4(), length=length, options=options,
                        created_by=principal.actor, created_at=now,
                        expires_at=now + self.limits.expiry)
        await self._staging.create(upload)
        log.info("upload %s started by %s: %r, %d bytes", upload.id, principal.actor,
                 options.filename, length)
        return upload

    async def status(self, principal: Principal, upload_id: str) -> Upload:
        """The upload, if it has not expired and the caller may see it."""
        upload = await self._staging_get(upload_id)
        _check_owner(principal, upload)
        if upload.expired(self._clock.now()):
            await self._staging.remove(upload.id)
            raise UploadGone("upload", upload.id, f"upload {upload.id} expired; its bytes "
                             "were removed")
        return upload

    async def append(self, principal: Principal, upload_id: str, offset: int,
                     body_length: int | None, chunks: AsyncIterator[bytes],
                     checksum: tuple[str, bytes] | None = None, copy: BodyCopy | None = None
                     ) -> Appended:
        """Write a PATCH's bytes (the chunks, or what `copy` hands over where the server can);
        on the last byte the file is registered (FinishUpload)."""
        upload = await self.status(principal, upload_id)
        upload.check_patch(offset, body_length)
        final = body_length is not None and offset + body_length == upload.length
        early = self._finish.early() if final else None
        try:
            upload = await self._staging.append(upload.id, offset, chunks, checksum, copy,
                                                early)
            upload.expires_at = self._clock.now() + self.limits.expiry
            if not upload.complete:
                await self._staging.save(upload)
                return Appended(upload)
            finished, problems = await self._finish(upload, early)
            return Appended(finished, problems)
        finally:
            if early is not None:
                early.close()

    async def terminate(self, principal: Principal, upload_id: str) -> None:
        """Cancel an upload: its bytes and record go (a registered asset stays)."""
        upload = await self._staging_get(upload_id)
        _check_owner(principal, upload)
        await self._staging.remove(upload.id)
        log.info("upload %s cancelled by %s", upload.id, principal.actor)

    async def sweep(self) -> int:
        """Remove expired uploads (and the records of registered ones); how many went."""
        now, removed = self._clock.now(), 0
        for upload in await self._staging.all():
            if upload.expired(now):
                await self._staging.remove(upload.id)
                removed += 1
                if upload.state is UploadState.RECEIVING:
                    log.info("upload %s expired at %d of %d bytes; removed", upload.id,
                             upload.offset, upload.length)
        return removed

    async def _staging_get(self, upload_id: str) -> Upload:
        ident = parse_id(upload_id, "upload")
        try:
            return await self._staging.get(ident)
        except NotFound:
            raise NotFound("upload", ident, f"upload {ident} not found (it may have "
                           "expired or been cancelled)") from None

    async def _check_presets(self, names: tuple[str, ...]) -> None:
        async with self._uow() as uow:
            for name in names:
                if await uow.presets.get_by_name(name) is None:
                    raise ValidationError(f"unknown preset {name!r}")


def _check_owner(principal: Principal, upload: Upload) -> None:
    if principal.actor != upload.created_by and principal.role is not Role.ADMIN:
        raise Forbidden(f"upload {upload.id} belongs to another user")
