"""SettleWatch: a candidate is registered once its size holds still for the settle time."""

from collections.abc import AsyncIterator

from mpr.application.scan_media import ScanMedia
from mpr.application.watch_store import SettleWatch
from tests.factories import make_media


class NoFeed:
    """A feed that names nothing; `writing` holds the keys some process has open to write."""

    def __init__(self) -> None:
        self.writing: set[str] = set()

    async def changes(self) -> AsyncIterator[set[str]]:
        return
        yield set()

    async def being_written(self, key: str) -> bool:
        return key in self.writing


def make_watch(uow, input_storage, prober, clock, feed: NoFeed | None = None) -> SettleWatch:
    scan = ScanMedia(uow, input_storage, prober, clock)
    return SettleWatch(feed or NoFeed(), input_storage, scan, clock, settle=1.0)


async def test_a_growing_file_waits_until_its_size_holds_still(uow, tables, input_storage,
                                                               prober, clock):
    watch = make_watch(uow, input_storage, prober, clock)
    prober.media = {"a.mp4": make_media()}
    input_storage.objects["a.mp4"] = b"x"
    watch.notice({"a.mp4"})

    for size in range(2, 6):  # grows every 0.6 s: never still for 1 s
        assert await watch.settle_pass() == 0
        clock.advance(0.6)
        input_storage.objects["a.mp4"] = b"x" * size
    assert await watch.settle_pass() == 0
    clock.advance(1.0)

    assert await watch.settle_pass() == 1
    assert [a.file_path for a in tables.assets.values()] == ["a.mp4"]
    clock.advance(5)
    assert await watch.settle_pass() == 0


async def test_a_file_still_open_for_writing_waits_however_long_its_size_holds(
        uow, tables, input_storage, prober, clock):
    feed = NoFeed()
    watch = make_watch(uow, input_storage, prober, clock, feed)
    prober.media = {"a.mp4": make_media()}
    input_storage.objects["a.mp4"] = b"half"
    feed.writing.add("a.mp4")  # the writer paused, its file still open
    watch.notice({"a.mp4"})

    for _ in range(5):
        assert await watch.settle_pass() == 0
        clock.advance(2.0)
    assert tables.assets == {}

    feed.writing.clear()  # closed, nothing more written: no need to wait again
    assert await watch.settle_pass() == 1
    assert [a.file_path for a in tables.assets.values()] == ["a.mp4"]


async def test_empty_vanished_known_and_non_media_files_are_not_registered(
        uow, tables, input_storage, prober, clock):
    watch = make_watch(uow, input_storage, prober, clock)
    input_storage.objects.update({"empty.mp4": b"", "notes.txt": b"hi", "gone.mp4": b"x"})
    watch.notice({"empty.mp4", "notes.txt", "gone.mp4"})
    await watch.settle_pass()
    del input_storage.objects["gone.mp4"]
    clock.advance(2)

    assert await watch.settle_pass() == 0
    assert tables.assets == {}


async def test_files_already_in_the_store_at_start_are_candidates(uow, tables, input_storage,
                                                                  prober, clock):
    watch = make_watch(uow, input_storage, prober, clock)
    input_storage.objects["old.mp4"] = b"abc"
    prober.media = {"old.mp4": make_media()}

    await watch._notice_existing()
    await watch.settle_pass()
    clock.advance(1.5)

    assert await watch.settle_pass() == 1
