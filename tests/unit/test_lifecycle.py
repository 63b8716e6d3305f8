"""The composition root's one start/stop mechanism: hooks run in order; close runs them all."""

from __future__ import annotations

import pytest

from mpr.bootstrap.lifecycle import Lifecycle, blocking, each, hook, nothing


def _recorder(log: list[str], name: str, fail: bool = False):
    async def step() -> None:
        log.append(name)
        if fail:
            raise RuntimeError(f"{name} broke")
    return step


async def test_prepare_and_start_run_their_hooks_in_order() -> None:
    log: list[str] = []
    life = Lifecycle(prepare=[_recorder(log, "migrate"), _recorder(log, "seed")],
                     start=[_recorder(log, "workers"), nothing], close=[])

    await life.prepare()
    await life.start()

    assert log == ["migrate", "seed", "workers"]


async def test_close_runs_every_hook_even_after_one_fails() -> None:
    log: list[str] = []
    life = Lifecycle(prepare=[], start=[], close=[
        _recorder(log, "queue", fail=True), _recorder(log, "engine"), _recorder(log, "s3")])

    await life.close()

    assert log == ["queue", "engine", "s3"]


async def test_a_failed_prepare_step_stops_the_preparation() -> None:
    log: list[str] = []
    life = Lifecycle(prepare=[_recorder(log, "migrate", fail=True), _recorder(log, "seed")],
                     start=[], close=[])

    with pytest.raises(RuntimeError, match="migrate broke"):
        await life.prepare()

    assert log == ["migrate"]


async def test_hooks_are_made_from_async_and_plain_functions() -> None:
    log: list[str] = []

    async def opened(name: str) -> None:
        log.append(f"async {name}")

    combined = each(hook(opened, "engine"), blocking(log.append, "plain client"))
    await combined()

    assert log == ["async engine", "plain client"]
