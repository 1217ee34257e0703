"""vCard files (2.1, 3.0, 4.0) and vdirs in, vCard 3.0 out."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from outreach import hookimpl
from outreach.contact import Contact
from outreach.errors import InputError
from outreach.importer import Exporter, ImportedRecord, Importer, ImportResult, SkippedRow
from outreach.vcard import dump_contacts, parse_vcards


def _decode(data: bytes, path: Path) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Old exporters (Outlook, Nokia) wrote vCard 2.1 in the Windows code page.
        return data.decode("cp1252", errors="replace")


class VCardImporter(Importer):
    """Reads a ``.vcf`` file or a vdir (a folder of ``.vcf`` files)."""

    name = "vcard"
    description = "vCard 2.1, 3.0 or 4.0 (.vcf), or a folder of .vcf files"

    @classmethod
    def sniff(cls, path: Path, head: bytes) -> int:
        if path.is_dir():
            return 60 if any(path.glob("*.vcf")) else 0
        if b"BEGIN:VCARD" in head.upper():
            return 100
        return 30 if path.suffix.lower() in (".vcf", ".vcard") else 0

    def read(
        self, path: Path, *, skip_bad: bool = False, options: Mapping[str, Any] | None = None
    ) -> ImportResult:
        result = ImportResult(path, self.name)
        files = sorted(path.glob("*.vcf")) if path.is_dir() else [path]
        for file in files:
            try:
                text = _decode(file.read_bytes(), file)
            except OSError as exc:
                raise InputError(f"{file}: cannot read: {exc.strerror}") from None
            for card in parse_vcards(text, str(file)):
                if card.kind == "group":
                    result.skipped.append(
                        SkippedRow(card.line, "a group card (a list of people, not a person)")
                    )
                    continue
                result.records.append(ImportedRecord(card.contact, card.line))
        return result


class VCardExporter(Exporter):
    """Writes vCard 3.0, which every contact tool reads."""

    name = "vcard"
    description = "vCard 3.0 (.vcf)"
    extension = ".vcf"

    def dumps(self, contacts: Sequence[Contact]) -> bytes:
        return dump_contacts(contacts).encode("utf-8")


@hookimpl
def register_importers(register: Callable[[type[Importer]], None]) -> None:
    """The vCard importer."""
    register(VCardImporter)


@hookimpl
def register_exporters(register: Callable[[type[Exporter]], None]) -> None:
    """The vCard exporter."""
    register(VCardExporter)
