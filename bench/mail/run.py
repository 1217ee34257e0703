"""Mail sync speed: ``outreach mail sync`` against a plain script that only reads the headers.

A generated mailbox of N messages (default 50,000) shaped like real mail (a Received trail,
a DKIM signature, MIME headers; about 2 kB of headers each): an INBOX with personal mail from
contacts, mail from strangers, newsletters, replies to a campaign and Postfix bounces, and a
Sent folder of mail to contacts. The book has 2,000 contacts. Each side runs as a whole process,
timed from start to exit, with its peak resident memory:

* **floor** (``floor.py``): ``mailbox.Maildir`` (or ``imaplib`` over TLS) reading every
  header block and parsing it, nothing else;
* **outreach, first sync**: ``outreach mail sync`` on a fresh journal: every header read and
  classified, bounces read in full, touches, replies, bounces and the sync state recorded;
* **outreach, again**: the same command once more, with nothing new to read.

The IMAP side runs the same mailbox through a Dovecot started on loopback with the test
suite's fixture (``tests/dovecot.py``), filled through IMAP APPEND; ``--no-imap`` skips it.

    python bench/mail/run.py [--count 50000] [--no-imap]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))
from measure import Measured, measure  # noqa: E402

CONTACTS = 2000
START = datetime(2025, 1, 6, 8, 0, tzinfo=UTC)


def _address(i: int) -> str:
    return f"person{i:05d}@corp{i % 97}.example"


def make_workspace(root: Path) -> Path:
    """A workspace with ``CONTACTS`` contacts; returns its folder."""
    from outreach.contact import Contact, Email, Name
    from outreach.workspace import Workspace

    workspace = Workspace.init(root, name="Alex Example", email="alex@example.com")
    book = workspace.open_book()
    for i in range(CONTACTS):
        book.add(
            Contact(
                uid=f"bench-{i:05d}",
                name=Name(given=f"Given{i}", family=f"Family{i}", formatted=f"Given{i} Family{i}"),
                emails=[Email(_address(i), ("INTERNET",))],
            )
        )
    book.save()
    return root


def generate(count: int) -> tuple[list[bytes], list[bytes]]:
    """(inbox, sent) messages, ``count`` in all: a fifth sent, the rest received."""
    from dovecot import make_message
    from mailboxes import postfix_dsn

    inbox: list[bytes] = []
    sent: list[bytes] = []
    when = START.timestamp()
    for i in range(count):
        kind = i % 20
        contact = _address(i % CONTACTS)
        if kind < 4:  # a fifth: mail you sent
            sent.append(
                make_message(
                    i,
                    sender="Alex Example <alex@example.com>",
                    to=contact,
                    when=when,
                    subject=f"Re: notes from {i}",
                )
            )
        elif kind < 12:  # personal mail from contacts
            inbox.append(make_message(i, sender=f"Someone <{contact}>", when=when))
        elif kind < 16:  # strangers
            inbox.append(make_message(i, when=when))
        elif kind < 19:  # newsletters and lists
            inbox.append(
                make_message(
                    i,
                    sender=f"Weekly <news@{contact.split('@')[1]}>",
                    when=when,
                    extra_headers=(
                        "List-Id: <weekly.news.example>\n"
                        "List-Unsubscribe: <mailto:leave@news.example>\nPrecedence: bulk\n"
                    ),
                )
            )
        elif i % 100 == 19:  # a bounce now and then
            original = make_message(i, sender="alex@example.com", to=contact, when=when)
            day = datetime.fromtimestamp(when, UTC) + timedelta(hours=1)
            inbox.append(postfix_dsn(original, contact, day))
        else:  # replies to something (not a campaign of this workspace)
            inbox.append(
                make_message(
                    i,
                    sender=f"Someone <{contact}>",
                    when=when,
                    extra_headers=f"In-Reply-To: <thread{i}@example.com>\n",
                )
            )
    return inbox, sent


def write_maildir(folder: Path, messages: list[bytes]) -> None:
    for sub in ("cur", "new", "tmp"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    for n, data in enumerate(messages):
        (folder / "cur" / f"{1735000000 + n}.M{n}P1.bench:2,S").write_bytes(data)


def outreach(home: Path, *args: str, env: dict[str, str] | None = None) -> Measured:
    exe = Path(sys.executable).parent / "outreach"
    return measure([str(exe), "--home", str(home), "mail", "sync", *args], env=env)


def fresh_journal(home: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        path = home / f"journal.sqlite{suffix}"
        if path.exists():
            path.unlink()


def _counts(run: Measured) -> str:
    """The summary line of a sync: what the messages turned out to be."""
    return next(line for line in run.stdout.splitlines() if "new message(s)" in line)


def row(name: str, m: Measured, floor: Measured) -> str:
    return (
        f"| {name} | {m.seconds:.2f} s | {m.peak_mib:.0f} MiB | {m.seconds / floor.seconds:.2f}x |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=50_000)
    parser.add_argument("--no-imap", action="store_true")
    options = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="outreach-mail-bench-"))
    try:
        home = make_workspace(scratch / "ws")
        inbox, sent = generate(options.count)
        mail = scratch / "Mail"
        write_maildir(mail / "INBOX", inbox)
        write_maildir(mail / "Sent", sent)
        size = sum(len(m) for m in inbox + sent) / 2**20
        print(f"{len(inbox) + len(sent)} messages ({size:.0f} MiB), {CONTACTS} contacts\n")
        # One unmeasured pass so both sides read from the page cache.
        measure([sys.executable, str(HERE / "floor.py"), "maildir", str(mail)])
        floor = measure([sys.executable, str(HERE / "floor.py"), "maildir", str(mail)])
        first = outreach(home, str(mail))
        again = outreach(home, str(mail))
        print("Maildir:\n")
        print("| run | time | peak memory | vs the floor |\n|---|---:|---:|---:|")
        print(
            f"| floor: mailbox.Maildir, headers only | {floor.seconds:.2f} s | "
            f"{floor.peak_mib:.0f} MiB | 1.00x |"
        )
        print(row("outreach mail sync (first)", first, floor))
        print(row("outreach mail sync (again, nothing new)", again, floor))
        print("\n" + _counts(first))
        if not options.no_imap:
            bench_imap(home, inbox, sent)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def bench_imap(home: Path, inbox: list[bytes], sent: list[bytes]) -> None:
    from dovecot import start_dovecot

    server = start_dovecot()
    try:
        started = time.perf_counter()
        server.new_folder("bench")  # a folder to hold the inbox (the session's INBOX stays empty)
        folder = "bench0"
        server.append(folder, inbox)
        server.append("Sent", sent)
        print(f"\n(Dovecot filled through IMAP APPEND in {time.perf_counter() - started:.1f} s)")
        with (home / "outreach.toml").open("a", encoding="utf-8") as handle:
            handle.write(
                f'\n[imap]\nhost = "127.0.0.1"\nport = {server.tls_port}\nsecurity = "tls"\n'
                f'username = "{server.user}"\nca_file = "{server.cert}"\n'
                f'folders = ["{folder}"]\nsent_folder = "Sent"\n'
            )
        env = {**os.environ, "OUTREACH_IMAP_PASSWORD": server.password}
        fresh_journal(home)
        argv = [
            sys.executable,
            str(HERE / "floor.py"),
            "imap",
            "127.0.0.1",
            str(server.tls_port),
            server.user,
            str(server.cert),
            folder,
            "Sent",
        ]
        measure(argv, env=env)  # warm Dovecot's caches for both sides
        floor = measure(argv, env=env)
        first = outreach(home, "imap", env=env)
        again = outreach(home, "imap", env=env)
        print("\nIMAP (Dovecot on loopback, TLS):\n")
        print("| run | time | peak memory | vs the floor |\n|---|---:|---:|---:|")
        print(
            f"| floor: imaplib, BODY.PEEK[HEADER] 500 at a time | {floor.seconds:.2f} s | "
            f"{floor.peak_mib:.0f} MiB | 1.00x |"
        )
        print(row("outreach mail sync imap (first)", first, floor))
        print(row("outreach mail sync imap (again, nothing new)", again, floor))
        print("\n" + _counts(first))
    finally:
        server.stop()
        shutil.rmtree(server.root, ignore_errors=True)


if __name__ == "__main__":
    main()
