"""Reading JSON that came from outside the process: exact keys, exact types, finite numbers.

Every refusal is an InvalidMessage naming where in the message it is ('spec.trim.start')."""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Callable, Collection, Mapping
from datetime import datetime
from typing import TypeVar

from mpr.domain.errors import InvalidMessage

T = TypeVar("T")
Reader = Callable[[object, str], T]
INT32 = (-(2**31), 2**31 - 1)


def parse(text: str | bytes, max_bytes: int, what: str) -> object:
    """The JSON value of a message of at most max_bytes; NaN and Infinity are not JSON."""
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    if len(data) > max_bytes:
        raise InvalidMessage(f"{what} takes {len(data)} bytes, more than the {max_bytes} allowed")
    try:
        return json.loads(data, parse_constant=_not_a_number)
    except (ValueError, RecursionError) as e:  # JSONDecodeError, bad UTF-8, 4300+ digits
        raise InvalidMessage(f"{what} is not valid JSON: {e}") from e


def _not_a_number(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")


def json_object(value: object, keys: Collection[str], where: str) -> Mapping[str, object]:
    """An object holding exactly the given keys."""
    if not isinstance(value, dict):
        raise InvalidMessage(f"{where} must be an object, not {_kind(value)}")
    missing, unknown = set(keys) - value.keys(), value.keys() - set(keys)
    if missing:
        raise InvalidMessage(f"{where} lacks {', '.join(sorted(missing))}")
    if unknown:
        names = ", ".join(sorted(repr(k)[:40] for k in unknown))
        raise InvalidMessage(f"{where} has unknown field(s) {names}")
    return value


def text(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise InvalidMessage(f"{where} must be a string, not {_kind(value)}")
    return value


def flag(value: object, where: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidMessage(f"{where} must be true or false, not {_kind(value)}")
    return value


def integer(value: object, where: str, bounds: tuple[int, int] = INT32) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidMessage(f"{where} must be an integer, not {_kind(value)}")
    _check_bounds(value, where, bounds)
    return value


def number(value: object, where: str,
           bounds: tuple[float, float] = (-math.inf, math.inf)) -> float:
    """A finite number (an integer reads as its float)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidMessage(f"{where} must be a number, not {_kind(value)}")
    try:
        result = float(value)
    except OverflowError:
        result = math.inf
    if not math.isfinite(result):
        raise InvalidMessage(f"{where} must be a finite number")
    _check_bounds(result, where, bounds)
    return result


def ident(value: object, where: str) -> uuid.UUID:
    """A UUID in its canonical lower-case form."""
    raw = text(value, where)
    try:
        parsed = uuid.UUID(raw)
    except ValueError:
        parsed = None
    if parsed is None or str(parsed) != raw:
        raise InvalidMessage(f"{where} must be a UUID like 1b4e28ba-2fa1-11d2-883f-0016d3cca427")
    return parsed


def timestamp(value: object, where: str) -> datetime:
    """An ISO 8601 time with its UTC offset."""
    raw = text(value, where)
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise InvalidMessage(f"{where} must be an ISO 8601 time with a UTC offset")
    return parsed


def optional(read: Reader[T]) -> Reader[T | None]:
    """The reader, letting null through as None."""
    def read_optional(value: object, where: str) -> T | None:
        return None if value is None else read(value, where)
    return read_optional


def _check_bounds(value: float, where: str, bounds: tuple[float, float]) -> None:
    low, high = bounds
    if not low <= value <= high:
        raise InvalidMessage(f"{where} must be between {low:g} and {high:g}")


def _kind(value: object) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean",
             int: "a number", float: "a number", type(None): "null"}
    return names.get(type(value), type(value).__name__)
