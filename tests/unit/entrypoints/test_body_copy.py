"""The socket side of a copied body (http_protocol._copy), on a real socket pair: exactly
the body's bytes are taken, in order, and a body that breaks off says so."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from mpr.entrypoints.web import http_protocol
from mpr.entrypoints.web.http_protocol import BodyBroken


@pytest.fixture
def pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    server, client = socket.socketpair()
    server.setblocking(False)  # as the event loop keeps it
    with server, client:
        yield server, client


class Taken:
    def __init__(self) -> None:
        self.data = bytearray()

    def __call__(self, view: memoryview) -> None:
        self.data += view  # a copy: the view's buffer is read into again


def copy(server: socket.socket, left: int, taken: Taken, pieces: list[bytes] | None = None,
         stop: threading.Event | None = None) -> None:
    http_protocol._copy(pieces or [], server.fileno(), left, taken, stop or threading.Event())


def test_the_held_pieces_come_first_then_exactly_the_rest_of_the_body(pair) -> None:
    server, client = pair
    body = bytes(range(256)) * 4000  # 1 MB: several reads
    sender = threading.Thread(target=client.sendall, args=(body[100:] + b"NEXT REQUEST",))
    sender.start()
    taken = Taken()

    copy(server, len(body) - 100, taken, pieces=[body[:60], b"", body[60:100]])
    sender.join()

    assert taken.data == body
    assert server.recv(100) == b"NEXT REQUEST"  # left for the connection's next parser


def test_bytes_that_come_later_are_waited_for(pair) -> None:
    server, client = pair
    taken = Taken()

    def trickle() -> None:
        for n in range(5):
            time.sleep(0.05)
            client.sendall(bytes([n]) * 1000)

    sender = threading.Thread(target=trickle)
    sender.start()
    copy(server, 5000, taken)
    sender.join()

    assert taken.data == b"".join(bytes([n]) * 1000 for n in range(5))


def test_a_client_that_closes_mid_body_breaks_it_after_what_it_sent(pair) -> None:
    server, client = pair
    client.sendall(b"x" * 3000)
    client.shutdown(socket.SHUT_WR)
    taken = Taken()

    with pytest.raises(BodyBroken, match="closed before the body ended"):
        copy(server, 10_000, taken)

    assert taken.data == b"x" * 3000


def test_a_client_that_sends_nothing_for_the_idle_time_breaks_the_body(pair, monkeypatch
                                                                      ) -> None:
    monkeypatch.setattr(http_protocol, "POLL_SECONDS", 0.05)
    monkeypatch.setattr(http_protocol, "IDLE_SECONDS", 0.3)
    server, client = pair
    client.sendall(b"x" * 10)
    started = time.monotonic()

    with pytest.raises(BodyBroken, match="no byte of the body came"):
        copy(server, 100, Taken())

    assert 0.3 <= time.monotonic() - started < 2


def test_a_stop_ends_a_copy_waiting_for_bytes(pair, monkeypatch) -> None:
    monkeypatch.setattr(http_protocol, "POLL_SECONDS", 0.05)
    server, _client = pair
    stop = threading.Event()
    threading.Timer(0.2, stop.set).start()

    with pytest.raises(BodyBroken, match="stopped"):
        copy(server, 100, Taken(), stop=stop)


def test_a_stop_ends_a_copy_whose_bytes_keep_coming(pair) -> None:
    server, client = pair
    client.sendall(b"y" * 50_000)
    stop = threading.Event()
    taken: list[int] = []

    def stopping(view: memoryview) -> None:
        taken.append(len(view))
        stop.set()  # as if the server was told to stop while this piece was written

    with pytest.raises(BodyBroken, match="stopped"):
        http_protocol._copy([], server.fileno(), 10**9, stopping, stop)

    assert len(taken) == 1


def test_an_error_of_the_writer_stops_the_copy_and_comes_out_as_it_is(pair) -> None:
    server, client = pair
    client.sendall(b"a" * 70_000)
    calls: list[int] = []

    def failing(view: memoryview) -> None:
        calls.append(len(view))
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space"):
        http_protocol._copy([], server.fileno(), 70_000, failing, threading.Event())

    assert len(calls) == 1


def test_a_declared_length_is_read_only_when_it_is_one_plain_number() -> None:
    length = http_protocol._content_length
    assert length([(b"content-length", b"42")]) == 42
    assert length([(b"content-length", b" 42 ")]) == 42
    assert length([]) is None
    assert length([(b"content-length", b"4"), (b"content-length", b"4")]) is None
    assert length([(b"content-length", b"-1")]) is None
    assert length([(b"content-length", b"0x10")]) is None
    assert length([(b"content-length", b"5"), (b"transfer-encoding", b"chunked")]) is None
