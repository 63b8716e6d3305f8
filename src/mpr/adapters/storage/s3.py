"""A media store in an S3 bucket (MinIO, AWS S3 or any S3-compatible server) through boto3."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import mimetypes
import os
import tempfile
from collections.abc import AsyncIterator, Callable, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, TypeVar

from boto3.s3.transfer import TransferConfig
from botocore.exceptions import BotoCoreError, ClientError
from s3transfer.manager import TransferManager

from mpr.adapters.storage.s3_client import (
    bucket_check_error,
    error_code,
    is_missing_object,
    storage_error,
)
from mpr.adapters.storage.staging_area import open_staged, staged_package
from mpr.domain.errors import Conflict, NotFound, StorageError
from mpr.domain.keys import normalise_key
from mpr.domain.package import Package, StoredPackage, is_folder_prefix, package_prefix
from mpr.domain.pipeline import MediaSource, StoredObject

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import ObjectIdentifierTypeDef
    from s3transfer.futures import TransferFuture

T = TypeVar("T")
CHUNK = 256 * 1024
MiB = 1024 * 1024
DEFAULT_TRANSFER = TransferConfig(multipart_threshold=16 * MiB, multipart_chunksize=16 * MiB,
                                  max_concurrency=4)
BOTO_ERRORS = (BotoCoreError, ClientError)
DELETE_BATCH = 1000  # the most keys one DeleteObjects request takes
log = logging.getLogger(__name__)


class S3Storage:
    """MediaStorage over one bucket; ffmpeg reads objects through presigned GET URLs."""

    kind = "s3"

    def __init__(self, bucket: str, client: S3Client, *, check_client: S3Client | None = None,
                 staging: Path | None = None, presign_ttl: int = 6 * 3600,
                 page_size: int = 1000, transfer: TransferConfig = DEFAULT_TRANSFER,
                 public_client: S3Client | None = None) -> None:
        self.bucket = bucket
        self._client, self._check_client = client, check_client or client
        self._public_client = public_client  # signs for the browser-reachable endpoint
        self._staging = staging or Path(tempfile.gettempdir()) / "mpr-staging" / bucket
        self._presign_ttl, self._page_size, self._transfer = presign_ttl, page_size, transfer
        refuse_overwrites(client, bucket)

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
        return StoredObject(key, int((await self._head(key)).get("ContentLength", 0)))

    async def _head(self, key: str) -> Any:
        try:
            return await asyncio.to_thread(self._client.head_object, Bucket=self.bucket, Key=key)
        except BOTO_ERRORS as e:
            if is_missing_object(e):
                await self._require_bucket()  # HEAD says 404 for a missing bucket too
                raise NotFound("object", key) from None
            raise storage_error(e, f"stat {key!r}", self.bucket, self.endpoint) from e

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

    async def read(self, key: str, start: int = 0, end: int | None = None,
                   etag: str | None = None) -> AsyncIterator[bytes]:
        """The bytes of the range; with an etag, only while the object is still that one."""
        key = normalise_key(key)
        if end is not None and end <= start:
            return
        body = await self._open(key, start, end, etag)
        if body is None:
            return
        try:
            while chunk := await self._call(f"read {key!r}", lambda: body.read(CHUNK)):
                yield chunk
        finally:
            await asyncio.to_thread(body.close)

    async def _open(self, key: str, start: int, end: int | None, etag: str | None) -> Any:
        """The streaming body of the byte range; None when start lies past the end."""
        options: dict[str, Any] = {} if etag is None else {"IfMatch": etag}
        if start != 0 or end is not None:
            options["Range"] = f"bytes={start}-{'' if end is None else end - 1}"
        try:
            response = await asyncio.to_thread(
                lambda: self._client.get_object(Bucket=self.bucket, Key=key, **options))
        except BOTO_ERRORS as e:
            if is_missing_object(e):
                raise NotFound("object", key) from None
            if error_code(e) == "InvalidRange":
                return None
            if error_code(e) == "PreconditionFailed":
                raise StorageError(f"{key!r} was replaced while it was read") from None
            raise storage_error(e, f"read {key!r}", self.bucket, self.endpoint) from e
        return response["Body"]

    async def open_reader(self, key: str) -> S3Reader:
        """The object as it is now (its ETag): later reads fail if it is replaced."""
        key = normalise_key(key)
        head = await self._head(key)
        return S3Reader(self, key, int(head.get("ContentLength", 0)), head.get("ETag"))

    @contextlib.asynccontextmanager
    async def open_source(self, key: str) -> AsyncIterator[MediaSource]:
        """A presigned GET URL of that one object: ffmpeg reads only the byte ranges it needs.

        Signing is local; the object is not asked for until ffmpeg reads it. With a public
        endpoint, browsers get a second URL signed for that endpoint's host."""
        public = None
        if self._public_client is not None:
            public = await self.presigned_url(key, self._public_client)
        yield MediaSource(locator=await self.presigned_url(key), name=normalise_key(key),
                          browser_locator=public)

    async def presigned_url(self, key: str, client: S3Client | None = None) -> str:
        """A GET URL signed for this bucket and this key alone (the signature covers both)."""
        key, signer = normalise_key(key), client or self._client
        return await self._call(f"presign {key!r}", lambda: signer.generate_presigned_url(
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
            raise StorageError(f"cannot store {key!r}: {e.strerror or type(e).__name__}") from e
        await self._upload(key, str(local_path))
        return StoredObject(key, size)

    async def put_package(self, main_key: str, staged: Path) -> StoredPackage:
        """Upload every other member, then the main object, each only if its key is free;
        a folder prefix must hold nothing yet. A failure deletes what was uploaded."""
        package = await asyncio.to_thread(staged_package, main_key, staged)
        if is_folder_prefix(package.prefix) and await self._any_under(package.prefix):
            raise Conflict(f"output package {package.prefix!r} already exists in the bucket; "
                           "MPR never replaces an object")
        stored: list[StoredObject] = []
        uploading: list[str] = []  # the key in flight: a cancel may land once it has arrived
        try:
            for key in package.member_keys:
                uploading[:] = [key]
                stored.append(await self._upload_staged(staged, package, key))
                uploading.clear()
        except Conflict:
            await asyncio.shield(self._remove_uploaded([obj.key for obj in stored]))
            raise  # the key in flight was taken: that object is not ours
        except BaseException:
            await asyncio.shield(self._remove_uploaded([obj.key for obj in stored] + uploading))
            raise
        return StoredPackage(package, tuple(stored))

    async def _any_under(self, prefix: str) -> bool:
        page = await self._call(f"list {prefix!r}", lambda: self._client.list_objects_v2(
            Bucket=self.bucket, Prefix=prefix, MaxKeys=1))
        return bool(page.get("Contents"))

    async def _upload_staged(self, staged: Path, package: Package, key: str) -> StoredObject:
        """Upload from the descriptor the staged file was checked through."""
        fd = await asyncio.to_thread(open_staged, staged, package, key)
        with os.fdopen(fd, "rb") as body:  # s3transfer may close it first; closing is harmless
            size = os.fstat(fd).st_size
            await self._upload(key, body)
        return StoredObject(key, size)

    async def _remove_uploaded(self, keys: Sequence[str]) -> None:
        try:
            await self._delete_keys(keys)
        except StorageError as e:
            log.warning("could not remove %d object(s) of a partly stored package: %s",
                        len(keys), e)

    async def _upload(self, key: str, source: str | BinaryIO) -> None:
        content_type = mimetypes.guess_type(key)[0] or "application/octet-stream"
        manager = TransferManager(self._client, self._transfer)
        future = manager.upload(source, self.bucket, key,
                                extra_args={"ContentType": content_type})
        try:
            await asyncio.to_thread(future.result)
        except asyncio.CancelledError:
            await asyncio.shield(self._abandon(future, key))
            raise
        except Exception as e:
            if error_code(e) == "PreconditionFailed":
                raise Conflict(f"output {key!r} already exists in the bucket; "
                               "MPR never replaces an object") from None
            raise storage_error(e, f"store {key!r}", self.bucket, self.endpoint) from e
        finally:
            await asyncio.shield(asyncio.to_thread(manager.shutdown))

    async def _abandon(self, future: TransferFuture, key: str) -> None:
        """Stop a cancelled upload (multipart parts are aborted) and remove it if it landed;
        an upload refused because the key was taken removes nothing (that object is not ours)."""
        future.cancel()
        try:
            await asyncio.to_thread(future.result)
        except Exception as e:
            if error_code(e) == "PreconditionFailed":
                return
        with contextlib.suppress(StorageError):
            await self.delete(key)

    async def delete(self, key: str) -> None:
        key = normalise_key(key)
        await self._call(f"delete {key!r}",
                         lambda: self._client.delete_object(Bucket=self.bucket, Key=key))

    async def delete_package(self, main_key: str) -> None:
        """The main object first, so readers stop seeing the package, then the rest."""
        await self.delete(main_key)
        prefix = package_prefix(main_key)
        if is_folder_prefix(prefix):
            await self._delete_keys([obj.key async for obj in self.list(prefix)])

    async def _delete_keys(self, keys: Sequence[str]) -> None:
        for start in range(0, len(keys), DELETE_BATCH):
            batch: list[ObjectIdentifierTypeDef] = [
                {"Key": key} for key in keys[start:start + DELETE_BATCH]]
            response = await self._call("delete objects", partial(
                self._client.delete_objects, Bucket=self.bucket, Delete={"Objects": batch}))
            if errors := response.get("Errors"):
                raise StorageError(f"cannot delete {errors[0].get('Key')!r}: "
                                   f"{errors[0].get('Code')} {errors[0].get('Message')}")

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


class S3Reader:
    """An ObjectReader on one version of an object, pinned by its ETag."""

    def __init__(self, storage: S3Storage, key: str, size: int, etag: str | None) -> None:
        self._storage, self._key, self._etag = storage, key, etag
        self.size = size

    def chunks(self, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        return self._storage.read(self._key, start, end, self._etag)

    async def close(self) -> None:
        return None


def refuse_overwrites(client: S3Client, bucket: str) -> None:
    """Make the client's PutObject and CompleteMultipartUpload into the bucket conditional on
    the key being free (S3's If-None-Match: *), so MPR never replaces an object. s3transfer
    does not pass IfNoneMatch through its upload arguments, hence the parameter hook."""

    def if_none_match(params: dict[str, Any], **_: Any) -> None:
        if params.get("Bucket") == bucket:
            params.setdefault("IfNoneMatch", "*")

    for operation in ("PutObject", "CompleteMultipartUpload"):
        client.meta.events.register(f"before-parameter-build.s3.{operation}", if_none_match,
                                    unique_id=f"mpr-if-none-match-{operation}-{bucket}")
