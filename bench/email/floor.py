"""The bare send floor: pre-built message bytes through 4 reused aiosmtplib connections.

Reads the benchmark's mailmerge database (``DIR/mailmerge_database.csv``), makes each
message's bytes with plain string formatting (no templates, no checks, no MIME library, no
journal, no outbox) and sends them with ``aiosmtplib.SMTP.sendmail``: the least a Python
program must spend to send these messages. A database with a ``body`` column (the realistic
case) gives each message its rendered text.

With ``--pipelined`` the same bytes go through plain asyncio sockets instead, MAIL, RCPT and
DATA written together (RFC 2920 pipelining, as outreach does where the server offers it) and
nothing checked but each reply's code: the least any Python program can pay on loopback.

    python bench/email/floor.py DIR PORT [--pipelined]
"""

from __future__ import annotations

import asyncio
import csv
import sys
from collections import deque
from email.utils import formataddr
from pathlib import Path

import aiosmtplib

BODY = (
    "Hi {first},\r\n\r\n"
    "It has been a while since we last talked. I hope all is well at work and at home.\r\n"
    "I would love to hear what you are working on these days.\r\n\r\n"
    "Best,\r\nAlex Example\r\n"
)


def messages(folder: Path) -> list[tuple[str, bytes]]:
    with (folder / "mailmerge_database.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    if rows and "body" in rows[0]:
        return _rendered(rows)
    out = []
    for index, row in enumerate(rows):
        text = (
            "From: Alex Example <alex@example.com>\r\n"
            f"To: {row['name']} <{row['email']}>\r\n"
            f"Subject: Catching up, {row['first_name']}\r\n"
            f"Message-ID: <{index}.floor@example.com>\r\n"
            'MIME-Version: 1.0\r\nContent-Type: text/plain; charset="utf-8"\r\n\r\n'
            + BODY.format(first=row["first_name"])
        )
        out.append((row["email"], text.encode("ascii")))
    return out


def _rendered(rows: list[dict[str, str]]) -> list[tuple[str, bytes]]:
    """The realistic case: each row carries its rendered note (``body``); names and notes
    may be non-ASCII, so the name is RFC 2047-encoded and the body goes as 8-bit UTF-8."""
    out = []
    for index, row in enumerate(rows):
        body = row["body"].replace("\n", "\r\n")
        text = (
            "From: Alex Example <alex@example.com>\r\n"
            f"To: {formataddr((row['name'], row['email']))}\r\n"
            "Subject: Catching up\r\n"
            f"Message-ID: <{index}.floor@example.com>\r\n"
            'MIME-Version: 1.0\r\nContent-Type: text/plain; charset="utf-8"\r\n'
            "Content-Transfer-Encoding: 8bit\r\n\r\n" + body
        )
        out.append((row["email"], text.encode("utf-8")))
    return out


async def send(items: list[tuple[str, bytes]], port: int, connections: int = 4) -> None:
    queue = list(reversed(items))

    async def worker() -> None:
        smtp = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, start_tls=False, timeout=60)
        await smtp.connect()
        while queue:
            recipient, data = queue.pop()
            await smtp.sendmail("alex@example.com", [recipient], data)
        await smtp.quit()

    await asyncio.gather(*(worker() for _ in range(connections)))


class _Replies(asyncio.Protocol):
    """Reply codes as they arrive, handed out in order."""

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.codes: deque[int] = deque()
        self.wanted = 0
        self.waiter: asyncio.Future[None] | None = None

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while (end := self.buffer.find(b"\n")) != -1:
            line = bytes(self.buffer[: end + 1])
            del self.buffer[: end + 1]
            if line[3:4] != b"-":
                self.codes.append(int(line[:3]))
        if self.waiter is not None and not self.waiter.done() and len(self.codes) >= self.wanted:
            self.waiter.set_result(None)

    async def read(self, count: int) -> list[int]:
        if len(self.codes) < count:
            self.wanted = count
            self.waiter = asyncio.get_running_loop().create_future()
            await self.waiter
        return [self.codes.popleft() for _ in range(count)]


async def send_pipelined(items: list[tuple[str, bytes]], port: int, connections: int = 4) -> None:
    queue = list(reversed(items))
    loop = asyncio.get_running_loop()

    async def worker() -> None:
        transport, replies = await loop.create_connection(_Replies, "127.0.0.1", port)
        await replies.read(1)
        transport.write(b"EHLO floor.example.com\r\n")
        await replies.read(1)
        while queue:
            recipient, data = queue.pop()
            transport.write(
                b"MAIL FROM:<alex@example.com>\r\nRCPT TO:<%s>\r\nDATA\r\n" % recipient.encode()
            )
            codes = await replies.read(3)
            if codes != [250, 250, 354]:
                raise SystemExit(f"refused: {codes}")
            body = data.replace(b"\r\n.", b"\r\n..")
            transport.write(body + (b".\r\n" if body.endswith(b"\r\n") else b"\r\n.\r\n"))
            if (await replies.read(1)) != [250]:
                raise SystemExit("the message was refused")
        transport.write(b"QUIT\r\n")
        await replies.read(1)
        transport.close()

    await asyncio.gather(*(worker() for _ in range(connections)))


def main() -> None:
    folder, port = Path(sys.argv[1]), int(sys.argv[2])
    items = messages(folder)
    asyncio.run(send_pipelined(items, port) if "--pipelined" in sys.argv[3:] else send(items, port))


if __name__ == "__main__":
    main()
