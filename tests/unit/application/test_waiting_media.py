from mpr.application.waiting_media import waiting_media
from mpr.domain.asset import Location
from tests.factories import make_asset


async def test_waiting_media_are_the_media_files_no_asset_records(uow, tables, input_storage):
    input_storage.objects = {"b.mp4": b"1", "a.webm": b"2", "known.mp4": b"3",
                             "notes.txt": b"4", ".hidden.mp4": b"5", "sub/c.mp3": b"6"}
    known = make_asset(file_path="known.mp4", location=Location.INPUT)
    tables.assets[known.id] = known

    waiting = await waiting_media(uow, input_storage)

    assert (waiting.count, waiting.names) == (3, ("a.webm", "b.mp4", "sub/c.mp3"))


async def test_only_the_first_few_names_are_told_but_every_file_is_counted(uow, input_storage):
    input_storage.objects = {f"clip-{n:02}.mp4": b"x" for n in range(12)}

    waiting = await waiting_media(uow, input_storage, shown=5)

    assert waiting.count == 12
    assert waiting.names == tuple(f"clip-{n:02}.mp4" for n in range(5))


async def test_nothing_waits_in_an_empty_store(uow, input_storage):
    waiting = await waiting_media(uow, input_storage)

    assert (waiting.count, waiting.names) == (0, ())
