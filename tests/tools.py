"""Finding the external programs some tests use (smtp-sink, chromium, pdftoppm, dovecot, mutt,
tmux).

On a developer's machine a missing program skips the test with the package to install; in CI
(``CI`` set) it fails, so a broken install step can never pass as skipped tests.
"""

from __future__ import annotations

import os
import shutil

import pytest

#: Debian package that provides each program.
PACKAGES = {
    "smtp-sink": "postfix",
    "chromium": "chromium",
    "pdftoppm": "poppler-utils",
    "dovecot": "dovecot-imapd",
    "mutt": "mutt",
    "tmux": "tmux",
}
_EXTRA_DIRS = ("/usr/sbin", "/usr/lib/postfix/sbin")


def require_tool(name: str) -> str:
    """The path of program ``name``; skip (or in CI, fail) when it is not installed."""
    path = shutil.which(name) or shutil.which(name, path=os.pathsep.join(_EXTRA_DIRS))
    if path:
        return path
    message = f"{name} is not installed (Debian package {PACKAGES.get(name, name)})"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)
