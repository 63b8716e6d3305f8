"""The HTTP/1.1 protocol `mpr serve` hands uvicorn: its httptools protocol, fed from one
read buffer shared by every connection, keeping a request body's pieces as they came.

uvicorn's own protocol appends each piece of a body to a bytearray and copies that into a
fresh bytes object on every `receive()`; the event loop first copies every read into new
bytes as well. Measured on this 2-core VM (2026-12-03), one 1 GiB tus PATCH from curl over
loopback cost the server 0.43 to 0.60 s of user and 1.0 to 1.8 s of system CPU with
uvicorn's protocol, 0.28 to 0.39 s and 0.53 to 0.99 s with this one, glibc keeping freed
memory (entrypoints/heap.py) and writes of 256 KiB (upload_staging.py); an app that drops
the body received 1 GiB in 1.5 to 1.8 s with uvicorn's protocol, 0.55 to 0.67 s with the
piece list alone. Here the loop reads into the shared buffer (httptools copies out what it
keeps, so the buffer is free again when `buffer_updated` returns) and `receive()` hands out
the piece the parser made.

A body with a Content-Length can also be taken past the parser (`BODY_COPY`, used by a tus
PATCH): reads pause on the loop and a worker thread reads the socket into one buffer and
hands each read to the app's writer, as a plain receiver would; then the connection goes on
with a new parser. See `PieceKeepingProtocol.copy_body`. The copies have their own threads,
COPY_THREADS of them: slow clients cannot take the threads the rest of the server hops to,
and while all are busy no copy is offered (such bodies take the chunk path, on the loop).

Everything else (headers, limits, keep-alive, WebSocket upgrades, shutdown) is uvicorn's."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import select
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httptools
from uvicorn.protocols.http.flow_control import HIGH_WATER_LIMIT
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle

READ_BYTES = 1024 * 1024  # one read's most; the kernel hands what the socket holds
BODY_COPY = "mpr.body.copy"  # the scope extension: `await scope["extensions"][BODY_COPY](write)`
COPY_BYTES = 256 * 1024  # one read of a copied body (and so one write of it at most)
POLL_SECONDS = 0.5  # how often a copy waiting for bytes looks whether it should stop
IDLE_SECONDS = 60.0  # a body that sends nothing for this long is broken off (nginx's default)
COPY_THREADS = 8  # bodies copied at once, per process


class BodyPieces:
    """A request body's unread pieces, as uvicorn's cycle holds them: `len()`, `bytes()`."""

    __slots__ = ("pieces", "size")

    def __init__(self) -> None:
        self.pieces: list[bytes] = []
        self.size = 0

    def add(self, piece: bytes) -> None:
        self.pieces.append(piece)
        self.size += len(piece)

    def __len__(self) -> int:
        return self.size

    def __bytes__(self) -> bytes:
        pieces = self.pieces
        return pieces[0] if len(pieces) == 1 else b"".join(pieces)


class PieceKeepingProtocol(HttpToolsProtocol):
    """uvicorn's protocol, but a body's pieces are kept in a list, not joined per piece."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._copy_stop: threading.Event | None = None  # while a copy runs

    def on_body(self, body: bytes) -> None:
        cycle = self.cycle
        if (self.parser.should_upgrade() and self._should_upgrade()) or cycle.response_complete:
            return
        held: object = cycle.body
        if not isinstance(held, BodyPieces):  # uvicorn starts (and restarts) with a bytearray
            pieces = BodyPieces()
            if cycle.body:
                pieces.add(bytes(cycle.body))
            cycle.body = held = pieces  # type: ignore[assignment]  # duck-typed, see above
        held.add(body)
        if held.size > HIGH_WATER_LIMIT:
            self.flow.pause_reading()
        cycle.message_event.set()

    def on_headers_complete(self) -> None:
        super().on_headers_complete()
        cycle = self.cycle
        if cycle is None or cycle.scope is not self.scope:  # a WebSocket upgrade
            return
        length = _content_length(self.headers)
        if not length or self.scheme != "http" or not _copies.free():
            return
        fd = _socket_fd(self.transport)
        if fd is not None:
            extensions: dict[str, Any] = self.scope.setdefault("extensions", {})
            extensions[BODY_COPY] = functools.partial(self.copy_body, cycle, length, fd)

    async def copy_body(self, cycle: RequestResponseCycle, length: int, fd: int,
                        write: Callable[[memoryview], None]) -> None:
        """Hand the body's `length` bytes to `write`, in order, in a worker thread; `write`
        must not keep the view it gets (the buffer is read into again).

        Instead of `receive()`, never with it. What the parser already holds goes first; then
        reads pause on the loop and the thread reads the socket itself, exactly up to the
        body's end, so the connection goes on with a new parser (and a pipelined request's
        bytes stay in the socket). BodyBroken when the client closes or stalls; an error of
        `write` stops the copy and is raised as it is. After either, the connection closes
        once the answer is sent."""
        if cycle.waiting_for_100_continue and not self.transport.is_closing():
            self.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            cycle.waiting_for_100_continue = False
        held: object = cycle.body
        pieces = held.pieces if isinstance(held, BodyPieces) else [bytes(cycle.body)]
        cycle.body = bytearray()
        left = length - sum(map(len, pieces))
        if cycle.disconnected or (left and not cycle.more_body):
            raise BodyBroken("the connection closed before the body ended")
        if left:
            self.flow.pause_reading()  # on_response_complete resumes, as after any request
        stop = self._copy_stop = threading.Event()
        copying = _copies.start(self.loop, pieces, fd if left else None, left, write, stop)
        try:
            await asyncio.shield(copying)
        except BaseException:
            cycle.keep_alive = False  # the parser is out of step with the socket now
            stop.set()
            if not copying.done():  # cancelled: the thread must end before `write` goes
                with contextlib.suppress(BaseException):
                    await copying
            raise
        finally:
            self._copy_stop = None
        if left:
            self.parser = _parser(self)
            cycle.more_body = False
            cycle.message_event.set()

    def shutdown(self) -> None:
        """The server stops: a copy waiting for a slow client ends now (what arrived is
        kept and the client is told), as uvicorn waits for every open request."""
        super().shutdown()
        if self._copy_stop is not None:
            self._copy_stop.set()


class _Copies:
    """The threads copying bodies, and how many copies run (offered only while one is free;
    one offered meanwhile to many requests waits for a thread)."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(COPY_THREADS, thread_name_prefix="mpr-body-copy")
        self._lock = threading.Lock()
        self._running = 0

    def free(self) -> bool:
        return self._running < COPY_THREADS

    def start(self, loop: asyncio.AbstractEventLoop, *args: Any) -> asyncio.Future[None]:
        with self._lock:
            self._running += 1
        copying = loop.run_in_executor(self._pool, _copy, *args)
        copying.add_done_callback(self._ended)
        return copying

    def _ended(self, _: object) -> None:
        with self._lock:
            self._running -= 1


_copies = _Copies()


class BodyBroken(Exception):
    """A copied body ended early: the client closed the connection, or sent nothing for
    IDLE_SECONDS, or the server is stopping."""


def _content_length(headers: list[tuple[bytes, bytes]]) -> int | None:
    """The body's declared length; None with Transfer-Encoding or an unclear length."""
    lengths = [value for name, value in headers if name == b"content-length"]
    if len(lengths) != 1 or any(name == b"transfer-encoding" for name, _ in headers):
        return None
    value = lengths[0].strip()
    return int(value) if value.isdigit() else None


def _socket_fd(transport: asyncio.BaseTransport) -> int | None:
    sock = transport.get_extra_info("socket")
    fd = sock.fileno() if sock is not None else -1
    return fd if fd >= 0 else None


def _parser(protocol: HttpToolsProtocol) -> httptools.HttpRequestParser:
    """A parser for the connection's next request, set up as uvicorn sets up its first."""
    parser = httptools.HttpRequestParser(protocol)
    with contextlib.suppress(AttributeError):  # httptools < 0.6.3
        parser.set_dangerous_leniencies(lenient_data_after_close=True)
    return parser


def _copy(pieces: list[bytes], fd: int | None, left: int, write: Callable[[memoryview], None],
          stop: threading.Event) -> None:
    """In a worker thread: the held pieces, then `left` bytes read from the socket `fd`.

    The socket stays non-blocking, as the loop keeps it: a read is tried first and polled
    for when the socket is empty. (Blocking reads that wait for a whole COPY_BYTES, with
    MSG_WAITALL, were tried: no less CPU per GiB, in five alternating uploads each.)"""
    for piece in pieces:
        if piece:
            write(memoryview(piece))
    if fd is None:
        return
    buffer = memoryview(bytearray(min(COPY_BYTES, left)))
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    idle = 0.0
    while left:
        if stop.is_set():  # looked at before every read: a client that never pauses too
            raise BodyBroken("the server stopped reading the body")
        try:
            got = os.readv(fd, [buffer[:left]])
        except BlockingIOError:
            if poller.poll(POLL_SECONDS * 1000):
                idle = 0.0
            elif (idle := idle + POLL_SECONDS) >= IDLE_SECONDS:
                raise BodyBroken(f"no byte of the body came for {IDLE_SECONDS:.0f} s") from None
            continue
        except OSError as e:
            raise BodyBroken(f"the connection broke: {e.strerror}") from None
        if not got:
            raise BodyBroken("the connection closed before the body ended")
        write(buffer[:got])
        left -= got


_buffers = threading.local()  # one per event-loop thread


def _read_buffer() -> memoryview:
    buffer: memoryview | None = getattr(_buffers, "view", None)
    if buffer is None:
        buffer = _buffers.view = memoryview(bytearray(READ_BYTES))
    return buffer


class MprHttpProtocol(asyncio.BufferedProtocol):
    """What uvicorn's server runs per connection: reads land in the thread's shared buffer
    and go straight to the parser of a `PieceKeepingProtocol`.

    A buffered protocol cannot also be an `asyncio.Protocol` (the loop would then copy every
    read into new bytes), hence the delegation. An upgrade to WebSocket replaces this
    protocol on the transport, as it replaces uvicorn's."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.http = PieceKeepingProtocol(*args, **kwargs)
        self._buffer: memoryview | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.http.connection_made(transport)  # type: ignore[arg-type]

    def connection_lost(self, exc: Exception | None) -> None:
        self.http.connection_lost(exc)

    def eof_received(self) -> None:
        self.http.eof_received()

    def pause_writing(self) -> None:
        self.http.pause_writing()

    def resume_writing(self) -> None:
        self.http.resume_writing()

    def get_buffer(self, sizehint: int) -> memoryview:
        self._buffer = _read_buffer()
        return self._buffer

    def buffer_updated(self, nbytes: int) -> None:
        assert self._buffer is not None
        self.http.data_received(self._buffer[:nbytes])  # type: ignore[arg-type]
