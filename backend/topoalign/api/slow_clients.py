"""A deadline on the request line and headers, against slow clients (slowloris).

uvicorn's h11 protocol waits forever for the headers of a request: a connection that opens and sends nothing, or a
byte of header every few seconds, holds its socket and buffers for good, and a few hundred such connections exhaust
the server's file descriptors. :class:`HeaderDeadlineProtocol` closes a connection whose request line and headers
are not complete ``header_timeout`` seconds after the connection opened or after the first byte of its next request
arrived. The body is not under this deadline (uploads may be large and slow); the keep-alive timeout between
requests stays uvicorn's.
"""

from __future__ import annotations

import asyncio

from uvicorn.protocols.http.h11_impl import H11Protocol

DEFAULT_HEADER_TIMEOUT_S = 15.0


class HeaderDeadlineProtocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline on each request's headers."""

    header_timeout: float = DEFAULT_HEADER_TIMEOUT_S

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self._header_timer: asyncio.TimerHandle | None = None
        super().connection_made(transport)
        self._arm_header_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_header_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._header_timer is None and not self._request_in_flight():
            self._arm_header_timer()  # the first bytes of the next request on a kept-alive connection
        super().data_received(data)

    def handle_events(self) -> None:
        super().handle_events()
        if self._request_in_flight():
            self._cancel_header_timer()

    def _request_in_flight(self) -> bool:
        return self.cycle is not None and not self.cycle.response_complete

    def _arm_header_timer(self) -> None:
        self._cancel_header_timer()
        self._header_timer = self.loop.call_later(self.header_timeout, self._on_header_timeout)

    def _cancel_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _on_header_timeout(self) -> None:
        self._header_timer = None
        if self._request_in_flight() or self.transport.is_closing():
            return
        self.logger.info("closing a connection whose request headers did not arrive within %.0f s", self.header_timeout)
        self.transport.close()


def protocol_with_deadline(header_timeout: float) -> type[HeaderDeadlineProtocol]:
    """A :class:`HeaderDeadlineProtocol` subclass with ``header_timeout`` seconds, for ``uvicorn.run(http=...)``."""
    return type("HeaderDeadlineProtocol", (HeaderDeadlineProtocol,), {"header_timeout": float(header_timeout)})
