"""The EventChannel port over Redis pub/sub (deployments with MPR_REDIS_URL).

Each process holds one asyncio Redis client per event loop for publishing and, in an API
server, one pub/sub connection for listening, however many subscribers it serves."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from mpr.domain.errors import QueueError
from mpr.domain.event_codec import decode, encode
from mpr.domain.events import DomainEvent

log = logging.getLogger(__name__)
EVENTS_CHANNEL = "mpr:events"
RECONNECT_DELAY = 1.0  # seconds before listening again after the connection broke


class RedisEventChannel:
    """Publish with PUBLISH, listen with SUBSCRIBE on one channel."""

    def __init__(self, redis_url: str, channel: str = EVENTS_CHANNEL) -> None:
        self._url, self._channel = redis_url, channel
        self._clients: dict[asyncio.AbstractEventLoop, aioredis.Redis] = {}

    def _client(self) -> aioredis.Redis:
        """This loop's client (a worker runs more than one loop over its life)."""
        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None:
            client = self._clients[loop] = aioredis.Redis.from_url(
                self._url, socket_timeout=5, socket_connect_timeout=5)
        return client

    async def publish(self, event: DomainEvent) -> None:
        try:
            await self._client().publish(self._channel, encode(event))
        except (RedisError, OSError) as e:
            raise QueueError(f"event {event.kind} not published: {e}") from e

    async def listen(self) -> AsyncIterator[DomainEvent]:
        while True:
            try:
                async for event in self._subscribed():
                    yield event
            except (RedisError, OSError) as e:
                log.warning("event channel lost (%s); listening again in %.0f s", e,
                            RECONNECT_DELAY)
                await asyncio.sleep(RECONNECT_DELAY)

    async def _subscribed(self) -> AsyncIterator[DomainEvent]:
        client = aioredis.Redis.from_url(self._url, socket_connect_timeout=5)
        pubsub = client.pubsub(ignore_subscribe_messages=True)
        try:
            await pubsub.subscribe(self._channel)
            async for message in pubsub.listen():
                if message.get("type") != "message":
                    continue
                try:
                    yield decode(message["data"])
                except ValueError as e:
                    log.warning("ignored a message on %s: %s", self._channel, e)
        finally:
            await pubsub.aclose()  # type: ignore[no-untyped-call]
            await client.aclose()

    async def close(self) -> None:
        clients, self._clients = self._clients, {}
        loop = asyncio.get_running_loop()
        for owner, client in clients.items():
            if owner is loop:
                await client.aclose()
