"""The stores the storage contract runs against: a local folder and an S3 bucket (moto server),
each with a way to put bytes behind the adapter's back."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from mpr.adapters.storage.filesystem import FilesystemStorage
from mpr.domain.ports import MediaStorage
from tests.integration.s3_fixtures import s3_storage_for

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

__all__ = ["Store", "keys", "read_all", "staged", "store"]


@dataclass
class Store:
    """An adapter under test and a way to put bytes behind its back."""

    storage: MediaStorage
    seed: Callable[[str, bytes], None]
    missing: MediaStorage  # the same kind of store whose folder or bucket does not exist


@pytest.fixture(params=["filesystem", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    if request.param == "filesystem":
        return _filesystem_store(tmp_path)
    return _s3_store(request.getfixturevalue("moto_endpoint"),
                     request.getfixturevalue("new_bucket")(),
                     request.getfixturevalue("s3_client"), tmp_path)


def _filesystem_store(tmp_path: Path) -> Store:
    root = tmp_path / "store"
    root.mkdir()

    def seed(key: str, data: bytes) -> None:
        (root / key).parent.mkdir(parents=True, exist_ok=True)
        (root / key).write_bytes(data)

    return Store(FilesystemStorage(root), seed, FilesystemStorage(tmp_path / "nowhere"))


def _s3_store(endpoint: str, bucket: str, client: S3Client, tmp_path: Path) -> Store:
    def seed(key: str, data: bytes) -> None:
        client.put_object(Bucket=bucket, Key=key, Body=data)

    storage = s3_storage_for(endpoint, bucket, staging=tmp_path / "staging")
    return Store(storage, seed, s3_storage_for(endpoint, "mpr-no-such-bucket"))


def staged(storage: MediaStorage, data: bytes, name: str = "out.mp4") -> Path:
    path = storage.staging_dir() / name
    path.write_bytes(data)
    return path


async def read_all(storage: MediaStorage, key: str, start: int = 0,
                   end: int | None = None) -> bytes:
    return b"".join([chunk async for chunk in storage.read(key, start, end)])


async def keys(storage: MediaStorage, prefix: str = "") -> list[str]:
    return sorted([obj.key async for obj in storage.list(prefix)])
