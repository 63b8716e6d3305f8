"""Fixtures of the unit suites: in-memory fakes of every port, sharing one set of tables."""

from pathlib import Path

import pytest

from mpr.domain.builtin_presets import BUILTIN_PRESETS
from tests.unit.fakes import (
    FakeClock,
    FakeProber,
    FakeQueue,
    FakeStorage,
    FakeTranscoder,
    FakeUnitOfWork,
    Tables,
)


@pytest.fixture
def tables():
    t = Tables()
    t.presets = {p.id: p for p in BUILTIN_PRESETS}
    return t


@pytest.fixture
def uow(tables):
    return lambda: FakeUnitOfWork(tables)


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def input_storage(tmp_path: Path):
    (tmp_path / "in").mkdir()
    return FakeStorage(tmp_path / "in")


@pytest.fixture
def output_storage(tmp_path: Path):
    (tmp_path / "out").mkdir()
    return FakeStorage(tmp_path / "out")


@pytest.fixture
def prober():
    return FakeProber()


@pytest.fixture
def transcoder(input_storage):
    return FakeTranscoder(sources=input_storage)


@pytest.fixture
def queue():
    return FakeQueue()
