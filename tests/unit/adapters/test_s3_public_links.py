"""Presigned links for browsers name the public endpoint; ffmpeg's keep the internal one.

Signing is local to botocore: no S3 server is needed to read the URLs it makes."""

from urllib.parse import urlsplit

import boto3

from mpr.adapters.storage.s3 import S3Storage
from mpr.adapters.storage.s3_client import make_s3_client


def _client(endpoint: str):
    session = boto3.session.Session(aws_access_key_id="k", aws_secret_access_key="s",
                                    region_name="us-east-1")
    return make_s3_client(endpoint, session=session)


async def test_a_public_endpoint_gives_browsers_a_link_signed_for_its_host():
    store = S3Storage("media-out", _client("http://minio:9000"),
                      public_client=_client("http://mpr.local.ar:9000"))

    async with store.open_source("job/out.mp4") as source:
        internal, public = urlsplit(source.locator), urlsplit(source.browser_locator or "")

    assert internal.netloc == "minio:9000"
    assert public.netloc == "mpr.local.ar:9000"
    assert public.path == internal.path == "/media-out/job/out.mp4"
    assert "X-Amz-Signature=" in public.query
    assert public.query != internal.query  # the signature covers the host


async def test_without_a_public_endpoint_there_is_one_link():
    store = S3Storage("media-out", _client("http://minio:9000"))

    async with store.open_source("out.mp4") as source:
        assert source.browser_locator is None
        assert source.locator.startswith("http://minio:9000/media-out/out.mp4?")
