"""What to tell the user when the disk or the database refuses a read or a write.

Disk full, a read-only mount, a missing permission or a database another process holds are
the user's to fix, not bugs: each becomes one line that names the file and says what to do.
Writes are atomic (a temporary file renamed into place, a SQLite transaction), so such a
failure leaves the old file as it was, and the messages say so where it helps.
"""

from __future__ import annotations

import errno
import os
import sqlite3
from pathlib import Path

from .errors import StorageError

__all__ = ["explain_os_error", "explain_sqlite_error", "journal_error"]

#: Less free space than this counts as a full disk (SQLite writes its log in pages).
_NEARLY_FULL = 64 * 1024

_OS_ADVICE: dict[int, str] = {
    errno.ENOSPC: "the disk is full: free some space and run the command again",
    errno.EDQUOT: "the disk quota is used up: free some space and run the command again",
    errno.EROFS: "the file system is read-only: remount it read-write or use a workspace "
    "on a writable disk",
    errno.EACCES: "permission denied: check the permissions of the file and its folder",
    errno.EPERM: "operation not permitted: check the permissions of the file and its folder",
    errno.EIO: "input/output error: check the disk",
    errno.ENOENT: "no such file or folder",
    errno.ENOTDIR: "a part of the path is not a folder",
    errno.EISDIR: "is a folder, not a file",
    errno.ELOOP: "is a symbolic link, which outreach does not follow here: remove it",
}


def explain_os_error(exc: OSError, path: str | Path | None = None) -> str:
    """``FILE: what went wrong: what to do`` for an :class:`OSError` (one line)."""
    where = exc.filename if exc.filename is not None else path
    advice = _OS_ADVICE.get(exc.errno or 0) or (exc.strerror or str(exc)).lower()
    return f"{where}: {advice}" if where is not None else advice


def _filesystem(path: Path) -> str:
    """ "full" or "read-only" when the file system holding ``path`` is, else ""."""
    folder = path if path.is_dir() else path.parent
    try:
        stats = os.statvfs(folder)
    except OSError:
        return ""
    if stats.f_flag & os.ST_RDONLY:
        return "read-only"
    if stats.f_bavail * stats.f_frsize < _NEARLY_FULL:
        return "full"
    return ""


def explain_sqlite_error(path: str | Path, exc: sqlite3.Error) -> str:
    """``JOURNAL: what went wrong: what to do`` for a SQLite operational error."""
    text = str(exc).lower()
    # SQLite words a full or read-only disk in several ways ("disk I/O error" when a write
    # of its log fails, "unable to open" when it cannot create one): ask the file system.
    state = _filesystem(Path(path))
    if state == "full":
        text = "full"
    elif state == "read-only":
        text = "readonly"
    if "full" in text:
        advice = "the disk is full: free some space and run the command again"
    elif "readonly" in text or "read-only" in text:
        advice = (
            "cannot be written (a read-only file, folder or disk): make it writable and run "
            "the command again"
        )
    elif "locked" in text or "busy" in text:
        advice = "another outreach command is using the journal: run again once it has finished"
    elif "unable to open" in text:
        advice = "cannot be opened: check that its folder exists and is writable"
    elif "i/o" in text:
        advice = "the disk reported an input/output error: check the disk"
    else:
        advice = f"the journal database reported: {exc}"
    return f"{path}: {advice} (the journal keeps what was committed before)"


def journal_error(path: str | Path, exc: sqlite3.Error) -> StorageError:
    """The :class:`~outreach.errors.StorageError` for a SQLite error on the journal."""
    return StorageError(explain_sqlite_error(path, exc))
