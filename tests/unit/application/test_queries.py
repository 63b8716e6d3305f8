import pytest

from mpr.application.queries import Queries
from mpr.domain.asset import AssetStatus
from mpr.domain.errors import ValidationError
from mpr.domain.job import JobStatus
from tests.factories import make_asset, make_job


async def test_assets_filter_by_status_and_search(uow, tables):
    ready, broken = make_asset(file_path="Beach.mp4"), make_asset(status=AssetStatus.ERROR)
    tables.assets.update({ready.id: ready, broken.id: broken})
    queries = Queries(uow)

    assert [a.id for a in await queries.assets(status="ready")] == [ready.id]
    assert [a.id for a in await queries.assets(search="beach")] == [ready.id]


async def test_jobs_filter_by_status_and_paginate(uow, tables):
    jobs = [make_job(status=JobStatus.PROCESSING) for _ in range(3)]
    tables.jobs.update({j.id: j for j in jobs})
    queries = Queries(uow)

    first = await queries.jobs(status="processing", limit=2)
    rest = await queries.jobs(status="processing", limit=2, offset=2)

    assert len(first) == 2
    assert {j.id for j in first} | {j.id for j in rest} == {j.id for j in jobs}
    assert await queries.jobs(status="completed") == []


@pytest.mark.parametrize("call", [
    lambda q: q.jobs(status="done"), lambda q: q.assets(status="ok"),
    lambda q: q.assets(limit=0), lambda q: q.jobs(offset=-1), lambda q: q.job("x"),
    lambda q: q.assets(location="elsewhere")])
async def test_bad_filters_are_refused_with_a_clear_message(uow, call):
    with pytest.raises(ValidationError):
        await call(Queries(uow))
