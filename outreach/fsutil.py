"""Small file-system helpers: atomic writes and change signatures."""

from __future__ import annotations

import contextlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

__all__ = ["FileSignature", "atomic_write", "fsync_dir"]


@dataclass(frozen=True, slots=True)
class FileSignature:
    """What identifies one version of a file without reading it.

    The change time is included because it cannot be set back by a tool that restores the
    modification time (``touch -r``, ``rsync -t``), so a same-size edit within one mtime tick
    is still noticed.
    """

    size: int
    mtime_ns: int
    ctime_ns: int
    inode: int

    @classmethod
    def of(cls, path: Path) -> FileSignature | None:
        """The signature of ``path``, or ``None`` when it does not exist."""
        try:
            st = path.stat()
        except FileNotFoundError:
            return None
        return cls(st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def fsync_dir(directory: Path) -> None:
    """Flush a directory entry change (a rename) to disk, where the platform allows it."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def atomic_write(path: Path, data: bytes, mode: int | None = None) -> None:
    """Replace ``path`` with ``data`` so that readers see the old or the new file, never half.

    The data goes to a temporary file in the same directory, is flushed and fsynced, and is
    renamed over the target. An existing file keeps its permission bits; a new one gets
    ``mode`` (default 0o600: address books and journals are personal data).
    """
    path = Path(path)
    directory = path.parent
    directory.mkdir(parents=True, exist_ok=True)
    try:
        keep_mode = path.stat().st_mode & 0o7777
    except FileNotFoundError:
        keep_mode = 0o600 if mode is None else mode
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, keep_mode)
        os.replace(tmp_name, path)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        if isinstance(exc, OSError) and exc.filename is None:
            # A full disk fails the write(), whose error names no file: name the target.
            exc.filename = str(path)
        raise
    fsync_dir(directory)
