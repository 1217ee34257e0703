"""The touch plan: who is due, who is slipping away, and whose details need fixing.

When a contact is next due
--------------------------
The next due date is the last touch plus the contact's cadence; any touch (a call you record,
a sent email, a printed card, a LinkedIn connection) restarts the clock. A contact without a
cadence of their own takes the shortest of the ``[plan.cadence]`` defaults that match one of
their tags or their relationship, else ``[plan] default_cadence``. A cadence of ``never``
keeps a contact out of the plan altogether.

Contacts the plan has never seen before
---------------------------------------
A book freshly filled from exports has hundreds of contacts with no touch at all, or with a
LinkedIn "connected on" touch from years ago. Counting them as due at once would bury the
user under hundreds of overdue people on day one. So the plan remembers when it first saw each
contact (:mod:`outreach.planstate`), and a contact that was already due at that moment (never
touched, or last touch plus cadence before that day) gets its first due date spread over one
cadence from then, at a stable place picked from its UID: 500 contacts imported on a yearly
cadence come up about ten a week through the first year, each within its cadence, none before
the plan first saw it. ``[plan] spread_first_touches = false`` makes them all due at once.

Sections
--------
* ``overdue``: due today or earlier;
* ``slipping-away``: due, and no touch for over ``slipping_days`` (a year): the ones to call
  first (a contact is in one of ``overdue`` and ``slipping-away``, never both);
* ``soon``: due within ``soon_days``;
* ``fix-address``: mail to their postal address came back and they have no other one, or
  an email address of theirs bounces (``fix_reasons``, from :mod:`outreach.bouncing`);
* ``unreachable``: no email address, no usable postal address and no LinkedIn profile;
* ``job-change``: a new employer or title seen in the last 30 days, and no touch since
  (:mod:`outreach.jobchange`).

A contact snoozed until a date is due no earlier than that date and is left out of the last
two sections until then. Everything here is pure: the caller passes ``today``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .cadence import Cadence
from .contact import Contact
from .jobchange import JOB_CHANGE, job_change_reason
from .options import parse_table

__all__ = [
    "DUE_SECTIONS",
    "FIX_ADDRESS",
    "OVERDUE",
    "SECTIONS",
    "SLIPPING",
    "SOON",
    "UNREACHABLE",
    "PlanEntry",
    "PlanSettings",
    "build_plan",
    "due_date",
    "effective_cadence",
    "next_due",
    "overdue_uids",
    "spread_offset",
]

OVERDUE = "overdue"
SLIPPING = "slipping-away"
SOON = "soon"
FIX_ADDRESS = "fix-address"
UNREACHABLE = "unreachable"
#: Every section, in the order the plan lists them.
SECTIONS = (OVERDUE, SOON, SLIPPING, FIX_ADDRESS, UNREACHABLE, JOB_CHANGE)
#: The sections whose contacts are due today or earlier.
DUE_SECTIONS = frozenset({OVERDUE, SLIPPING})


@dataclass(slots=True)
class PlanSettings:
    """Table ``[plan]`` of ``outreach.toml``."""

    default_cadence: str = "yearly"
    #: Default cadences by tag or relationship, e.g. ``former-boss = "quarterly"``.
    cadence: dict[str, str] = field(default_factory=dict)
    #: How many days ahead "due soon" looks.
    soon_days: int = 14
    #: No touch for more than this many days, and due: slipping away.
    slipping_days: int = 365
    #: Spread the first due dates of contacts that were already due when the plan first saw
    #: them over one cadence, instead of making them all due at once.
    spread_first_touches: bool = True

    def __post_init__(self) -> None:
        named = {"default_cadence": self.default_cadence}
        named.update({f"cadence.{k}": v for k, v in self.cadence.items()})
        for key, value in named.items():
            try:
                Cadence.parse(value)
            except ValueError as exc:
                raise ValueError(f"{key}: {exc}") from None
        if self.soon_days < 0:
            raise ValueError(f"soon_days must be 0 or more, not {self.soon_days}")
        if self.slipping_days < 1:
            raise ValueError(f"slipping_days must be 1 or more, not {self.slipping_days}")

    @classmethod
    def from_config(cls, table: Mapping[str, Any], where: str) -> PlanSettings:
        """Parse ``[plan]``; errors name ``where``."""
        return parse_table(cls, table, where)


def effective_cadence(contact: Contact, settings: PlanSettings) -> Cadence:
    """The contact's own cadence, else the shortest default for its tags or relationship.

    The shortest wins because a contact tagged both ``colleague`` (yearly) and ``former-boss``
    (quarterly) is someone you would turn to: the closer relationship sets the pace.
    """
    if contact.cadence is not None:
        return contact.cadence
    lowered = {k.casefold().strip(): v for k, v in settings.cadence.items()}
    keys = [tag.casefold().strip() for tag in contact.tags]
    if contact.relationship.strip():
        keys.append(contact.relationship.casefold().strip())
    matches = [Cadence.parse(lowered[k]) for k in keys if k in lowered]
    planned = [c for c in matches if not c.never]
    if planned:
        return min(planned, key=lambda c: c.approx_days())
    if matches:
        return matches[0]
    return Cadence.parse(settings.default_cadence)


def spread_offset(uid: str, days: int) -> int:
    """A stable number of days in ``[0, days)`` picked from a contact's UID.

    A digest rather than :func:`hash`, which changes from one process to the next.
    """
    if days <= 1:
        return 0
    digest = hashlib.sha256(uid.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % days


def _due(
    contact: Contact, cadence: Cadence, last_touch: date | None, seen: date, settings: PlanSettings
) -> tuple[date, bool, bool]:
    """The due date, whether it was spread from ``seen``, and whether a snooze set it."""
    natural = cadence.after(last_touch) if last_touch is not None else None
    spread = False
    if natural is not None and natural >= seen:
        due = natural
    elif not settings.spread_first_touches:
        due = natural or seen
    else:
        window = (cadence.after(seen) or seen) - seen
        due = date.fromordinal(seen.toordinal() + spread_offset(contact.uid, window.days))
        spread = True
    snooze = contact.snooze_until
    if snooze is not None and snooze > due:
        return snooze, spread, True
    return due, spread, False


def due_date(
    contact: Contact,
    last_touch: date | None,
    settings: PlanSettings,
    today: date,
    first_seen: date | None = None,
) -> date | None:
    """When the contact is next due, or ``None`` for a cadence of ``never``.

    ``first_seen`` is when the plan first saw the contact (``today`` when it never has): a
    contact that was already due then is spread over one cadence from that day (see the
    module's documentation). A snooze moves the date to the end of the snooze.
    """
    cadence = effective_cadence(contact, settings)
    if cadence.never:
        return None
    due, _, _ = _due(contact, cadence, last_touch, first_seen or today, settings)
    return due


@dataclass(frozen=True, slots=True)
class PlanEntry:
    """One contact in one section of the plan."""

    uid: str
    name: str
    #: One of :data:`SECTIONS`.
    section: str
    due: date
    #: Days since the due date; negative when not yet due.
    overdue_days: int
    reason: str
    cadence: str
    last_touch: date | None
    #: When the plan first saw the contact.
    first_seen: date

    def as_json(self) -> dict[str, Any]:
        """The entry as ``outreach plan --json`` prints it."""
        return {
            "uid": self.uid,
            "name": self.name,
            "section": self.section,
            "due": self.due.isoformat(),
            "overdue_days": self.overdue_days,
            "reason": self.reason,
            "cadence": self.cadence,
            "last_touch": self.last_touch.isoformat() if self.last_touch else None,
            "first_seen": self.first_seen.isoformat(),
        }


def _days(n: int) -> str:
    return "1 day" if n == 1 else f"{n} days"


def _when(overdue: int) -> str:
    if overdue == 0:
        return "due today"
    return f"{_days(overdue)} overdue" if overdue > 0 else f"due in {_days(-overdue)}"


def _unreachable_reason(contact: Contact) -> str:
    reason = "no email address, postal address or LinkedIn profile"
    if contact.has_returned_address:
        reason += " (the postal address came back)"
    if contact.phones:
        reason += f"; phone {contact.phones[0].number}"
    return reason


def build_plan(
    contacts: Iterable[Contact],
    last_touches: Mapping[str, date],
    settings: PlanSettings,
    today: date,
    first_seen: Mapping[str, date] | None = None,
    fix_reasons: Mapping[str, Sequence[str]] | None = None,
) -> list[PlanEntry]:
    """The plan for ``today``: an entry per contact and section, in :data:`SECTIONS` order.

    ``first_seen`` maps UIDs to the day the plan first saw them (missing: today). Within a
    section the most pressing come first: the most overdue, the soonest due, the longest
    silent; the last two sections are in name order. A contact not due within ``soon_days``
    and with nothing to fix has no entry. ``fix_reasons`` maps UIDs to further
    ``fix-address`` reasons (an email address that bounces).
    """
    seen_map = first_seen or {}
    rows: list[tuple[int, int, str, str, PlanEntry]] = []
    for contact in contacts:
        cadence = effective_cadence(contact, settings)
        if cadence.never:
            continue
        last = last_touches.get(contact.uid)
        seen = seen_map.get(contact.uid, today)
        due, spread, snoozed_due = _due(contact, cadence, last, seen, settings)
        overdue = (today - due).days
        history = f"last touch {last.isoformat()}" if last else "no touch recorded yet"
        detail = f"{cadence} cadence; {history}"
        if spread:
            detail += f"; first due spread from {seen.isoformat()}, when the plan first saw them"
        if snoozed_due:
            detail += "; snoozed until then"
        silent = (today - (last or seen)).days
        found: list[tuple[str, int, str]] = []
        if overdue >= 0 and silent > settings.slipping_days:
            silence = (
                f"no touch for {_days(silent)}"
                if last
                else f"no touch in the {_days(silent)} since the plan first saw them"
            )
            found.append((SLIPPING, -silent, f"{silence}; {_when(overdue)} ({detail})"))
        elif overdue >= 0:
            found.append((OVERDUE, -overdue, f"{_when(overdue)} ({detail})"))
        elif -overdue <= settings.soon_days:
            found.append((SOON, -overdue, f"{_when(overdue)} ({detail})"))
        if contact.snooze_until is None or contact.snooze_until <= today:
            if contact.has_returned_address:
                returned = next(a for a in contact.addresses if a.returned)
                text = f"mail to {returned.one_line() or 'their postal address'} came back"
                found.append((FIX_ADDRESS, 0, text))
            for text in (fix_reasons or {}).get(contact.uid, ()):
                found.append((FIX_ADDRESS, 0, text))
            if not contact.emails and contact.postal_address is None and not contact.linkedin:
                found.append((UNREACHABLE, 0, _unreachable_reason(contact)))
            job_change = job_change_reason(contact, today, last)
            if job_change is not None:
                found.append((JOB_CHANGE, 0, job_change))
        name = contact.display_name
        for section, rank, reason in found:
            entry = PlanEntry(
                contact.uid, name, section, due, overdue, reason, str(cadence), last, seen
            )
            rows.append((SECTIONS.index(section), rank, name.casefold(), contact.uid, entry))
    rows.sort(key=lambda row: row[:4])
    return [row[4] for row in rows]


def _due_dates(
    contacts: Iterable[Contact],
    last_touches: Mapping[str, date],
    settings: PlanSettings,
    today: date,
    first_seen: Mapping[str, date] | None,
) -> Iterator[tuple[date, Contact]]:
    """Each contact's due date, as :func:`due_date` has it, skipping cadence ``never``."""
    seen_map = first_seen or {}
    for contact in contacts:
        uid = contact.uid
        due = due_date(contact, last_touches.get(uid), settings, today, seen_map.get(uid))
        if due is not None:
            yield due, contact


def overdue_uids(
    contacts: Iterable[Contact],
    last_touches: Mapping[str, date],
    settings: PlanSettings,
    today: date,
    first_seen: Mapping[str, date] | None = None,
) -> set[str]:
    """UIDs of contacts due today or earlier (the ``overdue`` and ``slipping-away`` sections).

    The same contacts as those sections of :func:`build_plan`, without building its entries.
    """
    dues = _due_dates(contacts, last_touches, settings, today, first_seen)
    return {contact.uid for due, contact in dues if due <= today}


def next_due(
    contacts: Iterable[Contact],
    last_touches: Mapping[str, date],
    settings: PlanSettings,
    today: date,
    first_seen: Mapping[str, date] | None = None,
) -> tuple[date, Contact] | None:
    """The earliest due date after ``today`` and its contact, or ``None`` when nobody is."""
    dues = _due_dates(contacts, last_touches, settings, today, first_seen)
    return min(
        ((due, contact) for due, contact in dues if due > today),
        key=lambda pair: (pair[0], pair[1].display_name.casefold()),
        default=None,
    )
