"""IMAP header reading: outreach's reader against a plain imaplib script, side by side.

A Dovecot is started on loopback exactly as the tests start it (``tests/dovecot.py``: its own
configuration in a temporary directory, a self-signed certificate, implicit TLS) and its INBOX
is filled through IMAP APPEND with N realistically shaped messages (Received trail, DKIM
signature, about 1.5 kB of header each). Then each contender reads the headers of every
message as a whole process (interpreter start-up included; wall time and peak memory from
``bench/measure.py``):

* **floor, one FETCH**: a plain imaplib script, the way one is usually written: log in,
  EXAMINE, ``UID FETCH 1:* (BODY.PEEK[HEADER])``, count. The least time a Python program
  pays, with every header in memory at once;
* **floor, batches**: the same script asking for 500 UIDs at a time (what outreach asks);
* **outreach reader**: :class:`outreach.imapsource.ImapSource` ``fetch_new`` from no state
  (a first sync), streaming.

Every contender prints how many headers and bytes it read; the runner checks they agree, so a
contender that dropped messages cannot look fast. Add a contender (``outreach mail sync imap``
in a workspace whose ``[imap]`` table points at the server) by appending to the list that
:func:`contenders` returns; the table and the ratios follow.

    .venv/bin/python bench/mail/imap_floor.py [--count 50000]
"""

from __future__ import annotations

import argparse
import imaplib
import os
import ssl
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent


def _login(port: int, cafile: str, user: str, password: str) -> imaplib.IMAP4_SSL:
    context = ssl.create_default_context(cafile=cafile)
    imap = imaplib.IMAP4_SSL("127.0.0.1", port, ssl_context=context)
    imap.login(user, password)
    return imap


def floor_one_fetch(port: int, cafile: str, user: str, password: str) -> tuple[int, int]:
    """Every header in one UID FETCH: (messages, header bytes)."""
    imap = _login(port, cafile, user, password)
    imap.select("INBOX", readonly=True)
    _, data = imap.uid("FETCH", "1:*", "(BODY.PEEK[HEADER])")
    headers = [item[1] for item in data if isinstance(item, tuple)]
    imap.logout()
    return len(headers), sum(len(h) for h in headers)


def floor_batches(port: int, cafile: str, user: str, password: str) -> tuple[int, int]:
    """The headers 500 UIDs at a time, after one UID SEARCH: (messages, header bytes)."""
    imap = _login(port, cafile, user, password)
    imap.select("INBOX", readonly=True)
    _, found = imap.uid("SEARCH", "ALL")
    uids = found[0].split()
    count = size = 0
    for start in range(0, len(uids), 500):
        chunk = b",".join(uids[start : start + 500]).decode()
        _, data = imap.uid("FETCH", chunk, "(BODY.PEEK[HEADER])")
        for item in data:
            if isinstance(item, tuple):
                count += 1
                size += len(item[1])
    imap.logout()
    return count, size


def outreach_reader(port: int, cafile: str, user: str, password: str) -> tuple[int, int]:
    """outreach's ImapSource, a first sync of INBOX: (messages, header bytes)."""
    from outreach.imapsource import ImapSettings, ImapSource

    settings = ImapSettings.from_section(
        {
            "host": "127.0.0.1",
            "port": port,
            "security": "tls",
            "username": user,
            "ca_file": cafile,
        },
        "bench [imap]",
    )
    count = size = 0
    with ImapSource(settings, {"OUTREACH_IMAP_PASSWORD": password}) as source:
        for message in source.fetch_new("INBOX", None):
            count += 1
            size += len(message.header)
    return count, size


READERS = {
    "floor-one-fetch": floor_one_fetch,
    "floor-batches": floor_batches,
    "outreach-reader": outreach_reader,
}


def contenders(server: Any) -> list[tuple[str, list[str], dict[str, str]]]:
    """(label, argv, environment) of every contender, reading ``server``'s INBOX.

    ``server`` is the running ``tests/dovecot.py`` Dovecot (ports, certificate, test user).
    """
    port, cert, user = str(server.tls_port), str(server.cert), server.user
    env = {**os.environ, "BENCH_IMAP_PASSWORD": server.password}
    me = [sys.executable, str(Path(__file__).resolve())]
    return [
        ("floor, one FETCH", [*me, "read", "floor-one-fetch", port, cert, user], env),
        ("floor, batches of 500", [*me, "read", "floor-batches", port, cert, user], env),
        ("outreach reader", [*me, "read", "outreach-reader", port, cert, user], env),
    ]


def run(count: int) -> None:
    """Start Dovecot, fill its INBOX with ``count`` messages, time every contender once."""
    sys.path.insert(0, str(ROOT / "tests"))
    sys.path.insert(0, str(ROOT / "bench"))
    from dovecot import make_message, running_dovecot
    from measure import measure

    with running_dovecot() as server:
        server.append("INBOX", (make_message(i) for i in range(count)))
        print(f"{count} messages in Dovecot's INBOX (implicit TLS on 127.0.0.1)")
        rows = []
        for label, argv, env in contenders(server):
            done = measure(argv, env=env, check=False)
            if done.returncode != 0:
                raise SystemExit(f"{label} failed ({done.returncode}):\n{done.stderr}")
            read, size = (int(x) for x in done.stdout.split()[-2:])
            if read != count:
                raise SystemExit(f"{label} read {read} headers, not {count}")
            rows.append((label, done.seconds, done.peak_mib, size))
    sizes = {size for *_, size in rows}
    if len(sizes) != 1:
        raise SystemExit(f"the contenders read different header bytes: {rows}")
    floor = rows[0][1]
    print(f"\nheaders of {count} messages ({sizes.pop() / 2**20:.0f} MiB), whole process, one run")
    print(f"{'':24} {'seconds':>8} {'msg/s':>8} {'peak MiB':>9} {'vs floor':>9}")
    for label, seconds, peak, _ in rows:
        ratio = seconds / floor
        print(f"{label:24} {seconds:8.2f} {count / seconds:8.0f} {peak:9.0f} {ratio:8.2f}x")


def main() -> None:
    """``run`` by default; ``read NAME PORT CAFILE USER`` is one contender's process (the
    password in ``BENCH_IMAP_PASSWORD``)."""
    if len(sys.argv) > 1 and sys.argv[1] == "read":
        name, port, cafile, user = sys.argv[2:6]
        read, size = READERS[name](int(port), cafile, user, os.environ["BENCH_IMAP_PASSWORD"])
        print(read, size)
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=50_000, help="messages in the INBOX")
    run(parser.parse_args().count)


if __name__ == "__main__":
    main()
