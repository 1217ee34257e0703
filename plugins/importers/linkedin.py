"""LinkedIn's ``Connections.csv`` from "Get a copy of your data".

The file opens with a "Notes:" preamble whose length has changed over the years, so the
header row is found by its columns rather than skipped by count. Most email cells are empty
(members choose whether connections may download their address). "Connected On" (``15 Mar
2024``) becomes :attr:`~outreach.importer.ImportedRecord.connected_on`, recorded as a touch.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from outreach import hookimpl
from outreach.contact import Contact, Email, Name, content_uid, normalise_linkedin
from outreach.importer import ImportedRecord, Importer, ImportResult, family_and_suffix

from . import tabular
from .tabular import Row

_KNOWN = {"first name", "last name", "url", "email address", "company", "position", "connected on"}


def _is_header(columns: list[str]) -> bool:
    names = {c.casefold() for c in columns}
    return {"first name", "last name"} <= names and bool(names & {"url", "connected on"})


class LinkedInImporter(Importer):
    """Reads LinkedIn's Connections.csv."""

    name = "linkedin"
    description = "LinkedIn Connections.csv (from 'Get a copy of your data')"

    @classmethod
    def sniff(cls, path: Path, head: bytes) -> int:
        """How sure this importer is that it reads ``path`` (0 to 100)."""
        columns = tabular.sniff_header(head, _is_header) or []
        return 95 if "connected on" in {c.casefold() for c in columns} else 0

    def read(
        self, path: Path, *, skip_bad: bool = False, options: Mapping[str, Any] | None = None
    ) -> ImportResult:
        """Read every contact of ``path``; a bad row is an error unless ``skip_bad``."""
        result = ImportResult(path, self.name)
        table = tabular.read_table(path, options, _is_header, what="LinkedIn connections")
        tabular.collect(table, skip_bad, result, lambda row: self._record(row, table))
        tabular.note_kept_columns(result)
        return result

    @staticmethod
    def _record(row: Row, table: tabular.Table) -> ImportedRecord | None:
        given = " ".join(row.get("First Name").split())
        last = " ".join(row.get("Last Name").split())
        family, suffix = family_and_suffix(last)
        url = row.get("URL")
        email = row.get("Email Address")
        if not (given or family or url or email):
            # LinkedIn writes rows for members who left: nothing to import.
            return None
        contact = Contact(
            uid=content_uid("linkedin\x1f" + normalise_linkedin(url))
            if url
            else row.identity("linkedin"),
            name=Name(given=given, family=family, suffix=suffix),
            org=row.get("Company"),
            title=row.get("Position"),
            linkedin=url,
        )
        if email:
            contact.emails.append(Email(tabular.check_email(email, "Email Address")))
        for position, column in enumerate(table.columns):
            value = row.raw(position)
            if value and column.casefold() not in _KNOWN:
                contact.extra.append(tabular.raw_field(column, value))
        connected = tabular.day_from(row.get("Connected On"), "Connected On")
        contact = tabular.finish_contact(contact)
        if suffix:
            # The name as LinkedIn shows it, credentials and their commas as the member wrote.
            contact.name.formatted = " ".join(p for p in (given, last) if p)
        return ImportedRecord(contact, row.line, connected_on=connected)


@hookimpl
def register_importers(register: Callable[[type[Importer]], None]) -> None:
    """The LinkedIn connections importer."""
    register(LinkedInImporter)
