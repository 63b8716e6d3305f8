"""Fixtures of the adapter unit tests."""

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from tests.unit.adapters.staging_bodies import copied, no_chunks


@pytest.fixture(params=["chunks", "copied"])
def body(request) -> Callable[..., dict[str, Any]]:
    """The body's parts as `append`'s arguments: an async iterator, or a server's copy."""
    def make(*parts: bytes, then: BaseException | None = None,
             between: Callable[[], Awaitable[None]] | None = None) -> dict[str, Any]:
        if request.param == "copied":
            return {"chunks": no_chunks(), "copy": copied(*parts, then=then, between=between)}

        async def iterate() -> AsyncIterator[bytes]:
            for n, part in enumerate(parts):
                if n and between is not None:
                    await between()
                yield part
            if then is not None:
                raise then

        return {"chunks": iterate()}

    return make
