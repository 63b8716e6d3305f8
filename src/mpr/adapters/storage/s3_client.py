"""boto3 S3 clients for MinIO (endpoint URL set) or AWS (unset), and their errors in our terms."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import boto3
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    ReadTimeoutError,
)

from mpr.domain.errors import StorageError

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

MISSING_OBJECT = frozenset({"404", "NoSuchKey", "NotFound"})
MISSING_BUCKET = frozenset({"NoSuchBucket"})
DENIED = frozenset({"403", "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch",
                    "InvalidToken", "ExpiredToken", "AllAccessDisabled"})
CREDENTIALS_HINT = "check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY and the bucket policy"


def make_s3_client(endpoint_url: str | None, *, quick: bool = False,
                   session: boto3.session.Session | None = None) -> S3Client:
    """A client from the standard AWS_* settings; `quick` ones fail fast, for health checks."""
    config = Config(
        signature_version="s3v4",
        # MinIO and other S3-compatible servers need path-style; AWS prefers virtual hosts.
        s3={"addressing_style": "path" if endpoint_url else "virtual"},
        retries={"mode": "standard", "max_attempts": 1 if quick else 4},
        connect_timeout=2 if quick else 10,
        read_timeout=3 if quick else 60,
        max_pool_connections=32,
        # S3-compatible servers do not all accept the newer default streaming checksums.
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )
    session = session or boto3.session.Session()
    region = os.environ.get("AWS_REGION") or None
    return session.client("s3", endpoint_url=endpoint_url or None, region_name=region,
                          config=config)


def error_code(error: BaseException) -> str:
    """The S3 error code of a ClientError ('404' for a bodiless HEAD), else ''."""
    if isinstance(error, ClientError):
        return str(error.response.get("Error", {}).get("Code", ""))
    return ""


def is_missing_object(error: BaseException) -> bool:
    return error_code(error) in MISSING_OBJECT


def storage_error(error: Exception, action: str, bucket: str, endpoint: str) -> StorageError:
    """A StorageError whose message says what failed and what to check."""
    code = error_code(error)
    where = f"bucket {bucket!r} at {endpoint}"
    if code in MISSING_BUCKET:
        reason = (f"bucket {bucket!r} does not exist at {endpoint} "
                  "(create it, or set MPR_S3_CREATE_BUCKETS=true)")
    elif code in DENIED:
        reason = f"access to {where} denied ({code}); {CREDENTIALS_HINT}"
    elif isinstance(error, NoCredentialsError):
        reason = "no AWS credentials found; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
    elif isinstance(error, EndpointConnectionError | ConnectTimeoutError):
        reason = f"cannot reach the S3 endpoint {endpoint}: {error}"
    elif isinstance(error, ReadTimeoutError):
        reason = f"the S3 endpoint {endpoint} did not answer in time"
    elif isinstance(error, ClientError):
        message = error.response.get("Error", {}).get("Message", "")
        reason = f"{where} refused it: {code} {message}".rstrip()
    elif isinstance(error, BotoCoreError):
        reason = f"{where}: {error}"
    elif isinstance(error, OSError):  # a local file's error: its text would name the path
        reason = f"{type(error).__name__}: {error.strerror or 'cannot read the local file'}"
    else:
        reason = f"{where}: {type(error).__name__}: {error}"
    return StorageError(f"cannot {action}: {reason}")


def bucket_check_error(error: Exception, bucket: str, endpoint: str) -> StorageError:
    """head_bucket's bodiless 404 means the bucket is missing; say it plainly."""
    if error_code(error) in ("404", "NotFound", "NoSuchBucket"):
        return StorageError(f"bucket {bucket!r} does not exist at {endpoint} "
                            "(create it, or set MPR_S3_CREATE_BUCKETS=true)")
    return storage_error(error, "check the bucket", bucket, endpoint)
