"""Reading an SMTP server's replies in order, however many commands are outstanding.

aiosmtplib opens the connection (TLS, STARTTLS, certificate checks, login); then
:class:`ReplyReader` takes the transport over for the mail transactions, because aiosmtplib
expects one reply per command written and drops what arrives while an earlier reply waits to
be picked up, which rules out pipelining (RFC 2920): sending MAIL, RCPT and DATA together and
reading their three replies at once. Pipelined, a message costs two round trips instead of
four; over the internet that is most of the time a campaign takes, and on loopback it is
most of what the sending loop costs.

A reply is one or more lines with the same three-digit code (``250-...`` continues,
``250 ...`` ends). A line that does not start with a code, a reply longer than
:data:`MAX_REPLY`, or a reply no command asked for ends the connection (:attr:`ReplyReader.
violation`): it is not an SMTP server speaking any more, and one reply too many would pair
every later reply with the wrong command.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass

__all__ = ["MAX_REPLY", "Reply", "ReplyReader"]

#: The longest reply accepted (RFC 5321 allows 512-byte lines; servers send a few lines).
MAX_REPLY = 64 * 1024


@dataclass(frozen=True, slots=True)
class Reply:
    """A server reply: code and text (continuation lines joined by newlines)."""

    code: int
    text: str

    @property
    def ok(self) -> bool:
        """2xx or 3xx."""
        return 200 <= self.code < 400

    @property
    def temporary(self) -> bool:
        """4xx: try again later."""
        return 400 <= self.code < 500

    @property
    def closing(self) -> bool:
        """421: the server is closing the connection."""
        return self.code == 421

    def __str__(self) -> str:
        return f"{self.code} {' '.join(self.text.split())}".strip()


class ReplyReader(asyncio.Protocol):
    """The protocol of an SMTP connection once its transactions begin: writes commands and
    queues every reply the server sends, in order, for :meth:`read` to hand out."""

    def __init__(self, transport: asyncio.Transport) -> None:
        self.transport = transport
        self._loop = asyncio.get_running_loop()
        self._buffer = bytearray()
        self._lines: list[bytes] = []  # the lines so far of a reply that continues
        self._replies: deque[Reply] = deque()
        self._wanted = 0
        #: Replies the commands written so far still wait for.
        self._expected = 0
        self._waiter: asyncio.Future[None] | None = None
        #: Why the connection ended (None while it is open).
        self.lost: str | None = None
        #: The server broke the protocol (see the module docstring); :attr:`lost` says how.
        self.violation = False
        transport.set_protocol(self)

    # -- asyncio.Protocol -----------------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        buffer = self._buffer
        buffer += data
        start = 0
        while (end := buffer.find(b"\n", start)) != -1:
            line = bytes(buffer[start:end]).rstrip(b"\r")
            start = end + 1
            if not self._take(line):
                return
        del buffer[:start]
        if len(buffer) > MAX_REPLY:
            self._fail("the server sent a reply line that never ends")
            return
        self._wake()

    def eof_received(self) -> bool:
        self._end("the server closed the connection")
        return False  # close the transport

    def connection_lost(self, exc: Exception | None) -> None:
        self._end(f"connection lost ({exc})" if exc else "the server closed the connection")

    # -- reading and writing --------------------------------------------------------------

    def write(self, data: bytes, replies: int) -> None:
        """Send ``data``, commands that ``replies`` replies will answer; raises
        ConnectionError once the connection is gone."""
        if self._expected == 0 and (self._buffer or self._lines):
            self._fail("the server sent a reply no command asked for")
        if self.lost is not None or self.transport.is_closing():
            raise ConnectionError(self.lost or "the connection is closed")
        self._expected += replies
        self.transport.write(data)

    async def read(self, count: int, timeout: float | None) -> list[Reply]:
        """The next ``count`` replies. Fewer when the connection ends first (:attr:`lost`
        says why); raises TimeoutError when they do not all come within ``timeout`` seconds.
        """
        if len(self._replies) < count and self.lost is None:
            self._wanted = count
            waiter = self._waiter = self._loop.create_future()
            timer = (
                None
                if timeout is None
                else self._loop.call_later(timeout, _time_out, waiter)
            )
            try:
                await waiter
            finally:
                self._waiter = None
                if timer is not None:
                    timer.cancel()
        replies = self._replies
        return [replies.popleft() for _ in range(min(count, len(replies)))]

    def close(self) -> None:
        """Drop the connection."""
        self._end("the connection was closed")
        self.transport.close()

    # -- inside ---------------------------------------------------------------------------

    def _take(self, line: bytes) -> bool:
        """Add one line to the reply being read; False when the line is not SMTP."""
        code = line[:3]
        if len(code) != 3 or not code.isdigit() or line[3:4] not in (b"", b" ", b"-"):
            self._fail("the server sent a line that is not an SMTP reply")
            return False
        if self._lines and self._lines[0][:3] != code:
            self._fail("the server changed the reply code in the middle of a reply")
            return False
        self._lines.append(line)
        if line[3:4] == b"-":
            if sum(len(part) for part in self._lines) > MAX_REPLY:
                self._fail("the server sent a reply that never ends")
                return False
            return True
        if self._expected == 0:
            self._fail("the server sent a reply no command asked for")
            return False
        text = "\n".join(
            part[4:].strip().decode("utf-8", "surrogateescape") for part in self._lines
        )
        self._expected -= 1
        self._replies.append(Reply(int(code), text))
        self._lines = []
        return True

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done() and len(self._replies) >= self._wanted:
            waiter.set_result(None)

    def _end(self, why: str) -> None:
        if self.lost is None:
            self.lost = why
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)  # read() hands out what came, and lost says why

    def _fail(self, why: str) -> None:
        self.violation = True
        self._buffer.clear()
        self._lines = []
        self._end(why)
        self.transport.close()


def _time_out(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_exception(TimeoutError())
