"""The importer and exporter contracts, and format detection.

An importer turns a file people really have (a vCard export, LinkedIn's Connections.csv, a
Google or Outlook CSV) into contacts; it never touches the address book itself: merging is
:mod:`outreach.merge`'s job, so every format merges the same way. An importer reads the whole
file before anything is merged, so a bad row stops the import with the file and line and the
book is left as it was (unless the user asked to skip bad rows).
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from .contact import Contact, Name
from .errors import InputError

if TYPE_CHECKING:
    from .pluginhost import PluginHost

__all__ = [
    "Exporter",
    "decode_text",
    "ImportResult",
    "ImportedRecord",
    "Importer",
    "SkippedRow",
    "detect_format",
    "family_and_suffix",
    "read_contacts",
    "remove_controls",
    "split_name",
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
    #: The file the record came from (set by :func:`read_contacts` when left empty).
    source: str = ""
    #: True when the source gave the UID (a vCard's UID), rather than it being derived:
    #: two records of one source with distinct given UIDs are two people.
    uid_given: bool = False

    @property
    def where(self) -> str:
        """``file:line`` (or what the record came from), for messages."""
        if not self.line:
            return self.source or "the import"
        return f"{self.source}:{self.line}" if self.source else f"line {self.line}"


@dataclass(slots=True)
class SkippedRow:
    """A row or card that was not imported, and why."""

    line: int
    reason: str
    source: str = ""


@dataclass(slots=True)
class ImportResult:
    """Everything an importer read from one file."""

    source: Path
    format: str
    records: list[ImportedRecord] = field(default_factory=list)
    skipped: list[SkippedRow] = field(default_factory=list)
    #: What the import summary must say about the file beyond its records: columns not
    #: imported, characters removed or replaced. One line each, without the file name.
    notes: list[str] = field(default_factory=list)


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

    def losses(self, contacts: Sequence[Contact]) -> list[str]:
        """What the format cannot hold of ``contacts``, one line each (nothing by default).

        The export command prints these, so nothing is left out silently.
        """
        return []


def decode_text(
    data: bytes,
    path: Path,
    encoding: str | None = None,
    *,
    hint: str = "name the encoding with --encoding",
) -> str:
    """The text of an imported file: UTF-8 (with or without a byte-order mark), UTF-16 with
    a byte-order mark, else Windows-1252 (what Outlook and old phones write).

    ``encoding`` forces one. Bytes that fit no candidate are an error naming the line, never
    silently replaced; ``hint`` ends that message with what the user can do about it.
    """
    if encoding:
        candidates = [encoding]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = ["utf-16"]
    else:
        candidates = ["utf-8-sig", "cp1252"]
    for codec in candidates:
        try:
            text = data.decode(codec)
        except LookupError:
            raise InputError(f"{path}: unknown text encoding {codec!r}") from None
        except UnicodeDecodeError as exc:
            if codec != candidates[-1]:
                continue
            line = data[: exc.start].count(b"\n") + 1
            names = {"utf-8-sig": "UTF-8", "cp1252": "Windows-1252", "utf-16": "UTF-16"}
            tried = " or ".join(names.get(c, c) for c in candidates)
            raise InputError(
                f"{path}:{line}: not {tried} text (byte {data[exc.start]:#04x}); {hint}"
            ) from None
        return text[1:] if text.startswith("\ufeff") else text
    raise AssertionError("unreachable")


#: Credentials and generation marks written after a name ("Doe, PhD", "Roe, Jr."): capitals
#: (MBA, III), capitals with lower-case letters between them (PhD, MSc), abbreviations with
#: dots (M.D., Ph.D.), Jr, Sr and Esq; more may follow ("PhD, MBA"). A capitalised word
#: alone ("Jane") is a name, not a credential.
_SUFFIX = re.compile(
    r"^(?:[A-Z]{2,6}|[A-Z][a-z]{0,2}[A-Z][A-Za-z]{0,2}|(?:[A-Z][a-z]{0,2}\.)+|Jr|Sr|Esq)\.?"
    r"(?:[ ,]+\S.*)?$"
)


def split_name(full: str) -> Name:
    """A name written whole ("Jane Q. Doe", "Doe, Jane", "Grace Kim, PhD"), split into parts.

    Importers and the mailbox harvest read names this way, so a person named in a CSV cell
    or a mail header becomes the same contact.
    """
    text = " ".join(full.split())
    if not text:
        return Name()
    if "," in text:
        head, _, tail = text.partition(",")
        before, after = head.strip(), tail.strip()
        if before and after and _SUFFIX.match(after):
            # Credentials, however many ("Priya Nayak MSc, MBA, PHR"), commas as written.
            family, suffix = family_and_suffix(f"{before}, {after}")
            name = split_name(family)
            name.suffix, name.formatted = suffix, text
            return name
        given, comma, rest = after.partition(",")
        if before and after and (not comma or (given.strip() and _SUFFIX.match(rest.strip()))):
            # "Doe, Jane", or "Doe, Jane, PhD": family name first.
            given, rest = given.strip(), rest.strip()
            shown = f"{given} {before}" + (f", {rest}" if rest else "")
            return Name(given=given, family=before, suffix=rest, formatted=shown)
    parts = text.split(" ")
    if len(parts) == 1:
        return Name(given=text, formatted=text)
    return Name(given=" ".join(parts[:-1]), family=parts[-1], formatted=text)


_CREDENTIAL = re.compile(
    r"^(?:[A-Z]{2,6}|[A-Z][a-z]{0,2}[A-Z][A-Za-z]{0,2}|(?:[A-Z][a-z]{0,2}\.)+)$"
)


def family_and_suffix(family: str) -> tuple[str, str]:
    """Split credentials off a family name, commas and all, as written:
    ``Doe, PhD`` -> (``Doe``, ``PhD``); ``Nayak MSc, MBA, PHR`` -> (``Nayak``,
    ``MSc, MBA, PHR``)."""
    head, comma, tail = family.partition(",")
    if comma and head.strip() and tail.strip() and _SUFFIX.match(tail.strip()):
        words = head.split()
        # Credentials written before the first comma ("Nayak MSc, MBA") belong with the rest.
        cut = len(words)
        while cut > 1 and _CREDENTIAL.match(words[cut - 1]):
            cut -= 1
        before, moved = " ".join(words[:cut]), " ".join(words[cut:])
        return before, f"{moved}, {tail.strip()}" if moved else tail.strip()
    return family.strip(), ""


#: Control characters are no text in a name, an address or a number: they would reach mail
#: headers and terminals. Tabs and line breaks are left to the vCard writer and reader, which
#: make them spaces in single-line fields (the vCard reader removes the rest the same way).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def remove_controls(contact: Contact) -> int:
    """Remove control characters from ``contact``'s names and single-line fields (every
    importer's records get this in :func:`read_contacts`); how many were removed."""
    removed = 0

    def clean(text: str) -> str:
        nonlocal removed
        if not _CONTROL.search(text):
            return text
        kept = _CONTROL.sub("", text)
        removed += len(text) - len(kept)
        return kept

    name = contact.name
    for part in ("given", "family", "additional", "prefix", "suffix", "formatted", "nickname"):
        setattr(name, part, clean(getattr(name, part)))
    for attr in ("org", "department", "title", "linkedin"):
        setattr(contact, attr, clean(getattr(contact, attr)))
    contact.tags[:] = [clean(tag) for tag in contact.tags]
    for email in contact.emails:
        email.address = clean(email.address)
    for phone in contact.phones:
        phone.number = clean(phone.number)
    for address in contact.addresses:
        address.street = tuple(clean(line) for line in address.street)
        for attr in ("locality", "region", "postal_code", "country", "po_box", "extended"):
            setattr(address, attr, clean(getattr(address, attr)))
    return removed


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
    result = importers[name]().read(path, skip_bad=skip_bad, options=options)
    cleaned: list[int] = []
    removed = 0
    for record in result.records:
        record.source = record.source or str(path)
        found = remove_controls(record.contact)
        if found:
            cleaned.append(record.line)
            removed += found
    if removed:
        lines = ", ".join(str(n) for n in cleaned[:5]) + (", ..." if len(cleaned) > 5 else "")
        result.notes.append(
            f"{removed} control characters (NUL and the like) removed from {len(cleaned)} "
            f"records (line {lines})"
        )
    for row in result.skipped:
        row.source = row.source or str(path)
    return result
