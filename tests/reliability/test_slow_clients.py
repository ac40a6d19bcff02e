"""Slow clients (slowloris): a real uvicorn server with :class:`HeaderDeadlineProtocol` closes connections whose
headers do not arrive in time, and only those: kept-alive connections and slow bodies still get their answer."""

from __future__ import annotations

import socket
import threading
import time

import pytest
import uvicorn

from topoalign.api.slow_clients import protocol_with_deadline

DEADLINE = 0.6


async def echo_length(scope, receive, send):
    """A minimal ASGI app: reads the whole body, answers its length."""
    if scope["type"] != "http":
        return
    size, more = 0, True
    while more:
        message = await receive()
        size += len(message.get("body", b""))
        more = message.get("more_body", False)
    body = str(size).encode()
    await send(
        {"type": "http.response.start", "status": 200, "headers": [(b"content-length", str(len(body)).encode())]}
    )
    await send({"type": "http.response.body", "body": body})


@pytest.fixture
def server_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(
        echo_length,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        http=protocol_with_deadline(DEADLINE),
        timeout_keep_alive=30,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield port
    server.should_exit = True
    thread.join(10)


def _connect(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    return sock


def _closed_within(sock: socket.socket, seconds: float) -> float | None:
    """Seconds until the server closed ``sock`` (recv gives b'' or a reset), None if still open after ``seconds``."""
    t0 = time.monotonic()
    sock.settimeout(seconds)
    try:
        while True:
            chunk = sock.recv(4096)
            if not chunk:
                return time.monotonic() - t0
    except TimeoutError:
        return None
    except ConnectionResetError:
        return time.monotonic() - t0


def _read_response(sock: socket.socket) -> bytes:
    sock.settimeout(10)
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(4096)
    head, _, rest = data.partition(b"\r\n\r\n")
    length = int(
        next(line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length"))
    )
    while len(rest) < length:
        rest += sock.recv(4096)
    assert head.startswith(b"HTTP/1.1 200"), head
    return rest


def test_a_connection_that_sends_nothing_is_closed(server_port):
    with _connect(server_port) as sock:
        took = _closed_within(sock, 10)
    assert took is not None and took < DEADLINE + 5


def test_headers_trickled_byte_by_byte_are_cut_at_the_deadline(server_port):
    with _connect(server_port) as sock:
        t0 = time.monotonic()
        sock.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n")
        closed = False
        for _ in range(40):  # one header byte every 0.1 s: never complete before the deadline
            try:
                sock.sendall(b"X")
            except (BrokenPipeError, ConnectionResetError):
                closed = True
                break
            time.sleep(0.1)
            sock.settimeout(0.01)
            try:
                if sock.recv(4096) == b"":
                    closed = True
                    break
            except TimeoutError:
                pass
        assert closed, "the server kept a connection whose headers never completed"
        assert time.monotonic() - t0 < DEADLINE + 3


def test_kept_alive_connections_and_slow_bodies_are_answered(server_port):
    with _connect(server_port) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        assert _read_response(sock) == b"0"
        time.sleep(DEADLINE * 2)  # idle between requests: the keep-alive timeout (30 s) rules, not the deadline
        body = b"x" * 50
        sock.sendall(b"POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 50\r\n\r\n")
        for i in range(0, 50, 10):  # the body over 2.5 deadlines
            time.sleep(DEADLINE / 2)
            sock.sendall(body[i : i + 10])
        assert _read_response(sock) == b"50"


def test_serve_runs_uvicorn_with_the_deadline(tmp_path, monkeypatch):
    import uvicorn as uvicorn_module

    from topoalign.api.slow_clients import HeaderDeadlineProtocol
    from topoalign.cli import main

    seen = {}
    monkeypatch.setenv("TOPOALIGN_HEADER_TIMEOUT_S", "7")
    monkeypatch.setenv("TOPOALIGN_WARM_UMAP", "false")
    monkeypatch.setattr(uvicorn_module, "run", lambda app, **kw: seen.update(kw))
    assert main(["--data", str(tmp_path / "store"), "serve", "--port", "1"]) == 0
    assert issubclass(seen["http"], HeaderDeadlineProtocol) and seen["http"].header_timeout == 7.0
