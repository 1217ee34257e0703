"""The manifest: which pages belong to which contact, to pair cards with envelopes."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, fields
from pathlib import Path

from outreach.fsutil import atomic_write

__all__ = ["ManifestRow", "write_manifest"]


@dataclass(slots=True)
class ManifestRow:
    """One contact's place in the printed files (pages are 1-based; empty when not made)."""

    order: int
    uid: str
    name: str
    #: Pages of cards.pdf with this card ("3-4"); on n-up sheets, the sheet's two sides.
    card_pages: str = ""
    #: Position on an n-up sheet (1 = top left, across then down).
    card_position: str = ""
    envelope_page: str = ""
    label_page: str = ""
    label_position: str = ""
    address: str = ""


def write_manifest(path: Path, rows: list[ManifestRow]) -> Path:
    """Write ``manifest.csv`` (UTF-8, one row per contact, in print order)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([f.name for f in fields(ManifestRow)])
    for row in rows:
        writer.writerow([getattr(row, f.name) for f in fields(ManifestRow)])
    atomic_write(path, buffer.getvalue().encode("utf-8"), mode=0o644)
    return path
