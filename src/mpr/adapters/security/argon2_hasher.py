"""PasswordHasher with argon2id (argon2-cffi) on one low-priority thread of its own.

Parameters: OWASP's argon2id minimum (19 MiB, 2 passes, 1 lane), about a quarter of the
CPU of argon2-cffi's default. Hashing runs on a single thread niced to 10, so a flood of
logins queues there (the throttle refuses most before they get here) while the event loop,
and /health, keep their CPU."""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher as _Argon2
from argon2.exceptions import InvalidHashError, VerificationError

MEMORY_KIB = 19 * 1024
PASSES = 2
NICE = 10


def _lower_priority() -> None:
    with contextlib.suppress(OSError, AttributeError):  # Linux: a thread is a task
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), NICE)


class Argon2Hasher:
    def __init__(self) -> None:
        self._argon2 = _Argon2(time_cost=PASSES, memory_cost=MEMORY_KIB, parallelism=1)
        self._thread = ThreadPoolExecutor(1, "argon2", initializer=_lower_priority)

    async def hash(self, password: str) -> str:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._thread, self._argon2.hash, password)

    async def verify(self, password_hash: str, password: str) -> bool:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._thread, self._check, password_hash, password)

    def _check(self, password_hash: str, password: str) -> bool:
        try:
            return self._argon2.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False
