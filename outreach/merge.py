"""Merging imported contacts into the address book without joining two people or losing data.

Identity is strong or weak. Strong: the UID (and the UIDs of cards merged into a contact,
its aliases), an email address (ignoring case), the normalised LinkedIn profile, a personal
phone number (not one typed MAIN, FAX or PAGER: a switchboard is shared). Weak: the name
together with the organisation. A record matches by the first strong identifier it shares
with exactly one contact (unless their LinkedIn profiles differ: a couple may share an
address); a weak match joins it to a contact only when that is the one
candidate and neither carries a strong identifier that contradicts the other (both have
email addresses and share none, or LinkedIn profiles that differ, or phone numbers that
differ: two people). Cards from one source with distinct UIDs are distinct people and are
never merged with each other. What was not merged but looks alike is listed as a likely
duplicate (:func:`find_duplicates`), for ``outreach contacts merge`` to join.

A match fills the contact's empty fields and adds the tags, emails, phones and addresses it
lacks. A field where both have different values keeps the book's value and is reported as a
conflict, unless ``prefer="incoming"``: then the file's value is taken, and a changed employer
or title is a job change (the old one stays on the card as a
:class:`~outreach.contact.PastJob`). Importing the same file twice changes nothing the second
time.

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
from .contact import Birthday, Contact, PastJob, RawProperty, normalise_linkedin
from .importer import ImportedRecord

__all__ = [
    "Conflict",
    "Duplicate",
    "JobChange",
    "MergeReport",
    "PREFER",
    "find_duplicates",
    "identity_phones",
    "merge_records",
]

#: The values of ``--prefer``: whose value wins where book and file differ.
PREFER = ("book", "incoming")

_NAME_FIELDS = ("given", "family", "additional", "prefix", "suffix", "formatted", "nickname")
_CONTACT_FIELDS = ("department", "linkedin", "notes", "relationship", "card_note")
_ITEM_GROUP = re.compile(r"^item(\d+)$", re.IGNORECASE)
#: Phone types that name a line several people share.
_SHARED_LINES = {"main", "fax", "pager", "x-assistant"}
#: Fewer digits than this is an extension, not a number that names one person.
_MIN_DIGITS = 7


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


@dataclass(frozen=True, slots=True)
class JobChange:
    """A new employer or title taken from an import (``prefer="incoming"``)."""

    uid: str
    name: str
    before: PastJob
    org: str
    title: str

    def describe(self) -> str:
        """``Joan Doe: Acme Corp, CIO -> Lumen Labs, VP Engineering``."""
        after = ", ".join(p for p in (self.org, self.title) if p) or "(none)"
        return f"{self.name}: {self.before.describe()} -> {after}"


@dataclass(frozen=True, slots=True)
class Duplicate:
    """Contacts that look like one person but were not merged, and why they look alike."""

    contacts: tuple[Contact, ...]
    reason: str
    #: True when an identifier each of them has tells every one apart from the others
    #: (all with email addresses, none shared): look-alikes, but surely not one person.
    apart: bool = False

    @property
    def uids(self) -> tuple[str, ...]:
        """The UIDs, in book order."""
        return tuple(c.uid for c in self.contacts)


@dataclass(slots=True)
class MergeReport:
    """What an import did (or, on a dry run, would do).

    Every record read is counted once: ``len(added) + merged_records + unchanged_records ==
    records``. ``merged`` and ``unchanged`` list contacts (two records may meet in one).
    """

    added: list[Contact] = field(default_factory=list)
    #: Contacts that changed, each with a list of what changed.
    merged: list[tuple[Contact, list[str]]] = field(default_factory=list)
    unchanged: list[Contact] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    #: (UID, date) pairs for "connected on" dates the source gave.
    connections: list[tuple[str, date]] = field(default_factory=list)
    job_changes: list[JobChange] = field(default_factory=list)
    #: Likely duplicates among the contacts the import added or matched.
    duplicates: list[Duplicate] = field(default_factory=list)
    records: int = 0
    merged_records: int = 0
    unchanged_records: int = 0

    @property
    def changed(self) -> bool:
        """True when the book needs saving."""
        return bool(self.added or self.merged)


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


_NON_DIGIT = re.compile(r"\D")


def _digits(number: str) -> str:
    return _NON_DIGIT.sub("", number)


def identity_phones(contact: Contact) -> set[str]:
    """The digits of the contact's phone numbers that name this one person: not a line
    typed MAIN, FAX or PAGER (shared), not an extension (fewer than seven digits)."""
    found = set()
    for phone in contact.phones:
        digits = _digits(phone.number)
        if len(digits) >= _MIN_DIGITS and not any(t.lower() in _SHARED_LINES for t in phone.types):
            found.add(digits)
    return found


def _emails(contact: Contact) -> set[str]:
    return {e.address.strip().lower() for e in contact.emails if e.address.strip()}


def _linkedin(contact: Contact) -> str:
    return normalise_linkedin(contact.linkedin) if contact.linkedin else ""


def contradiction(one: Contact, other: Contact) -> str:
    """Why two contacts cannot be one person ("" when nothing says so)."""
    mine, theirs = _emails(one), _emails(other)
    if mine and theirs and not mine & theirs:
        return "different email addresses"
    mine_li, theirs_li = _linkedin(one), _linkedin(other)
    if mine_li and theirs_li and mine_li != theirs_li:
        return "different LinkedIn profiles"
    phones, their_phones = identity_phones(one), identity_phones(other)
    if phones and their_phones and not phones & their_phones:
        return "different phone numbers"
    return ""


#: A key of the index that more than one contact holds: it identifies nobody.
_SHARED = object()


class _Index:
    """Lookup tables over the book, kept current as records are merged."""

    def __init__(self, contacts: Iterable[Contact]) -> None:
        self.uid: dict[str, Contact] = {}
        self.strong: dict[tuple[str, str], object] = {}
        self.name_org: dict[tuple[str, str], list[Contact]] = {}
        for contact in contacts:
            self.add(contact)

    def _keys(self, contact: Contact) -> list[tuple[str, str]]:
        keys = [("email", e) for e in _emails(contact)]
        if contact.linkedin:
            keys.append(("linkedin", _linkedin(contact)))
        keys.extend(("phone", d) for d in identity_phones(contact))
        return keys

    def add(self, contact: Contact) -> None:
        for uid in (contact.uid, *contact.aliases):
            self.uid.setdefault(uid, contact)
        for key in self._keys(contact):
            held = self.strong.get(key)
            if held is None:
                self.strong[key] = contact
            elif held is not contact:
                self.strong[key] = _SHARED
        name = _fold(contact.name.display)
        if name:
            bucket = self.name_org.setdefault((name, _fold(contact.org)), [])
            if not any(c is contact for c in bucket):
                bucket.append(contact)

    def strong_match(self, contact: Contact) -> Contact | None:
        """The one contact sharing a strong identifier with ``contact``, else ``None``."""
        for uid in (contact.uid, *contact.aliases):
            if uid in self.uid:
                return self.uid[uid]
        for key in self._keys(contact):
            held = self.strong.get(key)
            if isinstance(held, Contact):
                return held
        return None

    def weak_candidates(self, contact: Contact) -> list[Contact]:
        """Contacts with the same name and organisation."""
        name = _fold(contact.name.display)
        return list(self.name_org.get((name, _fold(contact.org)), [])) if name else []


def _same(field_name: str, mine: str, theirs: str) -> bool:
    if field_name == "linkedin":
        return normalise_linkedin(mine) == normalise_linkedin(theirs)
    return _fold(mine) == _fold(theirs)


class _Changes:
    """What merging one record did: the changes made and the conflicts met."""

    def __init__(self, prefer: str) -> None:
        self.prefer = prefer
        self.changes: list[str] = []
        self.conflicts: list[tuple[str, str, str]] = []
        self.job: tuple[PastJob, str, str] | None = None

    def differ(self, target: object, name: str, label: str, mine: object, theirs: object) -> None:
        """Book and file disagree: take the file's value or report a conflict."""
        if self.prefer == "incoming":
            setattr(target, name, theirs)
            short = len(str(mine)) + len(str(theirs)) <= 80 and "\n" not in f"{mine}{theirs}"
            self.changes.append(f"{label} {mine} -> {theirs}" if short else f"{label} replaced")
        else:
            self.conflicts.append((label, str(mine), str(theirs)))


def _fill(
    target: object, source: object, names: Sequence[str], prefix: str, seen: _Changes
) -> None:
    for name in names:
        mine = getattr(target, name)
        theirs = getattr(source, name)
        if not theirs:
            continue
        if not mine:
            setattr(target, name, theirs)
            seen.changes.append(f"{prefix}{name} filled")
        elif not _same(name, str(mine), str(theirs)):
            seen.differ(target, name, f"{prefix}{name}", mine, theirs)


def _merge_job(existing: Contact, incoming: Contact, seen: _Changes, today: date) -> None:
    """Employer and title: filled when empty; a different one is a job change (or conflict)."""
    org = incoming.org or existing.org
    title = incoming.title or existing.title
    org_differs = bool(incoming.org and existing.org) and not _same("org", existing.org, org)
    title_differs = bool(incoming.title and existing.title) and not _same(
        "title", existing.title, title
    )
    if not (org_differs or title_differs):
        for name in ("org", "title"):
            if getattr(incoming, name) and not getattr(existing, name):
                setattr(existing, name, getattr(incoming, name))
                seen.changes.append(f"{name} filled")
        return
    if seen.prefer != "incoming":
        if org_differs:
            seen.conflicts.append(("org", existing.org, incoming.org))
        if title_differs:
            seen.conflicts.append(("title", existing.title, incoming.title))
        return
    if org_differs and not incoming.title:
        # A new employer without a title: the old title belonged to the old job.
        title = ""
    department = existing.department
    previous = existing.set_job(org, title, today)
    if not org_differs:
        existing.department = department
    if previous is not None:
        seen.job = (previous, existing.org, existing.title)
        seen.changes.append(f"job {previous.describe()} -> {_job(existing)}")


def _job(contact: Contact) -> str:
    return ", ".join(p for p in (contact.org, contact.title) if p) or "(none)"


def _merge_birthday(existing: Contact, incoming: Birthday, seen: _Changes) -> None:
    mine = existing.birthday
    if mine is None:
        existing.birthday = incoming
        seen.changes.append("birthday filled")
    elif (mine.month, mine.day) != (incoming.month, incoming.day) or (
        mine.year is not None and incoming.year is not None and mine.year != incoming.year
    ):
        if seen.prefer == "incoming":
            existing.birthday = incoming
            seen.changes.append(f"birthday {mine.iso()} -> {incoming.iso()}")
        else:
            seen.conflicts.append(("birthday", mine.iso(), incoming.iso()))
    elif mine.year is None and incoming.year is not None:
        existing.birthday = incoming
        seen.changes.append("birthday year filled")


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
    found.update(m.group for m in contact.meta.values())
    found.discard("")
    return found


def merge_into(
    existing: Contact,
    incoming: Contact,
    *,
    prefer: str = "book",
    today: date | None = None,
) -> tuple[list[str], list[tuple[str, str, str]], tuple[PastJob, str, str] | None]:
    """Merge ``incoming`` into ``existing`` in place.

    Returns the changes made, the conflicts met (field, book's value, file's value) and the
    job change, if there was one: (the job that became past, new org, new title).
    """
    if prefer not in PREFER:
        raise ValueError(f"prefer must be one of {PREFER}, not {prefer!r}")
    seen = _Changes(prefer)
    _fill(existing.name, incoming.name, _NAME_FIELDS, "name.", seen)
    _merge_job(existing, incoming, seen, today or date.today())
    _fill(existing, incoming, _CONTACT_FIELDS, "", seen)
    if incoming.birthday is not None:
        _merge_birthday(existing, incoming.birthday, seen)
    for attr in ("cadence", "snooze_until"):
        mine, theirs = getattr(existing, attr), getattr(incoming, attr)
        if theirs is None:
            continue
        if mine is None:
            setattr(existing, attr, theirs)
            seen.changes.append(f"{attr} filled")
        elif mine != theirs:
            seen.differ(existing, attr, attr, mine, theirs)
    changes = seen.changes
    for key, meta in incoming.meta.items():
        if key not in existing.meta:
            existing.meta[key] = meta
            changes.append(f"{meta.name} parameters kept")
    for job in incoming.past_jobs:
        if job not in existing.past_jobs:
            existing.past_jobs.append(job)
            changes.append(f"past job {job.describe()} kept")
    for alias in incoming.aliases:
        if alias != existing.uid and alias not in existing.aliases:
            existing.aliases.append(alias)
            changes.append(f"alias {alias} kept")
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
    brought_raw = False
    for raw in incoming.extra:
        key = raw.group.lower()
        if key and key in added_groups:
            # The label or country of a value just added: follows it to its new group.
            existing.extra.append(_regroup(raw, groups.name_for(raw.group)))
            changes.append(f"{raw.name} kept")
            brought_raw = True
        elif key and key in known_groups:
            continue  # belongs to a value the contact already has
        elif raw not in existing.extra:
            existing.extra.append(_regroup(raw, groups.name_for(raw.group)))
            changes.append(f"{raw.name} kept")
            brought_raw = True
    if (
        incoming.version == "4.0"
        and existing.version != "4.0"
        and (brought_raw or any(p.uri for p in existing.phones))
    ):
        # What a 4.0 card brought may be 4.0 syntax; 4.0 holds everything 3.0 does.
        existing.version = "4.0"
    return changes, seen.conflicts, seen.job


def _regroup(raw: RawProperty, group: str) -> RawProperty:
    return raw if raw.group == group else dataclasses.replace(raw, group=group)


def _match(
    index: _Index,
    record: ImportedRecord,
    claimed: dict[str, tuple[str, str]],
) -> Contact | None:
    """The contact ``record`` is the same person as, or None (a new person, or one it
    cannot tell from several: :func:`find_duplicates` lists those look-alikes).

    ``claimed`` maps the UID of each contact records of this import reached to the
    (source, given UID) of the first: a second card with another UID from the same source
    is another person.
    """
    incoming = record.contact
    found = index.strong_match(incoming)
    candidates = [found] if found is not None else index.weak_candidates(incoming)
    viable = []
    for candidate in candidates:
        if found is None:
            reason = contradiction(candidate, incoming)
        elif incoming.uid == candidate.uid or incoming.uid in candidate.aliases:
            reason = ""
        else:
            # An address or number two people share (a couple's, a family's) does not make
            # them one when their LinkedIn profiles say otherwise.
            mine, theirs = _linkedin(candidate), _linkedin(incoming)
            reason = "different LinkedIn profiles" if mine and theirs and mine != theirs else ""
        first = claimed.get(candidate.uid)
        if (
            not reason
            and record.uid_given
            and first is not None
            and first[0] == record.source
            and first[1]
            and first[1] != incoming.uid
            and incoming.uid != candidate.uid
            and incoming.uid not in candidate.aliases
        ):
            reason = "distinct UIDs in one file"
        if not reason:
            viable.append(candidate)
    # Two or more with this name and organisation and nothing to choose between them: no
    # guess; the record is added and they are listed as look-alikes.
    return viable[0] if len(viable) == 1 else None


def merge_records(
    book: AddressBook,
    records: Iterable[ImportedRecord],
    tags: Sequence[str] = (),
    *,
    prefer: str = "book",
    today: date | None = None,
) -> MergeReport:
    """Merge ``records`` into ``book`` in memory (the caller saves, or not on a dry run).

    ``tags`` are added to every contact the import adds or matches. ``prefer`` says whose
    value wins where the book and a record differ: ``book`` (reported as conflicts) or
    ``incoming``; ``today`` dates the job changes that brings.
    """
    if prefer not in PREFER:
        raise ValueError(f"prefer must be one of {PREFER}, not {prefer!r}")
    report = MergeReport()
    index = _Index(book)
    seen: dict[str, list[str]] = {}
    added_uids: set[str] = set()
    claimed: dict[str, tuple[str, str]] = {}
    touched: set[str] = set()
    for record in records:
        report.records += 1
        incoming = record.contact
        for tag in tags:
            incoming.add_tag(tag)
        existing = _match(index, record, claimed)
        if existing is None:
            if incoming.uid in book:
                # A UID the book holds on a record a stronger rule kept apart: a new UID.
                incoming.uid = _fresh_uid(book, incoming.uid)
            book.add(incoming)
            index.add(incoming)
            report.added.append(incoming)
            added_uids.add(incoming.uid)
            target = incoming
        else:
            changes, conflicts, job = merge_into(existing, incoming, prefer=prefer, today=today)
            target = existing
            known = incoming.uid == existing.uid or incoming.uid in existing.aliases
            if record.uid_given and not known:
                # The card's own UID names this person too: a later import matches by it.
                existing.aliases.append(incoming.uid)
                changes.append(f"alias {incoming.uid} kept")
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
            if job is not None:
                report.job_changes.append(
                    JobChange(existing.uid, existing.display_name, job[0], job[1], job[2])
                )
            if changes:
                book.update(existing)
                index.add(existing)
                seen.setdefault(existing.uid, []).extend(changes)
                report.merged_records += 1
            else:
                seen.setdefault(existing.uid, [])
                report.unchanged_records += 1
        claimed.setdefault(target.uid, (record.source, incoming.uid if record.uid_given else ""))
        touched.add(target.uid)
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
    # Look-alikes an identifier each has tells apart are no news: `contacts duplicates`
    # lists them all; the import names those that may really be one person.
    report.duplicates = [
        d for d in find_duplicates(book) if not d.apart and any(u in touched for u in d.uids)
    ]
    return report


def _fresh_uid(book: AddressBook, uid: str) -> str:
    n = 2
    while f"{uid}-{n}" in book:
        n += 1
    return f"{uid}-{n}"


def find_duplicates(contacts: Iterable[Contact]) -> list[Duplicate]:
    """Groups of contacts that look like one person: the same full name, or an email address,
    LinkedIn profile or personal phone number in common.

    A name alone (one word, "Bob") says too little and is left out.
    """
    by_key: dict[tuple[str, str], list[Contact]] = {}
    ids: dict[int, tuple[set[str], set[str], set[str]]] = {}
    for contact in contacts:
        name = _fold(contact.name.display)
        if " " in name:
            by_key.setdefault(("name", name), []).append(contact)
        emails, phones = _emails(contact), identity_phones(contact)
        profile = {_linkedin(contact)} - {""}
        ids[id(contact)] = (emails, profile, phones)
        for email in emails:
            by_key.setdefault(("email", email), []).append(contact)
        for url in profile:
            by_key.setdefault(("linkedin", url), []).append(contact)
        for digits in phones:
            by_key.setdefault(("phone", digits), []).append(contact)
    groups: dict[tuple[str, ...], tuple[list[Contact], list[str]]] = {}
    for (kind, value), members in by_key.items():
        if len(members) < 2:
            continue
        uids = tuple(sorted(c.uid for c in members))
        entry = groups.setdefault(uids, (members, []))
        if kind == "name":
            orgs = {_fold(c.org) for c in members}
            entry[1].append("same name and organisation" if len(orgs) == 1 else "same name")
        else:
            entry[1].append(f"same {kind} {value}")
    found = []
    for members, reasons in groups.values():
        apart, everyone = _apart([ids[id(c)] for c in members])
        reason = "; ".join(sorted(reasons))
        if apart:
            reason += f" (but {', '.join(apart)})"
        found.append(Duplicate(tuple(members), reason, everyone))
    return found


def _apart(members: Sequence[tuple[set[str], set[str], set[str]]]) -> tuple[list[str], bool]:
    """What says look-alikes are different people: identifiers that no two of them share;
    and whether one such kind of identifier tells every one of them apart.

    ``members`` are each contact's (emails, LinkedIn profile, phones). Linear in the
    group, not pairwise: a common name can gather hundreds of contacts.
    """
    reasons = []
    everyone = False
    labels = ("different email addresses", "different LinkedIn profiles", "different phone numbers")
    for kind, label in enumerate(labels):
        given = [m[kind] for m in members if m[kind]]
        if len(given) >= 2 and sum(len(v) for v in given) == len(set[str]().union(*given)):
            reasons.append(label)
            everyone = everyone or len(given) == len(members)
    return reasons, everyone
