"""The bare send floor: pre-built message bytes through 4 reused aiosmtplib connections.

Reads the benchmark's mailmerge database (``DIR/mailmerge_database.csv``), makes each
message's bytes with plain string formatting (no templates, no checks, no MIME library, no
journal, no outbox) and sends them with ``aiosmtplib.SMTP.sendmail``: the least a Python
program must spend to send these messages. A database with a ``body`` column (the realistic
case) gives each message its rendered text.

    python bench/email/floor.py DIR PORT
"""

from __future__ import annotations

import asyncio
import csv
import sys
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


def main() -> None:
    folder, port = Path(sys.argv[1]), int(sys.argv[2])
    asyncio.run(send(messages(folder), port))


if __name__ == "__main__":
    main()
