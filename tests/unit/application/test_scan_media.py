import asyncio

from mpr.application.scan_media import ScanMedia
from mpr.domain.asset import AssetStatus
from tests.factories import make_media


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


async def test_two_scans_at_once_register_each_file_once(uow, tables, input_storage, prober,
                                                         clock):
    input_storage.objects = {f"clip{n}.mp4": b"x" for n in range(5)}
    prober.media = {k: make_media() for k in input_storage.objects}
    scan = ScanMedia(uow, input_storage, prober, clock)

    results = await asyncio.gather(scan(), scan())

    assert len(tables.assets) == 5
    assert sum(r.registered for r in results) == 5


async def test_an_empty_file_is_registered_in_error_saying_it_is_empty(uow, tables,
                                                                       input_storage, prober,
                                                                       clock):
    input_storage.objects = {"empty.mp4": b""}

    await ScanMedia(uow, input_storage, prober, clock)()

    (asset,) = tables.assets.values()
    assert (asset.status, asset.error_message) == (AssetStatus.ERROR, "empty file (0 bytes)")
