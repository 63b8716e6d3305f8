"""A media store in an S3 bucket (MinIO, AWS S3 or any S3-compatible server) through boto3."""

from __future__ import annotations

import asyncio
import contextlib
import mimetypes
import tempfile
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from boto3.s3.transfer import TransferConfig
from botocore.exceptions import BotoCoreError, ClientError
from s3transfer.manager import TransferManager

from mpr.adapters.storage.s3_client import (
    bucket_check_error,
    error_code,
    is_missing_object,
    storage_error,
)
from mpr.domain.errors import NotFound, StorageError
from mpr.domain.keys import normalise_key
from mpr.domain.pipeline import StoredObject

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from s3transfer.futures import TransferFuture

T = TypeVar("T")
CHUNK = 256 * 1024
MiB = 1024 * 1024
DEFAULT_TRANSFER = TransferConfig(multipart_threshold=16 * MiB, multipart_chunksize=16 * MiB,
                                  max_concurrency=4)
BOTO_ERRORS = (BotoCoreError, ClientError)


class S3Storage:
    """MediaStorage over one bucket; ffmpeg reads objects through presigned GET URLs."""

    kind = "s3"

    def __init__(self, bucket: str, client: S3Client, *, check_client: S3Client | None = None,
                 staging: Path | None = None, presign_ttl: int = 6 * 3600,
                 page_size: int = 1000, transfer: TransferConfig = DEFAULT_TRANSFER) -> None:
        self.bucket = bucket
        self._client, self._check_client = client, check_client or client
        self._staging = staging or Path(tempfile.gettempdir()) / "mpr-staging" / bucket
        self._presign_ttl, self._page_size, self._transfer = presign_ttl, page_size, transfer

    @property
    def endpoint(self) -> str:
        return str(self._client.meta.endpoint_url)

    async def list(self, prefix: str = "") -> AsyncIterator[StoredObject]:
        pages = iter(self._client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=prefix, PaginationConfig={"PageSize": self._page_size}))
        while (page := await self._call("list objects", lambda: next(pages, None))) is not None:
            for item in page.get("Contents", []):
                key = item.get("Key", "")
                if key and not key.endswith("/"):  # 'folder/' markers are not objects
                    yield StoredObject(key, int(item.get("Size", 0)))

    async def stat(self, key: str) -> StoredObject:
        key = normalise_key(key)
        try:
            head = await asyncio.to_thread(self._client.head_object, Bucket=self.bucket, Key=key)
        except BOTO_ERRORS as e:
            if is_missing_object(e):
                await self._require_bucket()  # HEAD says 404 for a missing bucket too
                raise NotFound("object", key) from None
            raise storage_error(e, f"stat {key!r}", self.bucket, self.endpoint) from e
        return StoredObject(key, int(head.get("ContentLength", 0)))

    async def _require_bucket(self) -> None:
        try:
            await asyncio.to_thread(self._client.head_bucket, Bucket=self.bucket)
        except BOTO_ERRORS as e:
            raise bucket_check_error(e, self.bucket, self.endpoint) from e

    async def exists(self, key: str) -> bool:
        try:
            await self.stat(key)
        except NotFound:
            return False
        return True

    async def read(self, key: str, start: int = 0, end: int | None = None
                   ) -> AsyncIterator[bytes]:
        key = normalise_key(key)
        if end is not None and end <= start:
            return
        body = await self._open(key, start, end)
        if body is None:
            return
        try:
            while chunk := await self._call(f"read {key!r}", lambda: body.read(CHUNK)):
                yield chunk
        finally:
            await asyncio.to_thread(body.close)

    async def _open(self, key: str, start: int, end: int | None) -> Any:
        """The streaming body of the byte range; None when start lies past the end."""
        span = f"bytes={start}-{'' if end is None else end - 1}"
        whole = start == 0 and end is None
        try:
            response = await asyncio.to_thread(
                lambda: self._client.get_object(Bucket=self.bucket, Key=key) if whole
                else self._client.get_object(Bucket=self.bucket, Key=key, Range=span))
        except BOTO_ERRORS as e:
            if is_missing_object(e):
                raise NotFound("object", key) from None
            if error_code(e) == "InvalidRange":
                return None
            raise storage_error(e, f"read {key!r}", self.bucket, self.endpoint) from e
        return response["Body"]

    async def media_locator(self, key: str) -> str:
        """A presigned GET URL: ffmpeg reads only the byte ranges it needs over HTTP.

        Signing is local; the object is not asked for until ffmpeg reads it."""
        key = normalise_key(key)
        return await self._call(f"presign {key!r}", lambda: self._client.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": key},
            ExpiresIn=self._presign_ttl))

    def staging_dir(self) -> Path:
        self._staging.mkdir(parents=True, exist_ok=True)
        return self._staging

    async def put_file(self, key: str, local_path: Path) -> StoredObject:
        """Upload (multipart when large); the key appears only once the upload completes."""
        key = normalise_key(key)
        try:
            size = (await asyncio.to_thread(local_path.stat)).st_size
        except OSError as e:
            raise StorageError(f"cannot store {key!r}: {e}") from e
        await self._upload(key, local_path)
        return StoredObject(key, size)

    async def _upload(self, key: str, local_path: Path) -> None:
        content_type = mimetypes.guess_type(key)[0] or "application/octet-stream"
        manager = TransferManager(self._client, self._transfer)
        future = manager.upload(str(local_path), self.bucket, key,
                                extra_args={"ContentType": content_type})
        try:
            await asyncio.to_thread(future.result)
        except asyncio.CancelledError:
            await asyncio.shield(self._abandon(future, key))
            raise
        except Exception as e:
            raise storage_error(e, f"store {key!r}", self.bucket, self.endpoint) from e
        finally:
            await asyncio.shield(asyncio.to_thread(manager.shutdown))

    async def _abandon(self, future: TransferFuture, key: str) -> None:
        """Stop a cancelled upload (multipart parts are aborted) and remove it if it landed."""
        future.cancel()
        with contextlib.suppress(Exception):
            await asyncio.to_thread(future.result)
        with contextlib.suppress(StorageError):
            await self.delete(key)

    async def delete(self, key: str) -> None:
        key = normalise_key(key)
        await self._call(f"delete {key!r}",
                         lambda: self._client.delete_object(Bucket=self.bucket, Key=key))

    async def check(self) -> None:
        try:
            await asyncio.to_thread(self._check_client.head_bucket, Bucket=self.bucket)
        except BOTO_ERRORS as e:
            raise bucket_check_error(e, self.bucket, self.endpoint) from e

    async def create_bucket(self) -> None:
        """Create the bucket unless it exists (for MPR_S3_CREATE_BUCKETS)."""
        region = self._client.meta.region_name
        extra: dict[str, Any] = {}
        if region and region != "us-east-1":
            extra["CreateBucketConfiguration"] = {"LocationConstraint": region}
        try:
            await asyncio.to_thread(self._client.create_bucket, Bucket=self.bucket, **extra)
        except BOTO_ERRORS as e:
            if error_code(e) != "BucketAlreadyOwnedByYou":
                raise storage_error(e, "create the bucket", self.bucket, self.endpoint) from e

    async def _call(self, action: str, call: Callable[[], T]) -> T:
        try:
            return await asyncio.to_thread(call)
        except BOTO_ERRORS as e:
            raise storage_error(e, action, self.bucket, self.endpoint) from e
