"""The outbox: a Maildir (``out/<campaign>/outbox/``) holding every message as it is sent.

mutt, Thunderbird (as a local folder) and most mail tools open a Maildir. Each delivery has a
fixed file name derived from its key, so running a campaign again replaces a message rather
than adding a second copy, wherever the mail reader has moved it (``new/`` or ``cur/``, with
its flags). Files are written to ``tmp/`` and renamed into place, as the Maildir format asks,
so a reader never sees half a message.

On disk a message has the local line ending, LF, as every Maildir tool expects (mutt would
show the CR of a CRLF line as ``^M``); on the wire it stays CRLF. A message as a dry run would
send it lands in ``new/`` (unread: for the user to look over); a sent one in ``cur/`` with the
Seen flag, as a mail program files what it sent, keeping any other flag a reader gave it.

Creating a file is expensive on a busy disk (a tenth of a millisecond or more of kernel time
on ext4, more than sending the message), so :class:`Outbox` hands the writing to a helper
process (:meth:`Outbox.put`, in batches over a pipe) that works on the other core while this
one sends. The outbox is a copy for the user to read; the journal is the record of what was
sent, so a message reaches the outbox after it was sent, and :meth:`Outbox.close` waits for
every queued one to be written.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import queue
import struct
import threading
from collections.abc import Iterable
from pathlib import Path

__all__ = ["MaildirWriter", "Outbox", "local_lines", "outbox_name"]

#: Messages handed to the writer at a time (after a crash, at most this many sent messages
#: can be missing from the outbox; the journal has them all).
BATCH = 32
_LENGTH = struct.Struct("!I")
_ENTRY = struct.Struct("!II?")


def _encode_batch(batch: Iterable[tuple[str, bytes, bool]]) -> bytes:
    """Messages for the writer process as plain bytes (lengths, seen flag, key, data): no
    pickle, so nothing that crosses the pipe is ever code."""
    parts = []
    for key, data, seen in batch:
        name = key.encode("utf-8")
        parts += [_ENTRY.pack(len(name), len(data), seen), name, data]
    return b"".join(parts)


def _decode_batch(body: bytes) -> list[tuple[str, bytes, bool]]:
    """The messages :func:`_encode_batch` wrote."""
    entries = []
    view = memoryview(body)
    offset = 0
    while offset < len(view):
        key_size, data_size, seen = _ENTRY.unpack_from(view, offset)
        offset += _ENTRY.size
        key = bytes(view[offset : offset + key_size]).decode("utf-8")
        offset += key_size
        entries.append((key, bytes(view[offset : offset + data_size]), seen))
        offset += data_size
    return entries


def outbox_name(key: str) -> str:
    """The Maildir base name of the message for delivery ``key``."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32] + ".outreach"


def local_lines(data: bytes) -> bytes:
    """A message as it is stored in a Maildir: CRLF line endings become LF."""
    return data.replace(b"\r\n", b"\n")


def _with_seen(name: str) -> str:
    """The ``cur/`` name of ``name`` with the Seen flag added to whatever flags it has."""
    base, _, info = name.partition(":")
    flags = info[2:] if info.startswith("2,") else ""
    return f"{base}:2,{''.join(sorted(set(flags) | {'S'}))}"


class MaildirWriter:
    """Writes messages into a Maildir by name, replacing earlier copies; one process uses it."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        for sub in ("tmp", "new", "cur"):
            (self.path / sub).mkdir(parents=True, exist_ok=True)
        self._tmp = os.fspath(self.path / "tmp")
        self._new = os.fspath(self.path / "new")
        self._cur = os.fspath(self.path / "cur")
        # Where each message already is: a reader may have moved it to cur/ with flags.
        self._where: dict[str, str] = {}
        for sub in ("new", "cur"):
            for entry in os.scandir(self.path / sub):
                base = entry.name.split(":", 1)[0]
                if base.endswith(".outreach"):
                    self._where[base] = entry.path

    def write(self, key: str, data: bytes, seen: bool = False) -> Path:
        """Store the message for ``key`` (wire format), replacing an earlier copy; return its
        path. ``seen``: it was sent, so it goes to ``cur/`` with the Seen flag."""
        base = outbox_name(key)
        earlier = self._where.get(base)
        if seen:
            name = os.path.basename(earlier) if earlier and "/cur/" in earlier else base
            target = f"{self._cur}/{_with_seen(name)}"
        else:
            target = earlier or f"{self._new}/{base}"
        tmp = f"{self._tmp}/{base}.{os.getpid()}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            view = memoryview(local_lines(data))
            while view:
                view = view[os.write(fd, view) :]
        finally:
            os.close(fd)
        os.replace(tmp, target)
        if earlier and earlier != target:
            # The copy a dry run left unread in new/ is now the sent one in cur/.
            with contextlib.suppress(FileNotFoundError):
                os.unlink(earlier)
        self._where[base] = target
        return Path(target)

    def write_all(self, entries: Iterable[tuple[str, bytes, bool]], errors: list[str]) -> None:
        """Write every (key, data, seen) entry; note (at most five) problems in ``errors``
        and carry on."""
        for key, data, seen in entries:
            try:
                self.write(key, data, seen)
            except OSError as exc:
                if len(errors) < 5:
                    errors.append(f"{self.path}: cannot write a message: {exc.strerror}")


#: The pipe to the writer holds this much (Linux's default is 64 KiB, about 50 messages): a
#: moment's slowness of the disk is absorbed by the pipe, and sending does not stop for it.
PIPE_SIZE = 1 << 20


def _widen(fd: int) -> None:
    """Make the pipe ``fd`` hold :data:`PIPE_SIZE` bytes, where the system allows it."""
    import fcntl  # POSIX only, as fork is

    setpipe = getattr(fcntl, "F_SETPIPE_SZ", None)
    if setpipe is not None:
        with contextlib.suppress(OSError):  # over /proc/sys/fs/pipe-max-size: keep the default
            fcntl.fcntl(fd, setpipe, PIPE_SIZE)


def _read_exactly(fd: int, size: int) -> bytes | None:
    chunks = []
    while size:
        chunk = os.read(fd, min(size, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def _child(writer: MaildirWriter, inbound: int, outbound: int) -> None:
    errors: list[str] = []
    while True:
        head = _read_exactly(inbound, _LENGTH.size)
        if head is None:
            break
        body = _read_exactly(inbound, _LENGTH.unpack(head)[0])
        if body is None:
            break
        writer.write_all(_decode_batch(body), errors)
    report = json.dumps(errors).encode("utf-8")
    os.write(outbound, _LENGTH.pack(len(report)) + report)


class Outbox:
    """The outbox of one run: writes go to a helper process (or to a thread, where there is
    no ``fork`` or other threads make it unsafe); :meth:`close` waits for them.

    The helper is started here, before any connection or event loop exists, so it inherits
    nothing it could keep open.
    """

    def __init__(self, path: Path) -> None:
        self.writer = MaildirWriter(path)
        self.path = self.writer.path
        self._batch: list[tuple[str, bytes, bool]] = []
        self._pid = 0
        self._to_child = -1
        self._from_child = -1
        self._thread: threading.Thread | None = None
        #: Batches for the thread; None tells it to stop.
        self._queue: queue.SimpleQueue[list[tuple[str, bytes, bool]] | None] = queue.SimpleQueue()
        self._errors: list[str] = []
        self._start()

    def put(self, key: str, data: bytes, *, sent: bool = False) -> None:
        """Queue the message for ``key``; it is written in the background (``sent``: as
        read, in ``cur/``)."""
        self._batch.append((key, data, sent))
        if len(self._batch) >= BATCH:
            self._send_batch()

    def _start(self) -> None:
        if hasattr(os, "fork") and threading.active_count() == 1:
            to_child_r, to_child_w = os.pipe()
            from_child_r, from_child_w = os.pipe()
            pid = os.fork()
            if pid == 0:  # pragma: no cover - runs in the child, which never returns
                status = 0
                try:
                    os.close(to_child_w)
                    os.close(from_child_r)
                    _child(self.writer, to_child_r, from_child_w)
                except BaseException:  # noqa: BLE001 - the parent learns of it by the exit
                    status = 1
                finally:
                    os._exit(status)
            os.close(to_child_r)
            os.close(from_child_w)
            _widen(to_child_w)
            self._pid, self._to_child, self._from_child = pid, to_child_w, from_child_r
        else:
            self._thread = threading.Thread(target=self._drain, name="outbox", daemon=True)
            self._thread.start()

    def _send_batch(self) -> None:
        batch, self._batch = self._batch, []
        if not batch:
            return
        if self._pid:
            body = _encode_batch(batch)
            data = memoryview(_LENGTH.pack(len(body)) + body)
            try:
                while data:
                    data = data[os.write(self._to_child, data) :]
            except OSError as exc:
                self._errors.append(f"{self.path}: the outbox writer stopped ({exc.strerror})")
        else:
            self._queue.put(batch)

    def _drain(self) -> None:
        while (batch := self._queue.get()) is not None:
            self.writer.write_all(batch, self._errors)

    def close(self) -> list[str]:
        """Wait until every queued message is written; return the problems met, if any."""
        self._send_batch()
        if self._pid:
            os.close(self._to_child)
            head = _read_exactly(self._from_child, _LENGTH.size)
            report = _read_exactly(self._from_child, _LENGTH.unpack(head)[0]) if head else None
            os.close(self._from_child)
            _, status = os.waitpid(self._pid, 0)
            self._pid = 0
            if report is not None:
                self._errors.extend(json.loads(report))
            if status != 0 or report is None:
                self._errors.append(
                    f"{self.path}: the outbox writer failed; some messages are missing"
                )
        elif self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None
        errors, self._errors = self._errors, []
        return errors
