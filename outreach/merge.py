"""Merging imported contacts into the address book without losing or overwriting anything.

A record matches an existing contact by UID, then email address (ignoring case), then
normalised LinkedIn URL, then name together with organisation (unless both have LinkedIn
profiles and they differ: two people can share a name and an employer). A match fills the
contact's empty fields and adds the tags, emails, phones and addresses it lacks; a field where
both have different values keeps the book's value and is reported as a conflict, never
overwritten silently. Importing the same file twice changes nothing the second time.

vCard property groups (Apple's ``item1.EMAIL`` with ``item1.X-ABLabel``) are renumbered when
they would collide with the groups the contact already uses, so a label stays attached to
the value it names.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from .addressbook import AddressBook
from .contact import Birthday, Contact, RawProperty, normalise_linkedin
from .importer import ImportedRecord

__all__ = ["Conflict", "MergeReport", "merge_records"]

_NAME_FIELDS = ("given", "family", "additional", "prefix", "suffix", "formatted", "nickname")
_CONTACT_FIELDS = ("org", "department", "title", "linkedin", "notes", "relationship", "card_note")
_ITEM_GROUP = re.compile(r"^item(\d+)$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Conflict:
    """A field where the book and the import disagree; the book's value was kept."""

    uid: str
    name: str
    field: str
    current: str
    incoming: str
    line: int
    #: ``file:line`` of the record that disagreed.
    where: str = ""


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
        self.name_org: dict[tuple[str, str], list[Contact]] = {}
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
            bucket = self.name_org.setdefault((name, _fold(contact.org)), [])
            if not any(c is contact for c in bucket):
                bucket.append(contact)

    def match(self, contact: Contact) -> Contact | None:
        if contact.uid in self.uid:
            return self.uid[contact.uid]
        for email in contact.emails:
            found = self.email.get(email.address.strip().lower())
            if found is not None:
                return found
        theirs = normalise_linkedin(contact.linkedin) if contact.linkedin else ""
        if theirs:
            found = self.linkedin.get(theirs)
            if found is not None:
                return found
        name = _fold(contact.name.display)
        if not name:
            return None
        for candidate in self.name_org.get((name, _fold(contact.org)), []):
            mine = normalise_linkedin(candidate.linkedin) if candidate.linkedin else ""
            # Same name and employer but different profiles: two people, not one.
            if not (mine and theirs and mine != theirs):
                return candidate
        return None


def _same(field_name: str, mine: str, theirs: str) -> bool:
    if field_name == "linkedin":
        return normalise_linkedin(mine) == normalise_linkedin(theirs)
    return _fold(mine) == _fold(theirs)


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
        elif not _same(name, str(mine), str(theirs)):
            conflicts.append((f"{prefix}{name}", str(mine), str(theirs)))


def _merge_birthday(
    existing: Contact,
    incoming: Birthday,
    changes: list[str],
    conflicts: list[tuple[str, str, str]],
) -> None:
    mine = existing.birthday
    if mine is None:
        existing.birthday = incoming
        changes.append("birthday filled")
    elif (mine.month, mine.day) != (incoming.month, incoming.day) or (
        mine.year is not None and incoming.year is not None and mine.year != incoming.year
    ):
        conflicts.append(("birthday", mine.iso(), incoming.iso()))
    elif mine.year is None and incoming.year is not None:
        existing.birthday = incoming
        changes.append("birthday year filled")


class _Groups:
    """Gives an incoming record's vCard groups names the existing contact does not use."""

    def __init__(self, existing: Contact) -> None:
        self.used = {g.lower() for g in _groups_of(existing)}
        self.renamed: dict[str, str] = {}

    def name_for(self, group: str) -> str:
        if not group:
            return ""
        key = group.lower()
        if key not in self.renamed:
            fresh = group
            if key in self.used:
                numbers = [int(m.group(1)) for g in self.used if (m := _ITEM_GROUP.match(g))]
                fresh = f"item{max(numbers, default=0) + 1}"
            self.used.add(fresh.lower())
            self.renamed[key] = fresh
        return self.renamed[key]


def _groups_of(contact: Contact) -> set[str]:
    found = {e.group for e in contact.emails}
    found.update(p.group for p in contact.phones)
    found.update(a.group for a in contact.addresses)
    found.update(r.group for r in contact.extra)
    found.discard("")
    return found


def _merge_into(
    existing: Contact, incoming: Contact
) -> tuple[list[str], list[tuple[str, str, str]]]:
    changes: list[str] = []
    conflicts: list[tuple[str, str, str]] = []
    _fill(existing.name, incoming.name, _NAME_FIELDS, "name.", changes, conflicts)
    _fill(existing, incoming, _CONTACT_FIELDS, "", changes, conflicts)
    if incoming.birthday is not None:
        _merge_birthday(existing, incoming.birthday, changes, conflicts)
    for attr in ("cadence", "snooze_until"):
        mine, theirs = getattr(existing, attr), getattr(incoming, attr)
        if theirs is None:
            continue
        if mine is None:
            setattr(existing, attr, theirs)
            changes.append(f"{attr} filled")
        elif mine != theirs:
            conflicts.append((attr, str(mine), str(theirs)))
    groups = _Groups(existing)
    added_groups: set[str] = set()
    known_groups: set[str] = set()
    for email in incoming.emails:
        known_groups.add(email.group.lower())
        if not existing.has_email(email.address):
            existing.emails.append(dataclasses.replace(email, group=groups.name_for(email.group)))
            added_groups.add(email.group.lower())
            changes.append(f"email {email.address} added")
    known_numbers = {_digits(p.number) for p in existing.phones}
    for phone in incoming.phones:
        known_groups.add(phone.group.lower())
        if _digits(phone.number) not in known_numbers:
            existing.phones.append(dataclasses.replace(phone, group=groups.name_for(phone.group)))
            known_numbers.add(_digits(phone.number))
            added_groups.add(phone.group.lower())
            changes.append(f"phone {phone.number} added")
    known_addresses = {a.fingerprint(): a for a in existing.addresses}
    for address in incoming.addresses:
        known_groups.add(address.group.lower())
        same = known_addresses.get(address.fingerprint())
        if same is None:
            added = dataclasses.replace(address, group=groups.name_for(address.group))
            existing.addresses.append(added)
            known_addresses[address.fingerprint()] = added
            added_groups.add(address.group.lower())
            changes.append(f"address {address.one_line()} added")
        elif address.returned and not same.returned:
            same.returned = True
            changes.append(f"address {address.one_line()} marked returned")
    for tag in incoming.tags:
        if existing.add_tag(tag):
            changes.append(f"tag {tag} added")
    for raw in incoming.extra:
        key = raw.group.lower()
        if key and key in added_groups:
            # The label or country of a value just added: follows it to its new group.
            existing.extra.append(_regroup(raw, groups.name_for(raw.group)))
            changes.append(f"{raw.name} kept")
        elif key and key in known_groups:
            continue  # belongs to a value the contact already has
        elif raw not in existing.extra:
            existing.extra.append(_regroup(raw, groups.name_for(raw.group)))
            changes.append(f"{raw.name} kept")
    return changes, conflicts


def _regroup(raw: RawProperty, group: str) -> RawProperty:
    return raw if raw.group == group else dataclasses.replace(raw, group=group)


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
                        record.where,
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
