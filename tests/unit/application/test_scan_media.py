import asyncio
from collections.abc import AsyncIterator

import pytest

from mpr.application.scan_media import ScanMedia
from mpr.domain.asset import AssetStatus
from mpr.domain.errors import StorageError
from mpr.domain.media import MediaInfo
from mpr.domain.pipeline import MediaSource, StoredObject
from tests.factories import make_asset, make_media
from tests.unit.fakes import FakeProber, FakeStorage


async def test_scan_registers_new_media_and_skips_known_ones(uow, tables, input_storage,
                                                             prober, clock):
    input_storage.objects = {"a.mp4": b"x", "sub/-dash é.mkv": b"y", "notes.txt": b"z"}
    prober.media = {"a.mp4": make_media(), "sub/-dash é.mkv": make_media()}
    scan = ScanMedia(uow, input_storage, prober, clock)

    first = await scan()
    second = await scan()

    assert (first.found, first.registered, first.skipped) == (2, 2, 0)
    assert (second.found, second.registered, second.skipped) == (2, 0, 2)
    assert {a.file_path for a in tables.assets.values()} == {"a.mp4", "sub/-dash é.mkv"}


async def test_unreadable_media_is_registered_in_error_with_the_probe_message(
        uow, tables, input_storage, prober, clock):
    input_storage.objects = {"broken.mp4": b"\x00garbage"}

    await ScanMedia(uow, input_storage, prober, clock)()

    (asset,) = tables.assets.values()
    assert asset.status is AssetStatus.ERROR
    assert "Invalid data found" in (asset.error_message or "")


async def test_hidden_files_and_unsafe_keys_are_ignored(uow, tables, input_storage, prober,
                                                        clock):
    input_storage.objects = {".mpr-staging/x.mp4": b"1", "dir/.hidden.mp4": b"2",
                             "../escape.mp4": b"3"}

    result = await ScanMedia(uow, input_storage, prober, clock)()

    assert (result.found, tables.assets) == (0, {})


class CountingProber(FakeProber):
    """Counts probes and holds each one until released, so scans overlap for sure."""

    def __init__(self) -> None:
        super().__init__()
        self.probed: list[str] = []
        self.release = asyncio.Event()

    async def probe(self, source: MediaSource) -> MediaInfo:
        self.probed.append(source.locator)
        await self.release.wait()
        return await super().probe(source)


@pytest.fixture
def counting_prober():
    return CountingProber()


async def test_scans_called_while_one_runs_join_it_and_probe_each_file_once(
        uow, tables, input_storage, counting_prober, clock):
    input_storage.objects = {f"clip{n}.mp4": b"x" for n in range(5)}
    counting_prober.media = {k: make_media() for k in input_storage.objects}
    scan = ScanMedia(uow, input_storage, counting_prober, clock)

    calls = [asyncio.create_task(scan()) for _ in range(10)]
    await asyncio.sleep(0)
    counting_prober.release.set()
    results = await asyncio.gather(*calls)

    assert sorted(counting_prober.probed) == sorted(f"memory://clip{n}.mp4" for n in range(5))
    assert len(tables.assets) == 5
    assert {(r.found, r.registered, r.skipped) for r in results} == {(5, 5, 0)}


async def test_a_caller_that_leaves_does_not_stop_the_scan_for_the_others(
        uow, tables, input_storage, counting_prober, clock):
    input_storage.objects = {"a.mp4": b"x"}
    counting_prober.media = {"a.mp4": make_media()}
    scan = ScanMedia(uow, input_storage, counting_prober, clock)
    leaving, staying = asyncio.create_task(scan()), asyncio.create_task(scan())
    await asyncio.sleep(0)

    leaving.cancel()
    counting_prober.release.set()
    result = await staying

    assert leaving.cancelled()
    assert (result.registered, len(tables.assets)) == (1, 1)


async def test_a_scan_after_the_running_one_ended_scans_again(uow, tables, input_storage,
                                                              prober, clock):
    scan = ScanMedia(uow, input_storage, prober, clock)
    await scan()
    input_storage.objects["late.mp4"] = b"x"
    prober.media["late.mp4"] = make_media()

    result = await scan()

    assert (result.found, result.registered) == (1, 1)


class FailingStorage(FakeStorage):
    async def list(self, prefix: str = "") -> AsyncIterator[StoredObject]:
        raise StorageError("input store unreachable")
        yield  # pragma: no cover


async def test_a_failed_scan_fails_every_caller_and_the_next_call_tries_again(
        uow, tmp_path, prober, clock):
    storage = FailingStorage(tmp_path)
    scan = ScanMedia(uow, storage, prober, clock)

    outcomes = await asyncio.gather(scan(), scan(), return_exceptions=True)
    again = await asyncio.gather(scan(), return_exceptions=True)

    assert [type(o) for o in [*outcomes, *again]] == [StorageError] * 3


async def registered(scan, storage, prober, key="a.mp4", data=b"12345"):
    """A ready source registered by a first scan."""
    storage.objects[key] = data
    prober.media[key] = make_media()
    await scan()


async def test_a_ready_source_whose_file_is_gone_becomes_missing(uow, tables, input_storage,
                                                                 prober, clock):
    scan = ScanMedia(uow, input_storage, prober, clock)
    await registered(scan, input_storage, prober)
    del input_storage.objects["a.mp4"]

    result = await scan()

    (asset,) = tables.assets.values()
    assert asset.status is AssetStatus.MISSING
    assert (result.found, result.missing, result.restored) == (0, 1, 0)


async def test_a_missing_source_whose_file_came_back_is_ready_again(uow, tables, input_storage,
                                                                    prober, clock):
    scan = ScanMedia(uow, input_storage, prober, clock)
    await registered(scan, input_storage, prober)
    data = input_storage.objects.pop("a.mp4")
    await scan()
    input_storage.objects["a.mp4"] = data

    result = await scan()

    (asset,) = tables.assets.values()
    assert asset.status is AssetStatus.READY
    assert (result.found, result.registered, result.missing, result.restored) == (1, 0, 0, 1)


async def test_a_different_file_under_a_missing_key_leaves_the_source_missing(
        uow, tables, input_storage, prober, clock):
    scan = ScanMedia(uow, input_storage, prober, clock)
    await registered(scan, input_storage, prober, data=b"12345")
    del input_storage.objects["a.mp4"]
    await scan()
    input_storage.objects["a.mp4"] = b"another, longer file"

    result = await scan()

    (asset,) = tables.assets.values()
    assert asset.status is AssetStatus.MISSING
    assert (result.registered, result.missing, result.restored) == (0, 1, 0)


async def test_a_source_in_error_whose_file_is_gone_stays_in_error(uow, tables, input_storage,
                                                                   prober, clock):
    input_storage.objects = {"broken.mp4": b"garbage"}
    scan = ScanMedia(uow, input_storage, prober, clock)
    await scan()
    input_storage.objects.clear()

    result = await scan()

    (asset,) = tables.assets.values()
    assert (asset.status, result.missing) == (AssetStatus.ERROR, 0)


async def test_a_scan_leaves_alone_an_asset_registered_after_it_read_the_registry(
        uow, tables, input_storage, prober, clock):
    late = make_asset(file_path="uploaded.mp4")

    class RegisteringWhileListed(FakeStorage):
        async def list(self, prefix: str = "") -> AsyncIterator[StoredObject]:
            tables.assets[late.id] = late  # an upload registered meanwhile
            for key in ():
                yield StoredObject(key, 0)

    result = await ScanMedia(uow, RegisteringWhileListed(input_storage.staging_dir()), prober,
                             clock)()

    assert (tables.assets[late.id].status, result.missing) == (AssetStatus.READY, 0)


async def test_an_empty_file_is_registered_in_error_saying_it_is_empty(uow, tables,
                                                                       input_storage, prober,
                                                                       clock):
    input_storage.objects = {"empty.mp4": b""}

    await ScanMedia(uow, input_storage, prober, clock)()

    (asset,) = tables.assets.values()
    assert (asset.status, asset.error_message) == (AssetStatus.ERROR, "empty file (0 bytes)")


async def test_an_object_the_store_refuses_is_registered_in_error_without_being_probed(
        uow, tables, input_storage, prober, clock):
    input_storage.objects = {"linked.mp4": b"root:x:0:0"}
    input_storage.refused.add("linked.mp4")
    prober.media = {"linked.mp4": make_media()}

    await ScanMedia(uow, input_storage, prober, clock)()

    (asset,) = tables.assets.values()
    assert asset.status is AssetStatus.ERROR
    assert "refused" in (asset.error_message or "")
