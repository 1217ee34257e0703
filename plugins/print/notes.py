"""Personal notes for one campaign, kept in a file next to the campaign.

Writing fifty notes is easier in a spreadsheet than on the command line, so a campaign can
name a notes file in ``[print] notes``:

* CSV with a header row ``contact,note``, in UTF-8, UTF-16 or Windows-1252 (what spreadsheets
  save; read as ``outreach contacts import`` reads a CSV);
* TOML with a ``[notes]`` table: ``"Jane Doe" = "Congratulations on the new job!"``.

``contact`` is what ``outreach contacts set`` accepts: a UID, an email address or a name
that matches one contact. An unknown or ambiguous contact, a contact listed twice, or a
missing column is an error naming the file and line, before anything is printed.
"""

from __future__ import annotations

import csv
import io
import tomllib
from pathlib import Path

from outreach.addressbook import AddressBook
from outreach.errors import InputError, OutreachError
from outreach.importer import decode_text

__all__ = ["read_notes"]


def read_notes(path: Path, book: AddressBook) -> dict[str, str]:
    """The notes in ``path`` by contact UID."""
    rows_of = {".csv": _csv_rows, ".toml": _toml_rows}.get(path.suffix.lower())
    if rows_of is None:
        raise InputError(f"{path}: a notes file must be .csv or .toml")
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: notes file not found (named by [print] notes)") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read the notes file: {exc}") from None
    notes: dict[str, str] = {}
    where: dict[str, str] = {}
    for place, query, note in rows_of(path, data):
        try:
            contact = book.find(query)
        except OutreachError as exc:
            raise InputError(f"{path}{place}: {exc}") from None
        if contact.uid in notes:
            raise InputError(
                f"{path}{place}: a second note for {contact.display_name} "
                f"(the first is at{where[contact.uid] or ' the top'})"
            )
        notes[contact.uid] = " ".join(note.split())
        where[contact.uid] = place
    return notes


def _csv_rows(path: Path, raw: bytes) -> list[tuple[str, str, str]]:
    reader = csv.DictReader(io.StringIO(decode_text(raw, path, hint="save it as UTF-8")))
    fields = [f.strip().lower() for f in reader.fieldnames or []]
    if "contact" not in fields or "note" not in fields:
        raise InputError(f"{path}:1: the header row must have the columns contact,note")
    reader.fieldnames = fields
    rows = []
    for row in reader:
        line = f":{reader.line_num}"
        query = (row.get("contact") or "").strip()
        note = (row.get("note") or "").strip()
        if not query and not note:
            continue
        if not query:
            raise InputError(f"{path}{line}: the contact column is empty")
        rows.append((line, query, note))
    return rows


def _toml_rows(path: Path, raw: bytes) -> list[tuple[str, str, str]]:
    try:
        data = tomllib.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: cannot read the notes file: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: {exc}") from None
    unknown = sorted(set(data) - {"notes"})
    if unknown:
        raise InputError(f"{path}: unknown table or key {unknown[0]!r}; notes go in [notes]")
    table = data.get("notes", {})
    if not isinstance(table, dict):
        raise InputError(f"{path}: [notes] must be a table of contact = note")
    rows = []
    for query, note in table.items():
        if not isinstance(note, str):
            raise InputError(f"{path}: [notes] {query!r} must be text")
        rows.append((f" [notes] {query!r}", query, note))
    return rows
