"""The malloc settings `mpr serve` applies (entrypoints/heap.py)."""

from __future__ import annotations

import ctypes.util

from mpr.entrypoints import heap


def test_glibc_takes_every_setting() -> None:
    assert heap.keep_freed_heap() is True


def test_without_a_c_library_nothing_is_changed(monkeypatch) -> None:
    monkeypatch.setattr(ctypes.util, "find_library", lambda _: None)

    assert heap.keep_freed_heap() is False

