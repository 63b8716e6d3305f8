"""Attack (issue 11, item 9): thumbnails at many distinct times, to fill the server's disk.

Times snap to a per-asset grid (at most 100 points per width: 1 s steps on a 100 s clip), so
distinct requests share few files; the cache stays within MPR_THUMBNAIL_CACHE_MB, the least
recently used thumbnails (by the server's own tracking) going first."""

from __future__ import annotations

import shlex
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.integration.health_watch import health_kept
from tests.integration.media import make_clip
from tests.integration.server_fixtures import SERVER_BACKENDS, MprServer, ffmpeg_pids

pytestmark = pytest.mark.parametrize("mpr_server", [SERVER_BACKENDS[0]], indirect=True,
                                     ids=["sqlite"])

CACHE_MB = 0.03  # about five 320-pixel thumbnails of the test clip
BOUND = int(CACHE_MB * 2**20)
CLIP_SECONDS = 100  # grid step 1 s


@pytest.fixture(scope="module")
def ffmpeg_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("ffmpeg-log") / "ffmpeg.log"


@pytest.fixture(scope="module")
def server_env(ffmpeg_log: Path, ffmpeg: str, tmp_path_factory: pytest.TempPathFactory
               ) -> dict[str, str]:
    """A small cache, and an ffmpeg that notes each call so the test sees every frame grab."""
    wrapper = tmp_path_factory.mktemp("ffmpeg-wrapper") / "ffmpeg"
    wrapper.write_text(f'#!/bin/sh\nprintf "%s\\n" "$*" >> {shlex.quote(str(ffmpeg_log))}\n'
                       f'exec {shlex.quote(ffmpeg)} "$@"\n')
    wrapper.chmod(0o755)
    return {"MPR_THUMBNAIL_CACHE_MB": str(CACHE_MB), "MPR_FFMPEG": str(wrapper)}


@pytest.fixture(scope="module")
def asset_id(mpr_server: MprServer, tmp_path_factory: pytest.TempPathFactory) -> str:
    clip = make_clip(tmp_path_factory.mktemp("thumb-clip") / "film.mp4",
                     duration=CLIP_SECONDS, width=640, height=360, fps=5, audio=False)
    mpr_server.put_input("film.mp4", clip)
    mpr_server.data("mutation { scanMediaFolder { registered } }")
    (asset,) = mpr_server.data("query { assets { id status } }")["assets"]
    assert asset["status"] == "ready"
    identifier: str = asset["id"]
    return identifier


def cache_dir(server: MprServer) -> Path:
    return server.data_dir / "thumbnails"


def cached(server: MprServer) -> dict[str, int]:
    """Cached thumbnails ('<width>-<ms>') and their sizes; files being written included."""
    return {p.name.removesuffix(".jpg"): p.stat().st_size
            for p in cache_dir(server).rglob("*") if p.is_file()}


def grabs(ffmpeg_log: Path) -> int:
    lines = ffmpeg_log.read_text().splitlines() if ffmpeg_log.exists() else []
    return sum("-frames:v" in line for line in lines)


def thumbnail_getter(server: MprServer, asset_id: str, width: int
                     ) -> Callable[[float], httpx.Response]:
    def get(at: float) -> httpx.Response:
        return server.client.get(f"/media/assets/{asset_id}/thumbnail",
                                 params={"t": f"{at:.3f}", "w": width})
    return get


def test_two_hundred_distinct_times_share_two_grid_thumbnails(
        mpr_server: MprServer, asset_id: str, ffmpeg_log: Path) -> None:
    get = thumbnail_getter(mpr_server, asset_id, 160)
    times = [10 + n / 100 for n in range(200)]  # 10.00 .. 11.99 s

    with health_kept(mpr_server.base_url), ThreadPoolExecutor(8) as pool:
        responses = list(pool.map(get, times))

    assert {(r.status_code, r.headers["content-type"]) for r in responses} == {
        (200, "image/jpeg")}
    assert responses[0].content == responses[99].content != responses[100].content
    assert set(cached(mpr_server)) == {"160-10000", "160-11000"}
    assert grabs(ffmpeg_log) == 2


def test_the_cache_stays_within_its_bound_dropping_the_least_recently_used(
        mpr_server: MprServer, asset_id: str, ffmpeg_log: Path) -> None:
    get = thumbnail_getter(mpr_server, asset_id, 320)
    sizes_seen = []
    with health_kept(mpr_server.base_url):
        for second in range(20, 30):
            assert get(second).status_code == 200
            sizes_seen.append(sum(cached(mpr_server).values()))
        survivors = sorted(k for k in cached(mpr_server) if k.startswith("320-"))
        oldest, second_oldest = survivors[0], survivors[1]
        grabs_before = grabs(ffmpeg_log)
        assert get(int(oldest.split("-")[1]) / 1000).status_code == 200  # a hit: now recent
        assert grabs(ffmpeg_log) == grabs_before
        assert get(30).status_code == 200

    final = cached(mpr_server)
    assert max(sizes_seen) <= BOUND
    assert sum(final.values()) <= BOUND
    assert not any(key.startswith("160-") for key in final)  # least recent of all: gone first
    assert "320-20000" not in final
    assert {oldest, "320-30000"} <= set(final)
    assert second_oldest not in final
    print(f"cache sizes while filling: {sizes_seen} (bound {BOUND}); kept {sorted(final)}")


def test_nothing_is_left_behind(mpr_server: MprServer, asset_id: str) -> None:
    files = [p for p in cache_dir(mpr_server).rglob("*") if p.is_file()]

    assert not [p for p in files if p.name.startswith(".")]
    assert all(p.suffix == ".jpg" for p in files)
    assert ffmpeg_pids(str(mpr_server.data_dir)) == []
