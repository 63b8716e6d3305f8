"""One contract for every MediaStorage adapter: a local folder and an S3 bucket (moto server)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from mpr.adapters.ffmpeg.prober import FfprobeProber
from mpr.adapters.storage.s3 import S3Storage
from mpr.adapters.storage.s3_client import make_s3_client
from mpr.domain.errors import Conflict, NotFound, ProbeError, StorageError, ValidationError
from tests.integration.media import make_clip
from tests.integration.s3_fixtures import credentials_enforced, s3_storage_for, session
from tests.integration.storage_stores import Store, keys, read_all, staged

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

HOSTILE_KEYS = ("spaced out name.mp4", "café.mp4", "日本/映像.mp4", "a+b.mp4", "take #2.mp4",
                "-starts with dash.mp4", "deep/er/nested/-x+y #é 日本.mp4")


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A tiny real MP4."""
    path = make_clip(tmp_path_factory.mktemp("clip") / "clip.mp4", duration=1, width=160,
                     height=90)
    return path.read_bytes()


async def test_list_returns_every_object_past_a_thousand(store: Store) -> None:
    names = [f"many/{n:05d}.mp4" for n in range(1100)]
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda key: store.seed(key, b"x"), names))

    listed = await keys(store.storage)

    assert listed == names


async def test_list_keeps_to_the_prefix_and_walks_nested_folders(store: Store) -> None:
    for key in ("a/one.mp4", "a/b/two.mp4", "a/b/c/three.mp4", "ab.mp4", "z/four.mp4"):
        store.seed(key, b"12345")

    under_a = await keys(store.storage, "a/")
    everything = [obj async for obj in store.storage.list()]

    assert under_a == ["a/b/c/three.mp4", "a/b/two.mp4", "a/one.mp4"]
    assert len(everything) == 5
    assert {obj.size for obj in everything} == {5}


async def test_stat_gives_the_size_and_not_found_for_a_missing_key(store: Store) -> None:
    store.seed("dir/clip.mp4", b"x" * 1234)

    stored = await store.storage.stat("dir/clip.mp4")

    assert (stored.key, stored.size) == ("dir/clip.mp4", 1234)
    with pytest.raises(NotFound):
        await store.storage.stat("dir/other.mp4")


async def test_exists_tells_stored_from_missing(store: Store) -> None:
    store.seed("here.mp4", b"x")

    assert await store.storage.exists("here.mp4")
    assert not await store.storage.exists("gone.mp4")


async def test_read_returns_whole_objects_and_byte_ranges(store: Store) -> None:
    data = bytes(range(256)) * 4096  # 1 MiB, several chunks
    store.seed("big.bin", data)

    whole = await read_all(store.storage, "big.bin")
    middle = await read_all(store.storage, "big.bin", 1000, 300_000)
    tail = await read_all(store.storage, "big.bin", len(data) - 10)
    past_end = await read_all(store.storage, "big.bin", len(data) + 10)

    assert whole == data
    assert middle == data[1000:300_000]
    assert tail == data[-10:]
    assert past_end == b""


async def test_a_reader_never_gives_the_bytes_of_an_object_put_under_its_key_later(
        store: Store) -> None:
    store.seed("clip.mp4", b"original")
    reader = await store.storage.open_reader("clip.mp4")
    await store.storage.delete("clip.mp4")
    store.seed("clip.mp4", b"swapped in later")

    try:
        data = b"".join([chunk async for chunk in reader.chunks()])
    except StorageError as e:  # S3: the ETag the reader pinned is gone
        data = str(e).encode()
    finally:
        await reader.close()

    expected = {"filesystem": b"original", "s3": b"'clip.mp4' was replaced while it was read"}
    assert (reader.size, data) == (8, expected[store.storage.kind])


async def test_read_of_a_missing_object_is_not_found(store: Store) -> None:
    with pytest.raises(NotFound):
        await read_all(store.storage, "nothing.mp4")


@pytest.mark.parametrize("key", ["plain.mp4", HOSTILE_KEYS[-1]])
async def test_an_opened_source_is_readable_by_ffprobe(store: Store, clip: bytes, key: str,
                                                       ffprobe: str) -> None:
    store.seed(key, clip)

    async with store.storage.open_source(key) as source:
        info = await FfprobeProber(ffprobe).probe(source)

    assert info.container == "mp4"
    assert (info.width, info.height) == (160, 90)


async def test_a_missing_object_fails_at_open_or_at_read(store: Store, ffprobe: str) -> None:
    with pytest.raises((NotFound, ProbeError), match=r"not found|404"):
        async with store.storage.open_source("deleted.mp4") as source:  # S3: no round trip
            await FfprobeProber(ffprobe).probe(source)
    assert not await store.storage.exists("deleted.mp4")


async def test_put_file_stores_the_bytes_and_leaves_the_local_file(store: Store) -> None:
    local = staged(store.storage, b"output bytes")

    stored = await store.storage.put_file("out/result.mp4", local)
    local.unlink()  # the caller's to remove; the stored object is independent of it

    assert (stored.key, stored.size) == ("out/result.mp4", 12)
    assert await read_all(store.storage, "out/result.mp4") == b"output bytes"
    assert await keys(store.storage) == ["out/result.mp4"]


async def test_put_file_never_replaces_an_existing_object(store: Store) -> None:
    store.seed("result.mp4", b"precious, no job knows it")

    with pytest.raises(Conflict, match="already exists"):
        await store.storage.put_file("result.mp4", staged(store.storage, b"new"))

    assert await read_all(store.storage, "result.mp4") == b"precious, no job knows it"


async def test_failed_put_file_leaves_no_object(store: Store, tmp_path: Path) -> None:
    with pytest.raises(StorageError):
        await store.storage.put_file("result.mp4", tmp_path / "never-written.mp4")

    assert not await store.storage.exists("result.mp4")


async def test_delete_is_idempotent(store: Store) -> None:
    store.seed("doomed.mp4", b"x")

    await store.storage.delete("doomed.mp4")
    await store.storage.delete("doomed.mp4")

    assert not await store.storage.exists("doomed.mp4")


@pytest.mark.parametrize("key", HOSTILE_KEYS)
async def test_hostile_keys_round_trip(store: Store, key: str) -> None:
    local = staged(store.storage, key.encode())

    await store.storage.put_file(key, local)
    local.unlink()  # as the pipeline does before it reports the output
    listed = await keys(store.storage)
    size = (await store.storage.stat(key)).size
    data = await read_all(store.storage, key)
    await store.storage.delete(key)

    assert listed == [key]
    assert size == len(key.encode())
    assert data == key.encode()
    assert not await store.storage.exists(key)


@pytest.mark.parametrize("key", ["../escape.mp4", "a/../../b.mp4", "/abs.mp4", "a/.."])
async def test_keys_that_could_escape_are_refused(store: Store, key: str) -> None:
    local = staged(store.storage, b"x")

    with pytest.raises(ValidationError):
        await store.storage.stat(key)
    with pytest.raises(ValidationError):
        await store.storage.put_file(key, local)
    with pytest.raises(ValidationError):
        await store.storage.delete(key)
    with pytest.raises(ValidationError):
        async with store.storage.open_source(key):
            pass
    with pytest.raises(ValidationError):
        await read_all(store.storage, key)


async def test_check_passes_on_a_reachable_store(store: Store) -> None:
    await store.storage.check()


async def test_check_on_a_missing_store_says_so(store: Store) -> None:
    with pytest.raises(StorageError) as raised:
        await store.missing.check()

    assert "does not exist" in str(raised.value) or "not a writable directory" in str(
        raised.value)


# --- S3 only: failures of the endpoint itself and uploads --------------------------------


@pytest.fixture
def stopped_endpoint() -> str:
    """The URL of a loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


async def test_check_on_a_stopped_endpoint_names_it(stopped_endpoint: str) -> None:
    storage = s3_storage_for(stopped_endpoint, "mpr-media-in")

    with pytest.raises(StorageError) as raised:
        await storage.check()

    assert f"cannot reach the S3 endpoint {stopped_endpoint}" in str(raised.value)


async def test_operations_on_a_stopped_endpoint_raise_storage_error(
        stopped_endpoint: str) -> None:
    storage = s3_storage_for(stopped_endpoint, "mpr-media-in")

    with pytest.raises(StorageError, match="cannot reach"):
        await storage.stat("clip.mp4")
    with pytest.raises(StorageError, match="cannot reach"):
        await keys(storage)


async def test_check_with_wrong_credentials_says_access_is_denied(
        moto_endpoint: str, new_bucket: Callable[[], str]) -> None:
    bucket = new_bucket()
    client = make_s3_client(moto_endpoint, quick=True, session=session("AKIAWRONG", "nope"))
    storage = S3Storage(bucket, client)

    with credentials_enforced(moto_endpoint), pytest.raises(StorageError) as raised:
        await storage.check()

    assert "denied" in str(raised.value)
    assert "AWS_ACCESS_KEY_ID" in str(raised.value)


async def test_check_on_a_missing_bucket_names_the_bucket_and_the_setting(
        moto_endpoint: str) -> None:
    storage = s3_storage_for(moto_endpoint, "mpr-no-such-bucket")

    with pytest.raises(StorageError) as raised:
        await storage.check()

    assert "bucket 'mpr-no-such-bucket' does not exist" in str(raised.value)
    assert "MPR_S3_CREATE_BUCKETS" in str(raised.value)


async def test_a_missing_bucket_is_not_mistaken_for_a_missing_object(
        moto_endpoint: str) -> None:
    storage = s3_storage_for(moto_endpoint, "mpr-no-such-bucket")

    with pytest.raises(StorageError, match="bucket 'mpr-no-such-bucket' does not exist"):
        await storage.stat("clip.mp4")
    with pytest.raises(StorageError, match="bucket 'mpr-no-such-bucket' does not exist"):
        await storage.exists("clip.mp4")  # what a job asks when ffmpeg cannot read its source
    with pytest.raises(StorageError, match="bucket 'mpr-no-such-bucket' does not exist"):
        await read_all(storage, "clip.mp4")
    with pytest.raises(StorageError, match="bucket 'mpr-no-such-bucket' does not exist"):
        await keys(storage)


async def test_create_bucket_makes_a_missing_bucket_and_tolerates_an_existing_one(
        moto_endpoint: str, tmp_path: Path) -> None:
    storage = s3_storage_for(moto_endpoint, f"mpr-created-{tmp_path.name[-8:].lower()}")

    await storage.create_bucket()
    await storage.create_bucket()

    await storage.check()


async def test_large_upload_goes_in_parts_and_lands_whole(
        moto_endpoint: str, new_bucket: Callable[[], str], s3_client: S3Client) -> None:
    bucket = new_bucket()
    storage = _small_part_storage(moto_endpoint, bucket)
    data = bytes(range(256)) * (12 * 4096)  # 12 MiB: three 5 MiB parts
    local = staged(storage, data)

    await storage.put_file("big.mp4", local)

    head = s3_client.head_object(Bucket=bucket, Key="big.mp4")
    assert head["ContentLength"] == len(data)
    assert head["ETag"].endswith('-3"')  # a multipart ETag: proof it went in parts
    assert await read_all(storage, "big.mp4") == data


async def test_a_large_upload_never_replaces_an_existing_object(
        moto_endpoint: str, new_bucket: Callable[[], str], s3_client: S3Client) -> None:
    bucket = new_bucket()
    storage = _small_part_storage(moto_endpoint, bucket)
    s3_client.put_object(Bucket=bucket, Key="big.mp4", Body=b"precious")
    local = staged(storage, b"\1" * (12 * 1024 * 1024))

    with pytest.raises(Conflict, match="already exists"):
        await storage.put_file("big.mp4", local)

    assert await read_all(storage, "big.mp4") == b"precious"
    assert s3_client.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


async def test_cancelled_upload_leaves_no_object_and_no_open_upload(
        moto_endpoint: str, new_bucket: Callable[[], str], s3_client: S3Client) -> None:
    bucket = new_bucket()
    storage = _small_part_storage(moto_endpoint, bucket)
    local = staged(storage, b"\0" * (30 * 1024 * 1024))
    upload = asyncio.create_task(storage.put_file("big.mp4", local))
    await asyncio.sleep(0.2)

    upload.cancel()
    with pytest.raises(asyncio.CancelledError):
        await upload

    assert not await storage.exists("big.mp4")
    assert s3_client.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


def _small_part_storage(endpoint: str, bucket: str) -> S3Storage:
    from boto3.s3.transfer import TransferConfig

    five_mib = 5 * 1024 * 1024  # the smallest part S3 accepts
    transfer = TransferConfig(multipart_threshold=five_mib, multipart_chunksize=five_mib)
    return s3_storage_for(endpoint, bucket, transfer=transfer)
