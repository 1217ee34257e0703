"""Merging imported contacts into the address book without losing or overwriting anything.

A record matches an existing contact by UID, then email address (ignoring case), then
normalised LinkedIn URL, then name together with organisation. A match fills the contact's
empty fields and adds tags, emails, phones and addresses it lacks; a field where both have
different values keeps the book's value and is reported as a conflict, never overwritten
silently. Importing the same file twice changes nothing the second time.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from .addressbook import AddressBook
from .contact import Contact, normalise_linkedin
from .importer import ImportedRecord

__all__ = ["Conflict", "MergeReport", "merge_records"]

#: Scalar fields filled when empty, reported when different: (label, getter, setter).
_NAME_FIELDS = ("given", "family", "additional", "prefix", "suffix", "formatted", "nickname")
_CONTACT_FIELDS = ("org", "department", "title", "linkedin", "notes", "relationship", "card_note")


@dataclass(frozen=True, slots=True)
class Conflict:
    """A field where the book and the import disagree; the book's value was kept."""

    uid: str
    name: str
    field: str
    current: str
    incoming: str
    line: int


@dataclass(slots=True)
class MergeReport:
    """What an import did (or, on a dry run, would do)."""

    added: list[Contact] = field(default_factory=list)
    #: Contacts that changed, each with a list of what changed.
    merged: list[tuple[Contact, list[str]]] = field(default_factory=list)
    unchanged: list[Contact] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    #: (UID, date) pairs for "connected on" dates the source gave.
    connections: list[tuple[str, date]] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """True when the book needs saving."""
        return bool(self.added or self.merged)


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def _digits(number: str) -> str:
    return re.sub(r"\D", "", number)


class _Index:
    """Lookup tables over the book, kept current as records are merged."""

    def __init__(self, contacts: Iterable[Contact]) -> None:
        self.uid: dict[str, Contact] = {}
        self.email: dict[str, Contact] = {}
        self.linkedin: dict[str, Contact] = {}
        self.name_org: dict[tuple[str, str], Contact] = {}
        for contact in contacts:
            self.add(contact)

    def add(self, contact: Contact) -> None:
        self.uid.setdefault(contact.uid, contact)
        for email in contact.emails:
            self.email.setdefault(email.address.strip().lower(), contact)
        if contact.linkedin:
            self.linkedin.setdefault(normalise_linkedin(contact.linkedin), contact)
        name = _fold(contact.name.display)
        if name:
            self.name_org.setdefault((name, _fold(contact.org)), contact)

    def match(self, contact: Contact) -> Contact | None:
        if contact.uid in self.uid:
            return self.uid[contact.uid]
        for email in contact.emails:
            found = self.email.get(email.address.strip().lower())
            if found is not None:
                return found
        if contact.linkedin:
            found = self.linkedin.get(normalise_linkedin(contact.linkedin))
            if found is not None:
                return found
        name = _fold(contact.name.display)
        if name:
            return self.name_org.get((name, _fold(contact.org)))
        return None


def _fill(
    target: object,
    source: object,
    names: Sequence[str],
    prefix: str,
    changes: list[str],
    conflicts: list[tuple[str, str, str]],
) -> None:
    for name in names:
        mine = getattr(target, name)
        theirs = getattr(source, name)
        if not theirs:
            continue
        if not mine:
            setattr(target, name, theirs)
            changes.append(f"{prefix}{name} filled")
        elif _fold(str(mine)) != _fold(str(theirs)):
            conflicts.append((f"{prefix}{name}", str(mine), str(theirs)))


def _merge_into(
    existing: Contact, incoming: Contact
) -> tuple[list[str], list[tuple[str, str, str]]]:
    changes: list[str] = []
    conflicts: list[tuple[str, str, str]] = []
    _fill(existing.name, incoming.name, _NAME_FIELDS, "name.", changes, conflicts)
    _fill(existing, incoming, _CONTACT_FIELDS, "", changes, conflicts)
    for attr in ("birthday", "cadence"):
        mine, theirs = getattr(existing, attr), getattr(incoming, attr)
        if theirs is None:
            continue
        if mine is None:
            setattr(existing, attr, theirs)
            changes.append(f"{attr} filled")
        elif mine != theirs:
            conflicts.append((attr, str(mine), str(theirs)))
    for email in incoming.emails:
        if not existing.has_email(email.address):
            existing.emails.append(email)
            changes.append(f"email {email.address} added")
    known_numbers = {_digits(p.number) for p in existing.phones}
    for phone in incoming.phones:
        if _digits(phone.number) not in known_numbers:
            existing.phones.append(phone)
            known_numbers.add(_digits(phone.number))
            changes.append(f"phone {phone.number} added")
    known_addresses = {a.fingerprint() for a in existing.addresses}
    for address in incoming.addresses:
        if address.fingerprint() not in known_addresses:
            existing.addresses.append(address)
            known_addresses.add(address.fingerprint())
            changes.append(f"address {address.one_line()} added")
    for tag in incoming.tags:
        if existing.add_tag(tag):
            changes.append(f"tag {tag} added")
    for raw in incoming.extra:
        if raw not in existing.extra:
            existing.extra.append(raw)
            changes.append(f"{raw.name} kept")
    return changes, conflicts


def merge_records(
    book: AddressBook, records: Iterable[ImportedRecord], tags: Sequence[str] = ()
) -> MergeReport:
    """Merge ``records`` into ``book`` in memory (the caller saves, or not on a dry run).

    ``tags`` are added to every contact the import adds or matches.
    """
    report = MergeReport()
    index = _Index(book)
    seen: dict[str, list[str]] = {}
    added_uids: set[str] = set()
    for record in records:
        incoming = record.contact
        for tag in tags:
            incoming.add_tag(tag)
        existing = index.match(incoming)
        if existing is None:
            book.add(incoming)
            index.add(incoming)
            report.added.append(incoming)
            added_uids.add(incoming.uid)
            target = incoming
        else:
            changes, conflicts = _merge_into(existing, incoming)
            target = existing
            for field_name, current, new in conflicts:
                report.conflicts.append(
                    Conflict(
                        existing.uid,
                        existing.display_name,
                        field_name,
                        current,
                        new,
                        record.line,
                    )
                )
            if changes:
                book.update(existing)
                index.add(existing)
                seen.setdefault(existing.uid, []).extend(changes)
            else:
                seen.setdefault(existing.uid, [])
        if record.connected_on is not None:
            report.connections.append((target.uid, record.connected_on))
    for uid, changes in seen.items():
        if uid in added_uids:
            continue
        contact = book.get(uid)
        assert contact is not None
        if changes:
            report.merged.append((contact, changes))
        else:
            report.unchanged.append(contact)
    return report
