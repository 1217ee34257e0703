"""Changes to the address book a person asks for: merge cards, remove one, edit fields.

Each change is a function that applies itself to an open :class:`~outreach.addressbook.AddressBook`
and returns what it did, without saving: the caller opens (or re-reads) the book, applies the
change and saves, so the same function serves the command line, a script, and a caller that
holds a lock around read-apply-write.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from . import countries
from .addressbook import AddressBook
from .contact import Address, Contact, Email, Name, PastJob
from .delivery import Status
from .errors import InputError
from .importer import split_name
from .merge import merge_into

if TYPE_CHECKING:
    from .journal import Journal

__all__ = [
    "AddressEdit",
    "carry_history",
    "ContactEdit",
    "Merged",
    "apply_edit",
    "edit_contact",
    "merge_contacts",
    "remove_contact",
]

_EMAIL = re.compile(r"^[^@\s<>(),;:\"\[\]\\]+@[^@\s<>(),;:\"\[\]\\]+\.[^@\s<>(),;:\"\[\]\\]+$")


@dataclass(slots=True)
class Merged:
    """The result of :func:`merge_contacts`: the contact kept and what it gained."""

    contact: Contact
    #: The contacts merged into it (removed from the book; their UIDs are now aliases).
    absorbed: list[Contact]
    changes: list[str]
    #: Values of the absorbed cards that differed from the kept one's (field, kept, other):
    #: the kept card's value stays; an employer or title is kept as a past job, a note is
    #: appended, so nothing a card said is lost.
    differences: list[tuple[str, str, str]]


def merge_contacts(book: AddressBook, queries: Sequence[str]) -> Merged:
    """Join the cards of one person: the first named is kept, the others merged into it.

    The kept card gains every email, phone, address, tag and property of the others; their
    UIDs become its aliases, so a later import of any of those cards matches it. Values
    that differ are not dropped: see :attr:`Merged.differences`.
    """
    if len(queries) < 2:
        raise InputError("name at least two contacts to merge")
    people: list[Contact] = []
    for query in queries:
        person = book.find(query)
        if any(p is person for p in people):
            raise InputError(f"{query!r} names {person.display_name} <{person.uid}> twice")
        people.append(person)
    kept, others = people[0], people[1:]
    changes: list[str] = []
    differences: list[tuple[str, str, str]] = []
    for other in others:
        book.remove(other.uid)
        made, conflicts, _job = merge_into(kept, other)
        changes.extend(made)
        for name, mine, theirs in conflicts:
            differences.append((name, mine, theirs))
        _keep_differences(kept, other, conflicts)
        for alias in (other.uid, *other.aliases):
            if alias != kept.uid and alias not in kept.aliases:
                kept.aliases.append(alias)
        changes.append(f"merged {other.display_name} <{other.uid}>")
    book.update(kept)
    return Merged(kept, others, changes, differences)


#: How far a delivery got: the merged contact keeps the furthest of its cards' (its own
#: where they went as far). Every status has a rank (a test checks): what mail sync learnt
#: of a sent message (replied, bounced) is as far as sent.
_RANK: dict[str, int] = {
    Status.PENDING: 0,
    Status.FAILED: 1,
    Status.DRAFTED: 2,
    Status.SENDING: 3,
    Status.UNKNOWN: 3,
    Status.SENT: 4,
    Status.PRINTED: 4,
    Status.BOUNCED: 4,
    Status.REPLIED: 4,
}


def carry_history(journal: Journal, merged: Merged) -> tuple[int, int]:
    """Give the merged contact the journal history of the cards merged into it.

    Touches are copied to the kept UID, so the plan counts them; deliveries too (where the
    kept contact has none for the same campaign, part and channel), so a campaign already
    delivered to one of the cards is never delivered again to the merged one (the furthest
    any card got wins). The old rows stay as they were. Returns (touches, deliveries) copied.
    """
    from .journal import DeliveryKey, Record, Touch

    target = merged.contact.uid
    old = {c.uid for c in merged.absorbed}
    have = {(t.day, t.via, t.note, t.campaign) for t in journal.touches(target)}
    touches = [
        Touch(target, t.day, t.via, t.note, t.campaign)
        for t in journal.touches()
        if t.contact_uid in old and (t.day, t.via, t.note, t.campaign) not in have
    ]
    deliveries = journal.deliveries()
    mine = {
        (d.key.campaign, d.key.part, d.key.channel): d
        for d in deliveries
        if d.key.contact_uid == target
    }
    records = []
    for delivery in deliveries:
        key = delivery.key
        slot = (key.campaign, key.part, key.channel)
        if key.contact_uid not in old:
            continue
        current = mine.get(slot)
        if current is not None and _RANK[current.status] >= _RANK[delivery.status]:
            continue
        mine[slot] = delivery
        records.append(
            Record(
                DeliveryKey(key.campaign, key.part, target, key.channel),
                delivery.status,
                address=delivery.address,
                message_id=delivery.message_id,
                error=delivery.last_error,
            )
        )
    with journal.transaction():
        if touches:
            journal.add_touches(touches)
        if records:
            journal.record_many(records)
    return len(touches), len(records)


def _keep_differences(
    kept: Contact, other: Contact, conflicts: Sequence[tuple[str, str, str]]
) -> None:
    """What the other card said differently, kept on the merged one where it can be."""
    names = {name for name, _, _ in conflicts}
    if names & {"org", "title"}:
        job = PastJob(other.org, other.title, None)
        if job not in kept.past_jobs:
            kept.past_jobs.append(job)
    if "notes" in names:
        kept.notes = f"{kept.notes}\n\n{other.notes}"


def remove_contact(book: AddressBook, query: str) -> Contact:
    """Remove the contact ``query`` names from the book and return it.

    The journal is not touched: the contact's deliveries and touches stay on record.
    """
    person = book.find(query)
    return book.remove(person.uid)


@dataclass(slots=True)
class AddressEdit:
    """Parts of the postal address to set; ``None`` leaves a part as it is, "" clears it."""

    street: Sequence[str] | None = None
    locality: str | None = None
    region: str | None = None
    postal_code: str | None = None
    country: str | None = None

    @property
    def empty(self) -> bool:
        """True when no part is to change."""
        return all(
            v is None
            for v in (self.street, self.locality, self.region, self.postal_code, self.country)
        )


@dataclass(slots=True)
class ContactEdit:
    """Fields to change on one contact; ``None`` (or empty) leaves a field as it is."""

    name: str | None = None
    org: str | None = None
    title: str | None = None
    add_emails: Sequence[str] = ()
    remove_emails: Sequence[str] = ()
    address: AddressEdit = field(default_factory=AddressEdit)


def apply_edit(contact: Contact, edit: ContactEdit, today: date | None = None) -> list[str]:
    """Change ``contact`` as ``edit`` says and return what changed, one phrase each.

    A new employer or title is a job change: the previous one is kept as a past job dated
    ``today``. Raises :class:`~outreach.errors.InputError` (nothing changed) for an email
    address that is not one, or one to remove that the contact does not have.
    """
    for address in edit.add_emails:
        if not _EMAIL.match(address.strip()):
            raise InputError(f"--email: {address!r} is not an email address")
    for address in edit.remove_emails:
        if not contact.has_email(address):
            raise InputError(f"{contact.display_name} has no email address {address!r}")
    if edit.name is not None and not edit.name.strip():
        raise InputError("--name: a name cannot be empty")
    changes: list[str] = []
    if edit.name is not None:
        parts = _whole_name(edit.name)
        parts.nickname = contact.name.nickname
        if parts != contact.name:
            contact.name = parts
            changes.append(f"name {parts.display}")
    if edit.org is not None or edit.title is not None:
        org = contact.org if edit.org is None else edit.org
        title = contact.title if edit.title is None else edit.title
        old = PastJob(contact.org, contact.title)
        contact.set_job(org, title, today)
        if (contact.org, contact.title) != (old.org, old.title):
            changes.append(f"job {old.describe()} -> {_job(contact)}")
    for address in edit.remove_emails:
        wanted = address.strip().lower()
        contact.emails[:] = [e for e in contact.emails if e.address.strip().lower() != wanted]
        changes.append(f"email {address} removed")
    for address in edit.add_emails:
        if not contact.has_email(address):
            contact.emails.append(Email(address.strip()))
            changes.append(f"email {address.strip()} added")
    if not edit.address.empty:
        changes.extend(_edit_address(contact, edit.address))
    return changes


_PREFIX = re.compile(r"^(Dr|Mr|Mrs|Ms|Mx|Prof|Sir|Dame)\.?\s+", re.IGNORECASE)


def _whole_name(text: str) -> Name:
    """A name as typed on the command line, a leading "Dr." or "Ms." kept as the prefix."""
    written = " ".join(text.split())
    prefix = ""
    match = _PREFIX.match(written)
    if match and len(written.split()) > 2:
        prefix, written = match.group(0).strip(), written[match.end() :]
    parts = split_name(written)
    parts.prefix = prefix
    parts.formatted = " ".join(text.split())
    return parts


def _job(contact: Contact) -> str:
    return ", ".join(p for p in (contact.org, contact.title) if p) or "(none)"


def _edit_address(contact: Contact, edit: AddressEdit) -> list[str]:
    current = contact.postal_address or (contact.addresses[0] if contact.addresses else None)
    if current is None:
        current = Address()
        contact.addresses.insert(0, current)
    before = current.one_line()
    if edit.street is not None:
        current.street = tuple(s.strip() for s in edit.street if s.strip())
        # The street is now all in the street lines (Thunderbird puts it in "extended").
        current.extended = ""
    if edit.locality is not None:
        current.locality = edit.locality.strip()
    if edit.region is not None:
        current.region = edit.region.strip()
    if edit.postal_code is not None:
        current.postal_code = edit.postal_code.strip()
    if edit.country is not None:
        current.country = edit.country.strip()
        current.country_code = countries.code_for(current.country)
    if current.is_empty:
        contact.addresses.remove(current)
        return [f"address {before} removed"]
    after = current.one_line()
    return [f"address {after}"] if after != before else []


def edit_contact(
    book: AddressBook, query: str, edit: ContactEdit, today: date | None = None
) -> tuple[Contact, list[str]]:
    """Find the contact ``query`` names, apply ``edit`` and mark it changed in the book."""
    person = book.find(query)
    changes = apply_edit(person, edit, today)
    if changes:
        book.update(person)
    return person, changes
