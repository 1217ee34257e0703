"""Dates people remember: birthdays and the other dated events a vCard holds.

A card keeps a birthday in ``BDAY`` (read into :attr:`Contact.birthday`), and other dates in
properties outreach does not model, kept among :attr:`Contact.extra`:

* ``ANNIVERSARY`` (vCard 4), and the names other tools gave it before: ``X-ANNIVERSARY``,
  ``X-EVOLUTION-ANNIVERSARY`` (Evolution), ``X-KADDRESSBOOK-X-ANNIVERSARY`` (KAddressBook),
  ``X-MS-ANNIVERSARY`` (Outlook);
* Apple's labelled dates: ``itemN.X-ABDATE`` with ``itemN.X-ABLabel`` in the same group,
  the label either Apple's own token (``_$!<Anniversary>!$_``) or text the user typed.

The year is often unknown (``--05-17``, or a placeholder year such as Apple's 1604, which
Apple names in the ``X-APPLE-OMIT-YEAR`` parameter). The plan shows an
occasion during the days before it, and the reminders calendar repeats it every year.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from .contact import Contact
from .vcard import parse_birthday

__all__ = ["Occasion", "contact_occasions", "next_occurrence"]

#: Properties that hold a wedding (or other) anniversary.
_ANNIVERSARY = frozenset(
    {
        "ANNIVERSARY",
        "X-ANNIVERSARY",
        "X-EVOLUTION-ANNIVERSARY",
        "X-KADDRESSBOOK-X-ANNIVERSARY",
        "X-MS-ANNIVERSARY",
    }
)
#: Apple's built-in labels, as ``_$!<Name>!$_``.
_APPLE_LABEL = re.compile(r"^_\$!<(.+)>!\$_$")


@dataclass(frozen=True, slots=True)
class Occasion:
    """A yearly date in a contact's life: a birthday, an anniversary, a labelled date."""

    #: ``birthday``, ``anniversary``, or a label as the user wrote it ("first day at Acme").
    label: str
    month: int
    day: int
    year: int | None = None

    @property
    def is_birthday(self) -> bool:
        """True for the contact's birthday."""
        return self.label == "birthday"

    def key(self) -> str:
        """A stable name for this occasion of a contact (for calendar UIDs)."""
        return f"{self.label.casefold()}|{self.month:02d}-{self.day:02d}"


def _label(text: str) -> str:
    text = " ".join(text.split())
    apple = _APPLE_LABEL.match(text)
    if apple:
        text = apple[1]
    return text.casefold() if text.casefold() in ("anniversary", "other") else text


def contact_occasions(contact: Contact) -> list[Occasion]:
    """The contact's birthday and other dated events, each once, birthday first."""
    found: list[Occasion] = []
    if contact.birthday is not None:
        b = contact.birthday
        found.append(Occasion("birthday", b.month, b.day, b.year))
    labels = {
        raw.group.casefold(): raw.value
        for raw in contact.extra
        if raw.group and raw.name.upper() == "X-ABLABEL"
    }
    for raw in contact.extra:
        name = raw.name.upper()
        if name in _ANNIVERSARY:
            label = "anniversary"
        elif name == "X-ABDATE":
            label = _label(labels.get(raw.group.casefold(), "")) if raw.group else ""
            label = label or "anniversary"
            if label == "other":
                label = "a date to remember"
        else:
            continue
        parsed = parse_birthday(raw.value, raw.params)
        if parsed is None:
            continue  # a date no calendar could place: left in the card, not guessed at
        occasion = Occasion(label, parsed.month, parsed.day, parsed.year)
        if all(o.key() != occasion.key() for o in found):
            found.append(occasion)
    return found


def next_occurrence(month: int, day: int, today: date) -> date:
    """The next day on or after ``today`` that is ``month``/``day``.

    29 February falls on 28 February in years without it, as people celebrate it.
    """
    for year in (today.year, today.year + 1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            candidate = date(year, 2, 28)
        if candidate >= today:
            return candidate
    raise AssertionError("unreachable")  # pragma: no cover
