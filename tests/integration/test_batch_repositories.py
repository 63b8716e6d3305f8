"""The repository queries batches need, on SQLite and PostgreSQL: a batch's jobs, assets by id."""

from __future__ import annotations

import uuid
from datetime import timedelta

from mpr.domain.ports import UnitOfWorkFactory
from tests.factories import NOW, make_asset, make_job
from tests.integration.test_sql_repositories import add_all


async def test_a_batch_holds_its_jobs_oldest_first_and_nothing_else(
        uow_factory: UnitOfWorkFactory) -> None:
    batch = uuid.uuid4()
    source = make_asset()
    jobs = [make_job(source.id, batch_id=batch, created_at=NOW + timedelta(seconds=s))
            for s in (3, 1, 2)]
    stranger = make_job(source.id, batch_id=uuid.uuid4())
    loner = make_job(source.id)
    await add_all(uow_factory, source, *jobs, stranger, loner)

    async with uow_factory() as uow:
        found = await uow.jobs.in_batch(batch)
        nothing = await uow.jobs.in_batch(uuid.uuid4())
        kept = await uow.jobs.get(jobs[0].id)

    assert [j.id for j in found] == [jobs[1].id, jobs[2].id, jobs[0].id]
    assert {j.batch_id for j in found} == {batch}
    assert nothing == []
    assert kept.batch_id == batch


async def test_many_returns_the_known_assets_among_the_ids(uow_factory: UnitOfWorkFactory
                                                           ) -> None:
    assets = [make_asset() for _ in range(3)]
    await add_all(uow_factory, *assets)

    async with uow_factory() as uow:
        found = await uow.assets.many([assets[0].id, assets[2].id, uuid.uuid4()])
        none = await uow.assets.many([])

    assert {a.id for a in found} == {assets[0].id, assets[2].id}
    assert found[0] == next(a for a in assets if a.id == found[0].id)
    assert none == []
