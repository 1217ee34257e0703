"""Where mail is read from: Maildir folders (or trees of them), mbox files, and IMAP.

Every source yields its new messages in batches. A batch carries each message's header
block (bodies are read only when asked, for bounces) and a function that records, in the
journal, that the batch has been read; the sync calls it in the same transaction as what the
messages changed, so a sync stopped anywhere picks up after the last batch it committed.

* **Maildir**: a folder holding ``cur/`` and ``new/``, or a tree of them (mbsync,
  offlineimap, a Thunderbird export, Maildir++ ``.Sent``). Each file's name up to the ``:``
  (the part that survives a change of flags) is remembered per folder.
* **mbox**: remembered by size and modification time; a changed file is read again from the
  start (Message-IDs keep that from counting anything twice).
* **IMAP**: per folder UIDVALIDITY and the last UID read (:mod:`outreach.imapsource`).

A folder is a Sent folder when its name says so (``Sent``, ``Sent Items``, ``[Gmail]/Sent
Mail``, ``Gesendet`` ...), or for IMAP when the server flags it ``\\Sent``.
"""

from __future__ import annotations

import mailbox
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Protocol

from .errors import InputError
from .mailstate import MailState

__all__ = [
    "BATCH",
    "MAX_HEADER",
    "Batch",
    "Incoming",
    "MailSource",
    "MaildirSource",
    "MboxSource",
    "is_sent_folder",
    "maildir_folders",
    "open_source",
]

#: Messages per batch (and per journal commit).
BATCH = 500

#: Folder names mail clients and servers give the Sent folder, folded to lower case.
SENT_NAMES = frozenset(
    {
        "sent",
        "sent items",
        "sent messages",
        "sent mail",
        "sent-mail",
        "sentmail",
        "outbox.sent",
        "gesendet",
        "gesendete elemente",
        "gesendete objekte",
        "envoyés",
        "éléments envoyés",
        "messages envoyés",
        "enviados",
        "elementos enviados",
        "posta inviata",
        "inviati",
        "verzonden",
        "verzonden items",
        "skickat",
        "skickade objekt",
        "sendt",
        "wysłane",
    }
)


def is_sent_folder(name: str) -> bool:
    """True when a folder's name is one mail programs give the Sent folder."""
    last = name.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
    # Maildir++ nests with dots (".Sent", ".INBOX.Sent", "[Gmail].Sent Mail").
    candidates = {last.casefold(), last.lstrip(".").rsplit(".", 1)[-1].casefold()}
    return bool(candidates & SENT_NAMES)


@dataclass(slots=True)
class Incoming:
    """One message as a source gives it: where from, its header block, and its body on demand."""

    #: The folder or file it was read from (for messages and errors).
    where: str
    is_sent: bool
    header: bytes
    body: Callable[[], bytes]


@dataclass(slots=True)
class Batch:
    """Messages read together, and how to note in the journal that they were."""

    messages: list[Incoming]
    record: Callable[[MailState], None]


class MailSource(Protocol):
    """A place mail is read from."""

    #: How the source is named in the summary.
    label: str

    def count(self, state: MailState) -> int | None:
        """How many messages there are to look at, when known cheaply (for progress)."""

    def batches(self, state: MailState) -> Iterator[Batch]:
        """The messages not read before, in batches."""


#: Bytes of a header block read at most: real ones are a few kB (a long To: list, a few
#: hundred), and a file that never ends its header (a stray non-mail file) is not read whole.
MAX_HEADER = 256 * 1024


def _header_block(handle: object) -> bytes:
    """The bytes of the header block, up to the blank line (or :data:`MAX_HEADER`); the
    body is not read."""
    lines = []
    left = MAX_HEADER
    while left > 0:
        line = handle.readline(left)  # type: ignore[attr-defined]
        if not line or line in (b"\n", b"\r\n"):
            break
        lines.append(line)
        left -= len(line)
    return b"".join(lines)


def maildir_folders(root: Path) -> list[Path]:
    """Every Maildir under ``root`` (a folder holding ``cur`` and ``new``), ``root`` first."""
    found = []
    if (root / "cur").is_dir() and (root / "new").is_dir():
        found.append(root)
    for dirpath, dirnames, _ in os.walk(root):
        # cur/, new/ and tmp/ hold messages, never folders: not worth walking into.
        dirnames[:] = sorted(d for d in dirnames if d not in ("cur", "new", "tmp"))
        for name in dirnames:
            candidate = Path(dirpath) / name
            if (candidate / "cur").is_dir() and (candidate / "new").is_dir():
                found.append(candidate)
    return found


class MaildirSource:
    """A Maildir folder or a tree of them."""

    def __init__(self, path: Path, *, sent: bool | None = None) -> None:
        self.path = path
        self.label = str(path)
        self.folders = maildir_folders(path)
        if not self.folders:
            raise InputError(f"{path}: not a Maildir (no cur/ and new/ folders in it)")
        self._sent = sent

    def _is_sent(self, folder: Path) -> bool:
        if self._sent is not None:
            return self._sent
        return is_sent_folder(folder.name)

    @staticmethod
    def _entries(folder: Path) -> Iterator[tuple[str, Path]]:
        """(unique name, path) of every message file, streamed from the directory."""
        for sub in ("new", "cur"):
            with os.scandir(folder / sub) as entries:
                for entry in entries:
                    # Only files (a symlink is followed): a FIFO or a device would never end.
                    if entry.name.startswith(".") or not entry.is_file():
                        continue
                    yield entry.name.split(":", 1)[0], Path(entry.path)

    def count(self, state: MailState) -> int | None:
        """How many message files the folders hold (listing them is cheap)."""
        return sum(len(os.listdir(f / sub)) for f in self.folders for sub in ("new", "cur"))

    def batches(self, state: MailState) -> Iterator[Batch]:
        """The files not read before, folder by folder, :data:`BATCH` at a time."""
        for folder in self.folders:
            key = str(folder.resolve())
            sent = self._is_sent(folder)
            chunk: list[tuple[str, Path]] = []
            for entry in self._entries(folder):
                chunk.append(entry)
                if len(chunk) >= BATCH:
                    yield self._batch(state, key, sent, chunk)
                    chunk = []
            if chunk:
                yield self._batch(state, key, sent, chunk)

    def _batch(
        self, state: MailState, key: str, sent: bool, chunk: Sequence[tuple[str, Path]]
    ) -> Batch:
        known = state.known_files(key, [name for name, _ in chunk])
        messages = []
        read = []
        for name, path in chunk:
            if name in known:
                continue
            try:
                with path.open("rb") as handle:
                    header = _header_block(handle)
            except FileNotFoundError:
                # A mail program moved it (new/ to cur/, a flag change): the next sync finds
                # it under its new name.
                continue
            except OSError as exc:
                raise InputError(f"{path}: cannot read: {exc.strerror}") from None
            messages.append(Incoming(str(path), sent, header, path.read_bytes))
            read.append(name)

        def record(state: MailState) -> None:
            state.add_files(key, read)

        return Batch(messages, record)


class MboxSource:
    """An mbox file."""

    def __init__(self, path: Path, *, sent: bool | None = None) -> None:
        self.path = path
        self.label = str(path)
        try:
            with path.open("rb") as handle:
                start = handle.read(5)
        except OSError as exc:
            raise InputError(f"{path}: cannot read: {exc.strerror}") from None
        if start and start != b"From ":
            raise InputError(f"{path}: not an mbox file (it does not start with 'From ')")
        self._sent = is_sent_folder(path.stem) if sent is None else sent
        self._key = f"mbox:{path.resolve()}"

    def _fingerprint(self) -> str:
        info = self.path.stat()
        return f"{info.st_size}:{info.st_mtime_ns}"

    def count(self, state: MailState) -> int | None:
        """Not known without reading the whole file."""
        return None

    def batches(self, state: MailState) -> Iterator[Batch]:
        """Every message, when the file changed since the last sync; else nothing."""
        fingerprint = self._fingerprint()
        if state.source_state(self._key) == fingerprint:
            return
        box = mailbox.mbox(self.path, create=False)
        try:
            chunk: list[Incoming] = []
            for key in box.iterkeys():
                with box.get_file(key) as handle:
                    header = _header_block(handle)
                chunk.append(Incoming(self.label, self._sent, header, partial(box.get_bytes, key)))
                if len(chunk) >= BATCH:
                    yield Batch(chunk, lambda state: None)
                    chunk = []

            def record(state: MailState) -> None:
                state.set_source_state(self._key, fingerprint)

            yield Batch(chunk, record)
        finally:
            box.close()


def open_source(text: str, base: Path) -> MailSource:
    """The source a SOURCE argument names (a path, relative to ``base``), checked now."""
    path = Path(text).expanduser()
    if not path.is_absolute():
        path = base / path
    if path.is_dir():
        return MaildirSource(path)
    if path.is_file():
        return MboxSource(path)
    raise InputError(f"{text}: no such Maildir folder or mbox file")
