"""Bounds on the raw probe data an asset keeps: a hostile file's tags must not fill the store.

Every string (key or value) is cut to MAX_TEXT_BYTES with a visible marker, and the whole
stays within MAX_TOTAL_BYTES of JSON: the structure (`format`, `streams` and their fields)
is kept first, in order, then each `tags` object that still fits whole; the rest is left
out. A `truncated` entry records what was cut; data within the bounds comes back equal.
"""

from __future__ import annotations

import json
from typing import Any

from mpr.domain.text import truncate_utf8, utf8_size

MAX_TEXT_BYTES = 1024
MAX_TOTAL_BYTES = 64 * 1024
MAX_DEPTH = 8
TRUNCATED_MARK = "…[truncated]"
TRUNCATED_KEY = "truncated"
_REPORT_ROOM = 512  # bytes kept free for the `truncated` entry itself


class _Budget:
    """Copies JSON-like data while bytes remain, noting what it had to cut."""

    def __init__(self, left: int, report: dict[str, Any]) -> None:
        self.left = left
        self.report = report
        self.exhausted = False

    def take(self, value: Any, depth: int = 0) -> Any:
        if isinstance(value, dict):
            return self._object(value, depth)
        if isinstance(value, list):
            return self._list(value, depth)
        scalar = self._text(value) if not _is_plain(value) else value
        self._spend(_json_size(scalar))
        return scalar

    def _object(self, value: dict[Any, Any], depth: int) -> dict[str, Any]:
        copy: dict[str, Any] = {}
        self._spend(2)
        for key, item in value.items():
            name = self._text(key)
            if depth >= MAX_DEPTH and isinstance(item, dict | list):
                self._note("too_deep")
                continue
            self._spend(_json_size(name) + 4)  # ": " and ", "
            if self.exhausted:
                break
            copy[name] = self.take(item, depth + 1)
        return copy

    def _list(self, value: list[Any], depth: int) -> list[Any]:
        copy: list[Any] = []
        self._spend(2)
        for item in value:
            if self.exhausted:
                break
            if depth >= MAX_DEPTH and isinstance(item, dict | list):
                self._note("too_deep")
                continue
            copy.append(self.take(item, depth + 1))
            self._spend(2)
        return copy

    def _text(self, value: Any) -> str:
        text = str(value)
        if utf8_size(text) <= MAX_TEXT_BYTES:
            return text
        self.report["strings"] = self.report.get("strings", 0) + 1
        return truncate_utf8(text, MAX_TEXT_BYTES - utf8_size(TRUNCATED_MARK)) + TRUNCATED_MARK

    def _spend(self, size: int) -> None:
        self.left -= size
        if self.left < 0 and not self.exhausted:
            self.exhausted = True
            self._note("cut_at_size_limit")

    def _note(self, what: str) -> None:
        self.report[what] = True


def bounded_properties(properties: dict[str, Any]) -> dict[str, Any]:
    """A copy of probe data within the bounds (tags dropped first, structure kept)."""
    report: dict[str, Any] = {}
    budget = _Budget(MAX_TOTAL_BYTES - _REPORT_ROOM, report)
    data: dict[str, Any] = budget.take(_without_tags(properties))
    for source, target in _tag_holders(properties, data):
        trial = _Budget(budget.left, {})
        tags = trial.take(source["tags"])
        if trial.exhausted:
            report["tags_dropped"] = True
            continue
        target["tags"] = tags
        budget.left = trial.left
        report.update(trial.report)
    if report:
        data[TRUNCATED_KEY] = report
    return data


def _without_tags(properties: dict[str, Any]) -> dict[str, Any]:
    """The data with the `tags` of the format and of each stream left out."""
    shallow = dict(properties)
    if isinstance(shallow.get("format"), dict):
        shallow["format"] = {k: v for k, v in shallow["format"].items() if k != "tags"}
    if isinstance(shallow.get("streams"), list):
        shallow["streams"] = [{k: v for k, v in s.items() if k != "tags"}
                              if isinstance(s, dict) else s for s in shallow["streams"]]
    return shallow


def _tag_holders(source: dict[str, Any], copy: dict[str, Any]
                 ) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(original, copy) pairs of the format and kept streams whose original has tags."""
    pairs: list[tuple[Any, Any]] = [(source.get("format"), copy.get("format"))]
    streams = source.get("streams")
    if isinstance(streams, list):
        pairs += zip(streams, copy.get("streams") or [], strict=False)
    return [(s, c) for s, c in pairs
            if isinstance(s, dict) and isinstance(c, dict) and "tags" in s]


def _is_plain(value: Any) -> bool:
    return value is None or isinstance(value, bool | int | float)


def _json_size(value: Any) -> int:
    return utf8_size(json.dumps(value, ensure_ascii=False, default=str))
