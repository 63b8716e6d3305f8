"""The last byte of an upload arrived: probe it, move it into the input store, register it,
start the jobs it asked for. A file that is not media, or a store that fails, leaves nothing."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from mpr.application.create_job import CreateJob, CreateJobCommand
from mpr.domain.asset import Location, MediaAsset
from mpr.domain.errors import Conflict, MprError, NotFound, ProbeError, StorageError
from mpr.domain.media import MediaInfo
from mpr.domain.pipeline import MediaSource, StagedBytesIncomplete
from mpr.domain.ports import Clock, MediaProber, MediaStorage, UnitOfWorkFactory, UploadStaging
from mpr.domain.upload import NotMedia, Upload, UploadState, upload_key

log = logging.getLogger(__name__)
KEY_ATTEMPTS = 4  # the plain name, then with more and more of the upload's id
# Final PATCHes whose probe may start before their last byte, at once: each holds a waiting
# ffprobe process, and a stalled body holds it until the staging gives up on it (~40 s).
EARLY_PROBES = 16


class EarlyProbe:
    """An upload's probe started as its final PATCH begins (an EarlyReader for the staging):
    the prober's start then overlaps the body instead of following it."""

    def __init__(self, prober: MediaProber, on_close: Callable[[], None]) -> None:
        self._prober, self._on_close = prober, on_close
        self._task: asyncio.Task[MediaInfo] | None = None
        self._closed = False

    def __call__(self, source: MediaSource, complete: Awaitable[None]) -> None:
        self._task = asyncio.create_task(self._prober.probe(source, complete))

    async def result(self) -> MediaInfo | None:
        """What the probe found; None when it did not start or gave up (probe afresh)."""
        if self._task is None:
            return None
        try:
            return await self._task
        except StagedBytesIncomplete as e:
            log.info("early probe gave up (%s); probing the complete file", e)
            return None

    def close(self) -> None:
        """Stop a probe still running (the PATCH failed, or its answer was not wanted)."""
        if self._task is not None:
            if not self._task.done():
                self._task.cancel()
            elif not self._task.cancelled():
                self._task.exception()  # an unread failure (the PATCH failed first): no warning
        if not self._closed:
            self._closed = True
            self._on_close()


class FinishUpload:
    """Turn a complete upload into a ready input asset (and its jobs)."""

    def __init__(self, uow: UnitOfWorkFactory, staging: UploadStaging, store: MediaStorage,
                 prober: MediaProber, clock: Clock, create_job: CreateJob) -> None:
        self._uow, self._staging, self._store = uow, staging, store
        self._prober, self._clock, self._create_job = prober, clock, create_job
        self._early_open = 0

    def early(self) -> EarlyProbe | None:
        """A probe to start on the file before its last byte (UploadStaging.append); None
        while EARLY_PROBES are open (the probe then follows the body). Close it after use."""
        if self._early_open >= EARLY_PROBES:
            return None
        self._early_open += 1
        return EarlyProbe(self._prober, self._early_closed)

    def _early_closed(self) -> None:
        self._early_open -= 1

    async def __call__(self, upload: Upload, early: EarlyProbe | None = None
                       ) -> tuple[Upload, list[str]]:
        """The registered upload and why any asked-for job could not start."""
        media = await self._probe(upload, early)
        try:
            asset = await self._store_and_register(upload, media)
        except BaseException:
            await self._staging.remove(upload.id)
            raise
        upload.state, upload.asset_id = UploadState.DONE, asset.id
        problems = await self._start_jobs(upload, asset)
        await self._staging.save(upload)
        return upload, problems

    async def _probe(self, upload: Upload, early: EarlyProbe | None) -> MediaInfo:
        try:
            media = await early.result() if early is not None else None
            if media is not None:
                return media
            async with self._staging.open_source(upload.id) as source:
                return await self._prober.probe(source)
        except ProbeError as e:
            await self._staging.remove(upload.id)
            raise NotMedia(f"{upload.options.filename!r} is not audio or video MPR can read "
                           f"({e}); the upload was removed") from None

    async def _store_and_register(self, upload: Upload, media: MediaInfo) -> MediaAsset:
        """Register a pending asset under a free key, store the bytes there, mark it ready.

        The asset is registered first, so a scan or a watcher meanwhile skips the key."""
        for attempt in range(KEY_ATTEMPTS):
            asset = await self._register(upload, upload_key(upload.options.filename,
                                                            upload.id, attempt))
            if asset is None:
                continue
            try:
                await self._store.put_file(asset.file_path, self._staging.path(upload.id))
            except Conflict:
                await self._forget(asset)
                continue
            except BaseException as e:
                await self._forget(asset)
                if isinstance(e, StorageError):
                    raise StorageError(f"the input store refused the upload ({e}); nothing "
                                       "was kept: send the file again") from None
                raise
            await self._staging.discard_bytes(upload.id)  # the store's copy is the only one
            return await self._mark_ready(asset, media)
        raise Conflict(f"no free key in the input store for {upload.options.filename!r}")

    async def _register(self, upload: Upload, key: str) -> MediaAsset | None:
        asset = MediaAsset.register(key, Location.INPUT, self._clock.now(), upload.length)
        asset.filename = upload.options.filename
        try:
            async with self._uow() as uow:
                await uow.assets.add(asset)
                await uow.commit()
        except Conflict:
            return None
        return asset

    async def _mark_ready(self, asset: MediaAsset, media: MediaInfo) -> MediaAsset:
        async with self._uow() as uow:
            stored = await uow.assets.get(asset.id)
            stored.mark_ready(media, self._clock.now())
            await uow.assets.save(stored)
            await uow.commit()
        return stored

    async def _forget(self, asset: MediaAsset) -> None:
        try:
            async with self._uow() as uow:
                await uow.assets.delete(asset.id)
                await uow.commit()
        except NotFound:
            pass

    async def _start_jobs(self, upload: Upload, asset: MediaAsset) -> list[str]:
        problems = []
        for name in upload.options.presets:
            try:
                preset_id = await self._preset_id(name)
                job = await self._create_job(CreateJobCommand(
                    source_asset_id=str(asset.id), preset_id=preset_id,
                    trim_start=upload.options.trim_start, trim_end=upload.options.trim_end))
            except MprError as e:
                log.info("upload %s: preset %s did not start: %s", upload.id, name, e)
                problems.append(f"{name}: {e}")
            else:
                upload.job_ids.append(job.id)
        return problems

    async def _preset_id(self, name: str) -> str:
        async with self._uow() as uow:
            preset = await uow.presets.get_by_name(name)
        if preset is None:
            raise NotFound("preset", name)
        return str(preset.id)
