"""Snapshots of a directory tree, to prove a failed command left every byte as it was."""

from __future__ import annotations

import hashlib
from pathlib import Path


def tree_digest(root: Path) -> dict[str, str]:
    """SHA-256 of every file under ``root`` (caches included), by relative path.

    The workspace's lock files (``.locks/``) are left out: any command that changes the book
    or sends creates them before it reads anything, and they hold no data, only who holds
    the lock while it is held.
    """
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file() and ".locks" not in path.relative_to(root).parts
    }
