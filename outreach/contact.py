"""The contact model: plain typed dataclasses, free of any file format.

The vCard mapping lives in :mod:`outreach.vcard`; this module knows nothing about it except
that vCard properties it does not model are carried along in :attr:`Contact.extra` so they can
be written back untouched.
"""

from __future__ import annotations

import hashlib
import unicodedata
import uuid
from dataclasses import dataclass, field, fields
from datetime import date

from .cadence import Cadence

__all__ = [
    "Address",
    "Birthday",
    "Contact",
    "Email",
    "Name",
    "PastJob",
    "Phone",
    "PropertyMeta",
    "RawProperty",
    "content_uid",
    "match_key",
    "model_layout",
    "new_uid",
    "normalise_linkedin",
]

Params = tuple[tuple[str, tuple[str, ...]], ...]


def model_layout() -> str:
    """The field layout of the model classes, which the parse cache is keyed by."""
    classes = (Name, Email, Phone, Address, Birthday, RawProperty, PropertyMeta, PastJob, Contact)
    return ";".join(f"{c.__name__}:{','.join(f.name for f in fields(c))}" for c in classes)


def new_uid() -> str:
    """A fresh, globally unique contact UID."""
    return str(uuid.uuid4())


#: Namespace of the UIDs :func:`content_uid` derives.
_CONTENT_NAMESPACE = uuid.UUID("6f0d3c1e-3a52-5c8e-9d61-0b7c1a2f4e90")


def content_uid(text: str) -> str:
    """A UID derived from a record's content, for sources that give none.

    The same card or row always gets the same UID, so importing a file twice, or reading a
    book card written without a UID, does not make a new contact each time.
    """
    return str(uuid.uuid5(_CONTENT_NAMESPACE, text))


def match_key(text: str) -> str:
    """Text as the book compares names and tags: NFC, case-folded, trimmed."""
    return unicodedata.normalize("NFC", text).casefold().strip()


def normalise_linkedin(url: str) -> str:
    """A LinkedIn profile URL reduced to ``linkedin.com/in/<slug>`` for matching.

    Exports spell the same profile as ``https://www.linkedin.com/in/jane-doe/``,
    ``http://linkedin.com/in/Jane-Doe`` or ``www.linkedin.com/in/jane-doe?trk=...``.
    """
    text = url.strip()
    for prefix in ("https://", "http://"):
        if text.lower().startswith(prefix):
            text = text[len(prefix) :]
    text = text.split("?", 1)[0].split("#", 1)[0].rstrip("/")
    host, _, path = text.partition("/")
    host = host.lower()
    if host.endswith("linkedin.com"):
        host = "linkedin.com"
    return f"{host}/{path.lower()}" if path else host


@dataclass(slots=True)
class Name:
    """The parts of a person's name, as vCard's N, FN and NICKNAME hold them."""

    given: str = ""
    family: str = ""
    additional: str = ""
    prefix: str = ""
    suffix: str = ""
    #: The name as the person writes it (vCard FN); used for display and envelopes.
    formatted: str = ""
    #: What you call them in a greeting ("Bob" for Robert); falls back to ``given``.
    nickname: str = ""

    @property
    def display(self) -> str:
        """The formatted name, else the parts joined in the usual order."""
        return self.formatted or self.joined

    @property
    def joined(self) -> str:
        """The name parts alone, in the usual order ("Dr. Jane Q. Doe Jr."), ignoring FN."""
        parts = (self.prefix, self.given, self.additional, self.family, self.suffix)
        return " ".join(p for p in parts if p)


@dataclass(slots=True)
class Email:
    """An email address with its vCard TYPE values (``WORK``, ``HOME``, ``pref`` ...)."""

    address: str
    types: tuple[str, ...] = ()
    #: The vCard property group (Apple's ``item1.``), kept so labels stay attached.
    group: str = ""
    #: Other vCard parameters, kept as they were.
    params: Params = ()

    @property
    def kind(self) -> str:
        """``work``, ``home`` or ``other``."""
        return _kind(self.types)

    @property
    def preferred(self) -> bool:
        """True when the address is marked as preferred."""
        return any(t.lower() == "pref" for t in self.types)


@dataclass(slots=True)
class Phone:
    """A telephone number as written, with its vCard TYPE values."""

    number: str
    types: tuple[str, ...] = ()
    group: str = ""
    params: Params = ()
    #: What followed the number in a vCard 4.0 ``tel:`` URI (``;ext=102``), kept as written;
    #: a number read from a URI is written back as one.
    uri_params: str = ""
    #: True when the number was written as a ``tel:`` URI (vCard 4.0 ``VALUE=uri``).
    uri: bool = False

    @property
    def kind(self) -> str:
        """``work``, ``home``, ``cell`` or ``other``."""
        lowered = {t.lower() for t in self.types}
        if "cell" in lowered:
            return "cell"
        return _kind(self.types)


@dataclass(slots=True)
class Address:
    """A postal address, its parts as written plus the ISO 3166 country code when known."""

    street: tuple[str, ...] = ()
    locality: str = ""
    region: str = ""
    postal_code: str = ""
    #: The country as the source wrote it ("Deutschland", "USA").
    country: str = ""
    #: ISO 3166-1 alpha-2 code in upper case, or "" when unknown.
    country_code: str = ""
    po_box: str = ""
    extended: str = ""
    types: tuple[str, ...] = ()
    group: str = ""
    params: Params = ()
    #: The address's fingerprint when mail to it came back ("" if it never did).
    returned_for: str = ""

    @property
    def kind(self) -> str:
        """``work``, ``home`` or ``other``."""
        return _kind(self.types)

    @property
    def returned(self) -> bool:
        """Mail to this address came back, and the address has not been changed since."""
        return bool(self.returned_for) and self.returned_for == self.fingerprint()

    @returned.setter
    def returned(self, value: bool) -> None:
        self.returned_for = self.fingerprint() if value else ""

    @property
    def street_lines(self) -> tuple[str, ...]:
        """The extended address, then the street lines, in the card's order, as an envelope
        prints them: Thunderbird writes the first street line in the extended component."""
        if not self.extended:
            return tuple(self.street)
        extra = tuple(s.strip() for s in self.extended.split("\n") if s.strip())
        return (*(e for e in extra if e not in self.street), *self.street)

    @property
    def is_empty(self) -> bool:
        """True when no part of the address is filled in."""
        return not (
            any(self.street)
            or self.locality
            or self.region
            or self.postal_code
            or self.country
            or self.po_box
            or self.extended
        )

    def fingerprint(self) -> str:
        """A short digest of the address's content, to notice when it has been changed."""
        text = "\x1f".join(
            [
                "\n".join(self.street),
                self.locality,
                self.region,
                self.postal_code,
                self.country,
                self.po_box,
                self.extended,
            ]
        )
        return hashlib.sha256(match_key(text).encode()).hexdigest()[:16]

    def one_line(self) -> str:
        """The address on one line, for lists and logs."""
        parts = [*self.street_lines, self.locality, self.region, self.postal_code, self.country]
        return ", ".join(p for p in parts if p)


@dataclass(slots=True)
class Birthday:
    """A birthday; the year is often unknown (Apple and Outlook write a placeholder year)."""

    month: int
    day: int
    year: int | None = None

    def __post_init__(self) -> None:
        # 2000 is a leap year, so 29 February without a year is accepted.
        date(self.year or 2000, self.month, self.day)

    def iso(self) -> str:
        """``1980-05-17``, or ``--05-17`` when the year is unknown (ISO 8601 / vCard 4)."""
        if self.year is None:
            return f"--{self.month:02d}-{self.day:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"


@dataclass(frozen=True, slots=True)
class RawProperty:
    """A vCard property outreach does not model, kept exactly as read.

    ``value`` is the raw (still escaped) text after the colon; written back as it is.
    """

    name: str
    value: str
    params: Params = ()
    group: str = ""


@dataclass(frozen=True, slots=True)
class PropertyMeta:
    """The property name, parameters and group a modelled field was read with.

    ``FN;ALTID=1``, ``N;LANGUAGE=en-us`` or ``ORG;TYPE=work`` keep their parameters this way,
    and a LinkedIn profile read from ``URL`` is written back as ``URL``.
    """

    name: str
    params: Params = ()
    group: str = ""


@dataclass(frozen=True, slots=True)
class PastJob:
    """An employer and title the contact had before, and when the change was seen."""

    org: str
    title: str
    #: The day outreach learnt of the change (an import that brought the new job).
    until: date | None = None

    def describe(self) -> str:
        """``Acme Corp, CIO`` (either part may be missing)."""
        return ", ".join(p for p in (self.org, self.title) if p) or "(none)"


def _kind(types: tuple[str, ...]) -> str:
    for value in types:
        lowered = value.lower()
        if lowered in ("work", "home"):
            return lowered
    return "other"


@dataclass(slots=True)
class Contact:
    """Someone you know: who they are, how to reach them, and how often to be in touch."""

    uid: str = field(default_factory=new_uid)
    name: Name = field(default_factory=Name)
    emails: list[Email] = field(default_factory=list)
    phones: list[Phone] = field(default_factory=list)
    addresses: list[Address] = field(default_factory=list)
    org: str = ""
    department: str = ""
    title: str = ""
    #: LinkedIn profile URL as written.
    linkedin: str = ""
    tags: list[str] = field(default_factory=list)
    notes: str = ""
    #: How you know each other ("my manager at Acme", "met at PyCon 2019").
    relationship: str = ""
    cadence: Cadence | None = None
    birthday: Birthday | None = None
    #: The touch plan leaves the contact alone until this date.
    snooze_until: date | None = None
    #: A personal line for this year's card, written in a handwriting font.
    card_note: str = ""
    #: vCard properties outreach does not model, in their original order.
    extra: list[RawProperty] = field(default_factory=list)
    #: Earlier employers and titles, newest first (a job change keeps the old one here).
    past_jobs: list[PastJob] = field(default_factory=list)
    #: UIDs of cards merged into this one: a later import of any of them matches this contact.
    aliases: list[str] = field(default_factory=list)
    #: ``"4.0"`` for a card read as vCard 4.0 (written back as 4.0), else ``""`` (3.0).
    version: str = ""
    #: Parameters of the single-valued properties (``fn``, ``n``, ``org``, ``title`` ...).
    meta: dict[str, PropertyMeta] = field(default_factory=dict)

    @property
    def display_name(self) -> str:
        """The best name to show: formatted name, name parts, organisation, or email."""
        return (
            self.name.display
            or self.org
            or (self.emails[0].address if self.emails else "")
            or self.uid
        )

    @property
    def greeting_name(self) -> str:
        """What to call them in a greeting: nickname, else given name, else display name."""
        return self.name.nickname or self.name.given or self.display_name

    @property
    def primary_email(self) -> str | None:
        """The preferred email address, else the first, else ``None``."""
        for email in self.emails:
            if email.preferred:
                return email.address
        return self.emails[0].address if self.emails else None

    @property
    def postal_address(self) -> Address | None:
        """The first usable postal address (not empty, not returned), else ``None``."""
        for address in self.addresses:
            if not address.is_empty and not address.returned:
                return address
        return None

    @property
    def has_returned_address(self) -> bool:
        """True when an address is flagged as returned and no other usable one exists."""
        return self.postal_address is None and any(a.returned for a in self.addresses)

    def has_tag(self, tag: str) -> bool:
        """Case-insensitive tag test."""
        wanted = match_key(tag)
        return any(match_key(t) == wanted for t in self.tags)

    def add_tag(self, tag: str) -> bool:
        """Add a tag unless present (case-insensitively); return True when it was added."""
        if not tag.strip() or self.has_tag(tag):
            return False
        self.tags.append(tag.strip())
        return True

    def remove_tag(self, tag: str) -> bool:
        """Remove a tag (case-insensitively); return True when it was there."""
        wanted = match_key(tag)
        kept = [t for t in self.tags if match_key(t) != wanted]
        removed = len(kept) != len(self.tags)
        self.tags[:] = kept
        return removed

    def set_job(self, org: str, title: str, seen: date | None = None) -> PastJob | None:
        """Change employer and title, keeping the previous ones in :attr:`past_jobs`.

        Returns the job that became past, or ``None`` when nothing changed or there was no
        job before. ``seen`` is the day the change was learnt of (today by default).
        """
        org, title = org.strip(), title.strip()
        if match_key(org) == match_key(self.org) and match_key(title) == match_key(self.title):
            return None
        previous = None
        if self.org or self.title:
            previous = PastJob(self.org, self.title, seen or date.today())
            self.past_jobs.insert(0, previous)
        if match_key(org) != match_key(self.org):
            # The department belonged to the old employer.
            self.department = ""
        self.org, self.title = org, title
        return previous

    def has_email(self, address: str) -> bool:
        """Case-insensitive test for one of the contact's email addresses."""
        wanted = address.strip().lower()
        return any(e.address.strip().lower() == wanted for e in self.emails)
