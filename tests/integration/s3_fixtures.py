"""An S3 HTTP endpoint for the tests: moto's standalone server on loopback, started here.

moto speaks the real S3 protocol over HTTP; nothing in the adapter knows it is moto.
"""

from __future__ import annotations

import functools
import logging
import os
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import boto3
import httpx
import pytest
from botocore.exceptions import ClientError
from moto.server import ThreadedMotoServer

from mpr.adapters.storage.s3 import S3Storage
from mpr.adapters.storage.s3_client import make_s3_client

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

__all__ = ["moto_endpoint", "new_bucket", "s3_client", "s3_env", "s3_server_env",
           "s3_storage_for"]

REGION = "us-east-1"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
               "AWS_DEFAULT_REGION": REGION, "AWS_REGION": REGION}


def session(key_id: str = "testing", secret: str = "testing"  # noqa: S107 - moto only
            ) -> boto3.session.Session:
    """A boto3 session with explicit (test) credentials, whatever the environment holds."""
    return boto3.session.Session(aws_access_key_id=key_id, aws_secret_access_key=secret,
                                 region_name=REGION)


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """The URL of a moto S3 server on 127.0.0.1 (a free port), for the whole session."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    # moto stands in for a remote service: its threads (the request threads inherit this one's
    # priority) run niced, so that they do not take the CPU from the MPR processes under test.
    os.setpriority(os.PRIO_PROCESS, server._thread.native_id, 10)  # type: ignore[union-attr]
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(scope="session")
def s3_client(moto_endpoint: str) -> S3Client:
    return _client(moto_endpoint, quick=False)


@pytest.fixture
def new_bucket(s3_client: S3Client) -> Callable[[], str]:
    """Creates a uniquely named, empty bucket."""
    def create() -> str:
        name = f"mpr-test-{uuid.uuid4().hex[:16]}"
        s3_client.create_bucket(Bucket=name)
        return name
    return create


def s3_storage_for(endpoint: str, bucket: str, **options: object) -> S3Storage:
    """An S3Storage as bootstrap builds it, with the test credentials."""
    return S3Storage(bucket, _client(endpoint, quick=False), check_client=_client(endpoint),
                     **options)  # type: ignore[arg-type]


@functools.cache
def _client(endpoint: str, quick: bool = True) -> S3Client:
    """Clients are slow to build and thread-safe: one of each kind per endpoint."""
    return make_s3_client(endpoint, quick=quick, session=session())


@pytest.fixture
def s3_env(moto_endpoint: str, new_bucket: Callable[[], str]) -> dict[str, str]:
    """Environment that points an MPR process at the moto server and two fresh buckets."""
    return {"MPR_STORAGE": "s3", "MPR_S3_ENDPOINT_URL": moto_endpoint,
            "MPR_S3_BUCKET_IN": new_bucket(), "MPR_S3_BUCKET_OUT": new_bucket(), **CREDENTIALS}


@pytest.fixture(scope="module")
def s3_server_env(moto_endpoint: str, s3_client: S3Client) -> dict[str, str]:
    """Like s3_env, for a module's `mpr serve` (ServerBackend.env_fixture)."""
    buckets = [f"mpr-e2e-{uuid.uuid4().hex[:16]}" for _ in range(2)]
    for bucket in buckets:
        s3_client.create_bucket(Bucket=bucket)
    return {"MPR_STORAGE": "s3", "MPR_S3_ENDPOINT_URL": moto_endpoint,
            "MPR_S3_BUCKET_IN": buckets[0], "MPR_S3_BUCKET_OUT": buckets[1], **CREDENTIALS}


@dataclass(frozen=True, slots=True)
class BucketPair:
    """The input and output buckets of a server, seen from the test: put and fetch objects."""

    client: S3Client
    bucket_in: str
    bucket_out: str

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> BucketPair | None:
        """The buckets an MPR environment names, or None when it does not use S3."""
        if env.get("MPR_STORAGE") != "s3":
            return None
        client = _client(env["MPR_S3_ENDPOINT_URL"], quick=False)
        return cls(client, env["MPR_S3_BUCKET_IN"], env["MPR_S3_BUCKET_OUT"])

    def put_input(self, key: str, local: Path) -> None:
        self.client.upload_file(str(local), self.bucket_in, key)

    def input_bytes(self, key: str) -> bytes | None:
        """The input object's bytes, or None when there is no such object."""
        try:
            body: bytes = self.client.get_object(Bucket=self.bucket_in, Key=key)["Body"].read()
        except ClientError as e:
            if e.response.get("Error", {}).get("Code") in ("404", "NoSuchKey"):
                return None
            raise
        return body

    def fetch_output(self, key: str, local: Path) -> Path:
        """Download an output object to local (removing a stale copy when it is gone)."""
        local.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.client.download_file(self.bucket_out, key, str(local))
        except ClientError as e:
            if e.response.get("Error", {}).get("Code") not in ("404", "NoSuchKey"):
                raise
            local.unlink(missing_ok=True)
        return local

    def output_keys(self) -> list[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket_out)
        return sorted(o["Key"] for page in pages for o in page.get("Contents", []))


@contextmanager
def credentials_enforced(endpoint: str) -> Iterator[None]:
    """Make the server check access keys (through its own HTTP API) for the block."""
    httpx.post(f"{endpoint}/moto-api/reset-auth", content=b"0").raise_for_status()
    try:
        yield
    finally:
        httpx.post(f"{endpoint}/moto-api/reset-auth", content=b"inf").raise_for_status()
