"""Upload staging tests' shared parts: an upload record, and a body as the server's copy
(the `body` fixture in conftest gives either form)."""

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from mpr.domain.upload import Upload, UploadOptions

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def new_upload(length: int = 100) -> Upload:
    return Upload(id=uuid.uuid4(), length=length, options=UploadOptions("a.mp4", ("p",), 1.0),
                  created_by="user:a", created_at=NOW, expires_at=NOW)


def copied(*parts: bytes, then: BaseException | None = None,
           between: Callable[[], Awaitable[None]] | None = None) -> Any:
    """A BodyCopy as `mpr serve` gives one: each part handed over in a worker thread."""

    async def copy(write: Callable[[memoryview], None]) -> None:
        for n, part in enumerate(parts):
            if n and between is not None:
                await between()
            await asyncio.to_thread(write, memoryview(part))
        if then is not None:
            raise then

    return copy


async def no_chunks() -> AsyncIterator[bytes]:
    raise AssertionError("the chunks are not read when the server copies the body")
    yield b""  # pragma: no cover
