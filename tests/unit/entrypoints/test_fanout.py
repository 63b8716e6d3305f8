"""Subscriptions that ask for the same thing share one run of its source, in order."""

import asyncio
from collections.abc import AsyncIterator

from mpr.entrypoints.web.graphql.fanout import END, FanOut


class Source:
    """A source whose items the test pushes; counts its runs and whether they were closed."""

    def __init__(self) -> None:
        self.runs, self.closed = 0, 0
        self.items: asyncio.Queue[str | None] = asyncio.Queue()

    async def __call__(self) -> AsyncIterator[str]:
        self.runs += 1
        try:
            while (item := await self.items.get()) is not None:
                yield item
        finally:
            self.closed += 1


async def collect(fanout: FanOut[str], key: object, source: Source, got: list[str],
                  joined: asyncio.Event) -> None:
    async with fanout.member(key, source) as inbox:
        joined.set()
        while (item := await inbox.get()) is not END:
            got.append(item)  # type: ignore[arg-type]


async def members(fanout: FanOut[str], keys: list[object], source: Source
                  ) -> tuple[list[list[str]], list[asyncio.Task[None]]]:
    got: list[list[str]] = [[] for _ in keys]
    joined = [asyncio.Event() for _ in keys]
    tasks = [asyncio.create_task(collect(fanout, k, source, g, j))
             for k, g, j in zip(keys, got, joined, strict=True)]
    await asyncio.gather(*(j.wait() for j in joined))
    return got, tasks


async def test_twenty_members_of_one_key_share_one_run_and_get_every_item_in_order():
    fanout, source = FanOut[str](), Source()
    got, tasks = await members(fanout, ["job-1"] * 20, source)

    for item in ("a", "b", "c", None):
        source.items.put_nowait(item)
    await asyncio.gather(*tasks)

    assert source.runs == 1
    assert got == [["a", "b", "c"]] * 20
    assert fanout.groups == 0


async def test_members_of_other_keys_get_their_own_group_and_source():
    fanout = FanOut[str]()
    one, other = Source(), Source()
    got_one, tasks_one = await members(fanout, ["one"] * 3, one)
    got_other, tasks_other = await members(fanout, ["other"] * 2, other)

    one.items.put_nowait("for one")
    other.items.put_nowait("for other")
    one.items.put_nowait(None)
    other.items.put_nowait(None)
    await asyncio.gather(*tasks_one, *tasks_other)

    assert (one.runs, other.runs) == (1, 1)
    assert got_one == [["for one"]] * 3
    assert got_other == [["for other"]] * 2


async def test_a_late_member_gets_the_latest_item_first_then_the_next_ones():
    fanout, source = FanOut[str](), Source()
    early, early_tasks = await members(fanout, ["job"], source)
    source.items.put_nowait("old")
    source.items.put_nowait("now")
    while early[0] != ["old", "now"]:
        await asyncio.sleep(0)

    late, late_tasks = await members(fanout, ["job"], source)
    source.items.put_nowait("next")
    source.items.put_nowait(None)
    await asyncio.gather(*early_tasks, *late_tasks)

    assert late == [["now", "next"]]
    assert early == [["old", "now", "next"]]
    assert source.runs == 1


async def test_the_last_member_leaving_stops_the_source_but_not_before():
    fanout, source = FanOut[str](), Source()
    got, tasks = await members(fanout, ["job"] * 2, source)

    tasks[0].cancel()
    await asyncio.gather(tasks[0], return_exceptions=True)
    source.items.put_nowait("still flowing")
    while got[1] != ["still flowing"]:
        await asyncio.sleep(0)
    closed_with_one_left = source.closed
    tasks[1].cancel()
    await asyncio.gather(tasks[1], return_exceptions=True)

    assert closed_with_one_left == 0
    assert source.closed == 1
    assert (fanout.groups, fanout.members("job")) == (0, 0)


async def test_after_its_source_ended_a_new_member_starts_a_new_run():
    fanout, source = FanOut[str](), Source()
    _, tasks = await members(fanout, ["job"], source)
    source.items.put_nowait(None)
    await asyncio.gather(*tasks)

    got, tasks = await members(fanout, ["job"], source)
    source.items.put_nowait("fresh")
    source.items.put_nowait(None)
    await asyncio.gather(*tasks)

    assert source.runs == 2
    assert got == [["fresh"]]


async def test_a_failing_source_ends_its_members_instead_of_hanging_them():
    async def broken() -> AsyncIterator[str]:
        yield "first"
        raise RuntimeError("bug")

    fanout = FanOut[str]()
    got: list[str] = []

    async with fanout.member("job", broken) as inbox:
        while (item := await inbox.get()) is not END:
            got.append(item)  # type: ignore[arg-type]

    assert got == ["first"]
    assert fanout.groups == 0
