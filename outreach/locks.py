"""Workspace locks: OS locks on files in the workspace that the kernel releases on exit.

Two locks keep processes that share a workspace from undoing one another:

* the **send lock** (``.locks/send.lock``), held by a sending run from before it reads the
  journal until it has recorded its last outcome, so a second ``campaign run --send`` (of any
  campaign: they share the account's rate limits) waits for the first to finish and then
  sees what it sent;
* the **book lock** (``.locks/book.lock``), held by every command that changes the address
  book while it re-reads the book, applies its change and saves (see
  :meth:`outreach.workspace.Workspace.edit_book`), so concurrent edits never lose one another.

They are POSIX record locks (``fcntl.lockf``), not ``flock``: the kernel drops them when the
process ends however it ends (``kill -9`` included), so a lock is never stale, and a child
made by ``fork`` (the email outbox writer) does not inherit them, so a killed run's helper
cannot keep the next run waiting. A POSIX lock is also released when its process closes
*any* descriptor of the file, so each lock file is opened once per process and held locks are
counted here rather than opened again.

The file holds who has the lock (process id, command, since when) for the message a waiting
process shows; what it says is advice, the lock itself is the kernel's.
"""

from __future__ import annotations

import fcntl
import json
import os
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from .errors import OutreachError

__all__ = ["LOCK_DIR", "Holder", "LockBusy", "hold"]

#: The folder of a workspace that holds its lock files.
LOCK_DIR = ".locks"


@dataclass(frozen=True, slots=True)
class Holder:
    """Who holds a lock, as written in its file by that process."""

    pid: int | None = None
    command: str = ""
    since: str = ""

    def describe(self) -> str:
        """``process 1234 (outreach campaign run ... since 2026-12-01T20:00:00+00:00)``."""
        if self.pid is None:
            return "another process"
        since = f"since {self.since}" if self.since else ""
        details = " ".join(bit for bit in (self.command, since) if bit)
        return f"process {self.pid}" + (f" ({details})" if details else "")


class LockBusy(OutreachError):
    """The lock is held by another process and the caller asked not to wait."""

    def __init__(self, message: str, holder: Holder) -> None:
        super().__init__(message)
        self.holder = holder


@dataclass(slots=True)
class _Held:
    fd: int
    depth: int


_held: dict[Path, _Held] = {}
_registry = threading.Lock()


def _read_holder(fd: int) -> Holder:
    try:
        raw = json.loads(os.pread(fd, 4096, 0) or b"{}")
        pid = raw.get("pid")
        return Holder(
            pid if isinstance(pid, int) else None,
            str(raw.get("command", ""))[:200],
            str(raw.get("since", ""))[:40],
        )
    except (OSError, ValueError, AttributeError):
        return Holder()


def _write_holder(fd: int) -> None:
    command = " ".join(os.path.basename(a) if i == 0 else a for i, a in enumerate(sys.argv[:6]))
    info = {
        "pid": os.getpid(),
        "command": command,
        "since": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    data = json.dumps(info).encode()
    os.ftruncate(fd, 0)
    os.pwrite(fd, data, 0)


@contextmanager
def hold(
    path: Path,
    *,
    what: str,
    wait: bool = True,
    on_wait: Callable[[Holder], None] | None = None,
) -> Iterator[None]:
    """Hold the lock on ``path`` for the block (the file and its folder are created).

    When another process holds it: with ``wait``, call ``on_wait`` with the holder (so the
    user sees why nothing happens) and wait until it is free; without, raise
    :class:`LockBusy` naming the holder. ``what`` names the lock in that message. The same
    process may take a lock it holds again (it is counted, not taken twice).
    """
    path = Path(path).absolute()
    with _registry:
        held = _held.get(path)
        if held is not None:
            held.depth += 1
    if held is not None:
        try:
            yield
        finally:
            with _registry:
                held.depth -= 1
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    # Never through a symbolic link: the file is truncated and written, and a link planted in
    # its place (by a sync tool, say) must not make that happen to a file elsewhere.
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o600)
    try:
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except (BlockingIOError, PermissionError):
            holder = _read_holder(fd)
            if not wait:
                raise LockBusy(
                    f"{path}: {what} is held by {holder.describe()}; wait for it to finish, "
                    "or run again without --no-wait to wait for it",
                    holder,
                ) from None
            if on_wait is not None:
                on_wait(holder)
            fcntl.lockf(fd, fcntl.LOCK_EX)
        with suppress(OSError):  # who holds it is advice: a full disk must not stop the lock
            _write_holder(fd)
        with _registry:
            _held[path] = _Held(fd, 1)
        try:
            yield
        finally:
            with _registry:
                del _held[path]
            # Emptied first, so a waiting process never shows a finished holder.
            with suppress(OSError):
                os.ftruncate(fd, 0)
    finally:
        os.close(fd)
