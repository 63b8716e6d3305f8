"""Lambda mode's small pieces against real services: the reconciler's PostgreSQL advisory
lock (one holder across processes) and the callback secret read from Secrets Manager."""

from __future__ import annotations

import asyncio

import pytest

from mpr.adapters.security.callback_secret import callback_secret
from mpr.adapters.sqlalchemy.advisory_lock import PgAdvisoryLock
from mpr.adapters.sqlalchemy.engine import make_engine
from mpr.settings import SettingsError
from tests.integration.s3_fixtures import CREDENTIALS, session


@pytest.mark.asyncio
async def test_one_reconciler_holds_the_advisory_lock_until_it_lets_go(pg_database_url):
    engines = [make_engine(pg_database_url) for _ in range(2)]
    first, second = (PgAdvisoryLock(e) for e in engines)
    try:
        held = [await first.acquire(), await second.acquire(), await first.acquire()]
        await first.release()
        taken_over = await second.acquire()
    finally:
        await first.release()
        await second.release()
        await asyncio.gather(*(e.dispose() for e in engines))

    assert held == [True, False, True]
    assert taken_over


def test_the_callback_secret_is_read_from_secrets_manager(moto_endpoint, monkeypatch):
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    secrets = session().client("secretsmanager", endpoint_url=moto_endpoint)
    arn = secrets.create_secret(Name="mpr-callback", SecretString="z" * 64)["ARN"]
    short = secrets.create_secret(Name="mpr-short", SecretString="short")["ARN"]

    assert callback_secret(None, arn) == b"z" * 64
    with pytest.raises(SettingsError, match="at least 32"):
        callback_secret(None, short)
    with pytest.raises(SettingsError, match="MPR_CALLBACK_SECRET_ARN"):
        callback_secret(None, arn + "-missing")
