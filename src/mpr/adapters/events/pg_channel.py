"""The EventChannel port over PostgreSQL LISTEN/NOTIFY (PostgreSQL without Redis).

asyncpg connections of the channel's own, outside the SQLAlchemy pool: one per event loop
for NOTIFY, and in an API server one that LISTENs (`add_listener`) for all its subscribers.
A NOTIFY payload is at most 8000 bytes; events are far smaller (their texts are bounded)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import asyncpg  # type: ignore[import-untyped]  # no stubs
from sqlalchemy.engine import make_url

from mpr.domain.errors import QueueError
from mpr.domain.event_codec import decode, encode
from mpr.domain.events import DomainEvent

log = logging.getLogger(__name__)
EVENTS_CHANNEL = "mpr_events"
RECONNECT_DELAY = 1.0  # seconds before listening again after the connection broke
_LOST = object()  # queued when the listening connection ends


def asyncpg_dsn(database_url: str) -> str:
    """The asyncpg DSN of an SQLAlchemy URL (postgresql+asyncpg://...)."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(
        hide_password=False)


class PgEventChannel:
    """Publish with pg_notify, listen with LISTEN on one channel."""

    def __init__(self, database_url: str, channel: str = EVENTS_CHANNEL) -> None:
        self._dsn, self._channel = asyncpg_dsn(database_url), channel
        self._senders: dict[asyncio.AbstractEventLoop,
                            tuple[asyncio.Lock, list[asyncpg.Connection]]] = {}

    async def publish(self, event: DomainEvent) -> None:
        lock, held = self._senders.setdefault(asyncio.get_running_loop(), (asyncio.Lock(), []))
        async with lock:
            try:
                if not held or held[0].is_closed():
                    held[:] = [await asyncpg.connect(self._dsn, timeout=5)]
                await held[0].execute("SELECT pg_notify($1, $2)", self._channel, encode(event))
            except (TimeoutError, asyncpg.PostgresError, OSError) as e:
                held.clear()
                raise QueueError(f"event {event.kind} not published: {e}") from e

    async def listen(self) -> AsyncIterator[DomainEvent]:
        while True:
            try:
                async for event in self._listening():
                    yield event
            except (TimeoutError, asyncpg.PostgresError, OSError) as e:
                log.warning("event channel lost (%s); listening again in %.0f s", e,
                            RECONNECT_DELAY)
            await asyncio.sleep(RECONNECT_DELAY)

    async def _listening(self) -> AsyncIterator[DomainEvent]:
        heard: asyncio.Queue[object] = asyncio.Queue()
        connection = await asyncpg.connect(self._dsn, timeout=5)
        try:
            connection.add_termination_listener(lambda _: heard.put_nowait(_LOST))
            await connection.add_listener(self._channel,
                                          lambda _c, _pid, _ch, payload: heard.put_nowait(payload))
            while (payload := await heard.get()) is not _LOST:
                try:
                    yield decode(str(payload))
                except ValueError as e:
                    log.warning("ignored a notification on %s: %s", self._channel, e)
            log.warning("event channel connection ended; listening again")
        finally:
            with contextlib.suppress(asyncpg.PostgresError, OSError):
                await connection.close(timeout=2)

    async def close(self) -> None:
        senders, self._senders = self._senders, {}
        loop = asyncio.get_running_loop()
        for owner, (_, held) in senders.items():
            if owner is loop:
                for connection in held:
                    with contextlib.suppress(asyncpg.PostgresError, OSError):
                        await connection.close(timeout=2)
