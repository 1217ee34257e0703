"""The outbox: a Maildir (``out/<campaign>/outbox/``) holding every message as it is sent.

mutt, Thunderbird (as a local folder) and most mail tools open a Maildir. Each delivery has a
fixed file name derived from its key, so running a campaign again replaces a message rather
than adding a second copy, wherever the mail reader has moved it (``new/`` or ``cur/``, with
its flags). Files are written to ``tmp/`` and renamed into place, as the Maildir format asks,
so a reader never sees half a message.

While sending, files are written by a background thread (:meth:`Outbox.put`): the outbox is
a copy for the user to read, not the record of what was sent (the journal is), and writing
ten thousand small files costs more than sending them when the disk is busy.
"""

from __future__ import annotations

import hashlib
import os
import queue
import threading
from pathlib import Path

__all__ = ["Outbox", "outbox_name"]


def outbox_name(key: str) -> str:
    """The Maildir base name of the message for delivery ``key``."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32] + ".outreach"


class Outbox:
    """A Maildir written by name; one file per delivery."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        for sub in ("tmp", "new", "cur"):
            (self.path / sub).mkdir(parents=True, exist_ok=True)
        self._tmp = os.fspath(self.path / "tmp")
        self._new = os.fspath(self.path / "new")
        # Where each message already is: a reader may have moved it to cur/ with flags.
        self._where: dict[str, str] = {}
        for sub in ("new", "cur"):
            directory = os.fspath(self.path / sub)
            for entry in os.scandir(directory):
                base = entry.name.split(":", 1)[0]
                if base.endswith(".outreach"):
                    self._where[base] = entry.path
        self._pid = os.getpid()
        self._queue: queue.SimpleQueue[tuple[str, bytes] | None] | None = None
        self._thread: threading.Thread | None = None
        self._errors: list[str] = []

    def __len__(self) -> int:
        return len(self._where)

    def write(self, key: str, data: bytes) -> Path:
        """Store the message for ``key``, replacing an earlier copy; return its path."""
        base = outbox_name(key)
        target = self._where.get(base) or f"{self._new}/{base}"
        tmp = f"{self._tmp}/{base}.{self._pid}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
        finally:
            os.close(fd)
        os.replace(tmp, target)
        self._where[base] = target
        return Path(target)

    def put(self, key: str, data: bytes) -> None:
        """Queue the message for ``key`` to be written by the background thread."""
        if self._queue is None:
            self._queue = queue.SimpleQueue()
            self._thread = threading.Thread(target=self._drain, name="outreach-outbox", daemon=True)
            self._thread.start()
        self._queue.put((key, data))

    def _drain(self) -> None:
        assert self._queue is not None
        while True:
            entry = self._queue.get()
            if entry is None:
                return
            try:
                self.write(*entry)
            except OSError as exc:
                if len(self._errors) < 5:
                    self._errors.append(f"{self.path}: cannot write a message: {exc.strerror}")

    def close(self) -> list[str]:
        """Wait for queued messages to be written; return the problems met, if any."""
        if self._thread is not None and self._queue is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None
            self._queue = None
        errors, self._errors = self._errors, []
        return errors

    def remove(self, key: str) -> bool:
        """Delete the message for ``key`` if there is one; True when a file was removed."""
        base = outbox_name(key)
        path = self._where.pop(base, None)
        if path is None:
            return False
        try:
            os.unlink(path)
        except FileNotFoundError:
            return False
        return True
