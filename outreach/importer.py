"""The importer and exporter contracts, and format detection.

An importer turns a file people really have (a vCard export, LinkedIn's Connections.csv, a
Google or Outlook CSV) into contacts; it never touches the address book itself: merging is
:mod:`outreach.merge`'s job, so every format merges the same way. An importer reads the whole
file before anything is merged, so a bad row stops the import with the file and line and the
book is left as it was (unless the user asked to skip bad rows).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from .contact import Contact
from .errors import InputError

if TYPE_CHECKING:
    from .pluginhost import PluginHost

__all__ = [
    "Exporter",
    "ImportResult",
    "ImportedRecord",
    "Importer",
    "SkippedRow",
    "detect_format",
    "read_contacts",
]

#: How many bytes of a file importers get to sniff.
SNIFF_BYTES = 8192


@dataclass(slots=True)
class ImportedRecord:
    """One contact read from a file, with the line it started on."""

    contact: Contact
    line: int
    #: When the source says you connected (LinkedIn's "Connected On"); recorded as a touch.
    connected_on: date | None = None


@dataclass(slots=True)
class SkippedRow:
    """A row or card that was not imported, and why."""

    line: int
    reason: str


@dataclass(slots=True)
class ImportResult:
    """Everything an importer read from one file."""

    source: Path
    format: str
    records: list[ImportedRecord] = field(default_factory=list)
    skipped: list[SkippedRow] = field(default_factory=list)


class Importer(ABC):
    """Base class of contact importers; register subclasses with ``register_importers``."""

    #: The ``--format`` value.
    name: ClassVar[str] = ""
    description: ClassVar[str] = ""

    @classmethod
    @abstractmethod
    def sniff(cls, path: Path, head: bytes) -> int:
        """How sure the importer is that it reads this file: 0 (no) to 100 (certain).

        ``head`` is the file's first bytes (empty for a directory).
        """

    @abstractmethod
    def read(
        self, path: Path, *, skip_bad: bool = False, options: Mapping[str, Any] | None = None
    ) -> ImportResult:
        """Read every contact of ``path``.

        A bad row raises :class:`~outreach.errors.InputError` naming the file and line, unless
        ``skip_bad`` is true, in which case it is listed in :attr:`ImportResult.skipped`.
        """


class Exporter(ABC):
    """Base class of contact exporters; register subclasses with ``register_exporters``."""

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    #: The usual file extension, with the dot.
    extension: ClassVar[str] = ""

    @abstractmethod
    def dumps(self, contacts: Sequence[Contact]) -> bytes:
        """The file's content for ``contacts``."""


def _head(path: Path) -> bytes:
    if path.is_dir():
        return b""
    try:
        with path.open("rb") as handle:
            return handle.read(SNIFF_BYTES)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None


def detect_format(path: Path, host: PluginHost) -> str:
    """The importer name that is surest it reads ``path``; an error when none is."""
    head = _head(path)
    scores = sorted(
        ((cls.sniff(path, head), name) for name, cls in host.importers().items()),
        reverse=True,
    )
    if not scores or scores[0][0] <= 0:
        known = ", ".join(sorted(host.importers()))
        raise InputError(f"{path}: cannot tell the format; name it with --format ({known})")
    return scores[0][1]


def read_contacts(
    path: Path,
    host: PluginHost,
    fmt: str = "auto",
    *,
    skip_bad: bool = False,
    options: Mapping[str, Any] | None = None,
) -> ImportResult:
    """Read ``path`` with the importer for ``fmt`` (``auto``: detect it)."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    importers = host.importers()
    name = detect_format(path, host) if fmt == "auto" else fmt
    if name not in importers:
        known = ", ".join(sorted(importers))
        raise InputError(f"unknown import format {name!r} (known: auto, {known})")
    return importers[name]().read(path, skip_bad=skip_bad, options=options)
