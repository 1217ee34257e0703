"""vCard files (2.1, 3.0, 4.0) and vdirs in; vCard out, each card in its own version (a
4.0 card stays 4.0, others are 3.0: see :mod:`outreach.vcard`)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from contextlib import nullcontext
from pathlib import Path
from typing import Any

from outreach import hookimpl
from outreach.contact import Contact
from outreach.errors import InputError
from outreach.importer import (
    Exporter,
    ImportedRecord,
    Importer,
    ImportResult,
    SkippedRow,
    decode_text,
)
from outreach.progress import current as current_progress
from outreach.progress import progress
from outreach.vcard import dump_contacts, parse_vcards

_SUFFIXES = (".vcf", ".vcard")


def _card_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in _SUFFIXES and p.is_file())


class VCardImporter(Importer):
    """Reads a ``.vcf`` file or a vdir (a folder of ``.vcf`` files)."""

    name = "vcard"
    description = "vCard 2.1, 3.0 or 4.0 (.vcf), or a folder of .vcf files"

    @classmethod
    def sniff(cls, path: Path, head: bytes) -> int:
        """How sure this importer is that it reads ``path`` (0 to 100)."""
        if path.is_dir():
            return 60 if _card_files(path) else 0
        # Tolerate a byte-order mark and UTF-16 before looking for the first card.
        text = head.replace(b"\x00", b"").upper()
        if b"BEGIN:VCARD" in text:
            return 100
        return 30 if path.suffix.lower() in _SUFFIXES else 0

    def read(
        self, path: Path, *, skip_bad: bool = False, options: Mapping[str, Any] | None = None
    ) -> ImportResult:
        """Read every contact of ``path``; a bad row is an error unless ``skip_bad``."""
        encoding = (options or {}).get("encoding")
        result = ImportResult(path, self.name)
        files = _card_files(path) if path.is_dir() else [path]
        with progress(f"reading {path.name}", len(files)) if len(files) > 1 else nullcontext():
            for file in files:
                self._read_file(file, path, encoding, skip_bad, result, count_cards=len(files) == 1)
                if len(files) > 1:
                    current_progress().advance()
        return result

    def _read_file(
        self,
        file: Path,
        path: Path,
        encoding: str | None,
        skip_bad: bool,
        result: ImportResult,
        *,
        count_cards: bool,
    ) -> None:
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise InputError(f"{file}: cannot read: {exc.strerror}") from None
        text, replaced = _decode(data, file, encoding)
        # In a folder, a note names the file; a single file is named by the summary.
        prefix = f"{file.name}: " if file != path else ""
        if replaced:
            result.notes.append(
                f"{prefix}{len(replaced)} bytes that are not UTF-8 replaced by U+FFFD "
                f"(line {_first_lines(replaced)})"
            )
        bad: list[tuple[int, str]] | None = [] if skip_bad else None
        # One file: a bar counting its cards (a folder's bar counts files instead).
        cards = data.upper().count(b"BEGIN:VCARD") if count_cards else 0
        with progress(f"reading {file.name}", cards) if cards else nullcontext():
            parsed = parse_vcards(text, str(file), skipped=bad)
        for line, reason in bad or ():
            result.skipped.append(SkippedRow(line, _without_place(reason, file, line), str(file)))
        cleaned: list[int] = []
        removed = 0
        for card in parsed:
            if card.removed_controls:
                cleaned.append(card.line)
                removed += card.removed_controls
            if card.kind == "group":
                label = card.contact.display_name
                result.skipped.append(
                    SkippedRow(
                        card.line,
                        f"group card {label!r} is a list of people, not a person",
                        str(file),
                    )
                )
                continue
            result.records.append(
                ImportedRecord(card.contact, card.line, source=str(file), uid_given=card.uid_given)
            )
        if removed:
            result.notes.append(
                f"{prefix}{removed} control characters (NUL and the like) removed from "
                f"{len(cleaned)} cards (line {_first_lines(cleaned)})"
            )


def _without_place(reason: str, file: Path, line: int) -> str:
    """``reason`` without its leading ``FILE:`` (the listing of skipped cards names the file and
    the card's first line; the line at fault is kept when it is another)."""
    prefix = f"{file}:"
    if reason.startswith(prefix):
        rest = reason[len(prefix) :]
        number, sep, text = rest.partition(": ")
        if sep and number.isdigit():
            return text if int(number) == line else f"line {number}: {text}"
    return reason


def _first_lines(lines: list[int]) -> str:
    return ", ".join(str(n) for n in lines[:5]) + (", ..." if len(lines) > 5 else "")


_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]+")


def _decode(data: bytes, path: Path, encoding: str | None) -> tuple[str, list[int]]:
    """The file's text, and the lines of bytes replaced because they are not UTF-8.

    A file in UTF-8 with a stray invalid byte (a truncated export, a hand edit) is read as
    UTF-8 with that byte as one U+FFFD, rather than as Windows-1252, which would misread
    every other non-ASCII character of the file. A file with no valid UTF-8 sequence at all
    is Windows-1252 (old phones and Outlook).
    """
    if encoding or data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return decode_text(data, path, encoding), []
    try:
        return decode_text(data, path, "utf-8-sig"), []
    except InputError:
        pass
    text = data.decode("utf-8-sig", "replace")
    bad = text.count("\ufffd") - data.count("\ufffd".encode())
    good = len(_UTF8_SEQUENCE.findall(data))
    if good == 0 or bad > good:
        return decode_text(data, path), []
    lines = []
    line, start = 1, 0
    for index, ch in enumerate(text):
        if ch == "\ufffd":
            line += text.count("\n", start, index)
            start = index
            lines.append(line)
    return text, lines


class VCardExporter(Exporter):
    """Writes vCard: each card in the version it was read as (4.0 stays 4.0), else 3.0."""

    name = "vcard"
    description = "vCard 3.0, or 4.0 for cards read as 4.0 (.vcf)"
    extension = ".vcf"

    def dumps(self, contacts: Sequence[Contact]) -> bytes:
        """The file's bytes for ``contacts``."""
        return dump_contacts(contacts).encode("utf-8")


@hookimpl
def register_importers(register: Callable[[type[Importer]], None]) -> None:
    """The vCard importer."""
    register(VCardImporter)


@hookimpl
def register_exporters(register: Callable[[type[Exporter]], None]) -> None:
    """The vCard exporter."""
    register(VCardExporter)
