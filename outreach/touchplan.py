"""The touch plan: who is due, who to get in touch with this week, and what needs fixing.

When a contact is due
---------------------
A contact is due one cadence after the last touch; any touch (a call you record, a sent email,
a printed card, a LinkedIn connection) restarts the clock. A contact never touched at all is
due from the day they entered the book (the day an import added them, else the day the plan
first saw them; kept by :mod:`outreach.planstate`). A snooze moves the due date to the end of
the snooze. These dates are the true ones: ``due`` and ``overdue_days`` are never moved to
spread the load.

A contact without a cadence of their own takes the shortest of the ``[plan.cadence]``
defaults that match one of their tags or their relationship, else ``[plan] default_cadence``.
A cadence of ``never`` keeps a contact out of the plan altogether.

This week's picks
-----------------
A fresh import makes hundreds of people due at once. Rather than moving their dates, the plan
picks ``[plan] per_week`` of the due contacts to suggest this week (less the contacts already
touched in the last seven days), the most pressing first: the most overdue for their cadence
(30 days late on a monthly cadence weighs more than 30 days on a yearly one), then those
slipping away and those with news (a job change, a birthday coming), then the closer ones
(the shorter cadence). The others stay due, with their true figures, and are counted. Room
left in the budget goes to contacts falling due within the week (at most six days early, and
only those listed as due soon), so a crowd that falls due together (a fresh import, a year
on) spreads over the weeks.

Sections
--------
* ``overdue``: due today or earlier;
* ``slipping-away``: due, and no touch for over ``slipping_days`` (a contact is in one of
  ``overdue`` and ``slipping-away``, never both);
* ``soon``: due within ``soon_days``;
* ``fix-address``: a way to reach them failed: mail to their postal address came back and
  they have no other one, or an email address of theirs bounces (:mod:`outreach.bouncing`,
  through :attr:`PlanInputs.fix_reasons`);
* ``unreachable``: no email address that does not bounce, no usable postal address and no
  LinkedIn profile;
* ``job-change``: a new employer or title seen in the last 30 days, and no touch since
  (:mod:`outreach.jobchange`);
* ``birthday``: a birthday or another remembered date within ``birthday_days``.

A snoozed contact is left out of every section but its due one until the snooze ends.
Everything here is pure but :func:`build_plan` given a workspace: the caller passes ``today``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from .bouncing import bouncing_addresses
from .cadence import Cadence
from .contact import Contact
from .jobchange import JOB_CHANGE, job_change_reason
from .occasions import Occasion, contact_occasions, next_occurrence
from .options import parse_table

if TYPE_CHECKING:
    from .planinputs import PlanInputs
    from .workspace import Workspace

__all__ = [
    "BIRTHDAY",
    "DUE_SECTIONS",
    "FIX_ADDRESS",
    "JOB_CHANGE",
    "OVERDUE",
    "SECTIONS",
    "SLIPPING",
    "SOON",
    "UNREACHABLE",
    "Plan",
    "PlanEntry",
    "PlanSettings",
    "build_plan",
    "cadence_resolver",
    "contact_fix_reasons",
    "due_date",
    "effective_cadence",
    "plan_from_inputs",
]

OVERDUE = "overdue"
SLIPPING = "slipping-away"
SOON = "soon"
FIX_ADDRESS = "fix-address"
UNREACHABLE = "unreachable"
BIRTHDAY = "birthday"
#: Every section, in the order the plan lists them.
SECTIONS = (OVERDUE, SLIPPING, SOON, FIX_ADDRESS, UNREACHABLE, JOB_CHANGE, BIRTHDAY)
#: The sections whose contacts are due today or earlier.
DUE_SECTIONS = frozenset({OVERDUE, SLIPPING})
#: The plan's week: a contact due within it may be picked early when the budget has room.
WEEK = 7


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
    #: How many due contacts to suggest a week. 25 keeps up with a book of 1,000 people on
    #: yearly cadences (about 19 a week come due) and works off a fresh import's backlog.
    per_week: int = 25
    #: How many days before a birthday (or another remembered date) the plan shows it.
    birthday_days: int = 14

    def __post_init__(self) -> None:
        named = {"default_cadence": self.default_cadence}
        named.update({f"cadence.{k}": v for k, v in self.cadence.items()})
        for key, value in named.items():
            try:
                Cadence.parse(value)
            except ValueError as exc:
                raise ValueError(f"{key}: {exc}") from None
        for key, least in (
            ("soon_days", 0),
            ("slipping_days", 1),
            ("per_week", 1),
            ("birthday_days", 0),
        ):
            value = getattr(self, key)
            if value < least:
                raise ValueError(f"{key} must be {least} or more, not {value}")

    @classmethod
    def from_config(cls, table: Mapping[str, Any], where: str) -> PlanSettings:
        """Parse ``[plan]``; errors name ``where``."""
        return parse_table(cls, table, where)


def effective_cadence(contact: Contact, settings: PlanSettings) -> Cadence:
    """The contact's own cadence, else the shortest default for its tags or relationship.

    The shortest wins because a contact tagged both ``colleague`` (yearly) and ``former-boss``
    (quarterly) is someone you would turn to: the closer relationship sets the pace.
    """
    return cadence_resolver(settings)(contact)


def cadence_resolver(settings: PlanSettings) -> Callable[[Contact], Cadence]:
    """:func:`effective_cadence` for many contacts: the defaults are parsed once."""
    lowered = {k.casefold().strip(): Cadence.parse(v) for k, v in settings.cadence.items()}
    default = Cadence.parse(settings.default_cadence)

    def resolve(contact: Contact) -> Cadence:
        if contact.cadence is not None:
            return contact.cadence
        if not lowered:
            return default
        keys = [tag.casefold().strip() for tag in contact.tags]
        if contact.relationship.strip():
            keys.append(contact.relationship.casefold().strip())
        matches = [lowered[k] for k in keys if k in lowered]
        planned = [c for c in matches if not c.never]
        if planned:
            return min(planned, key=lambda c: c.approx_days())
        if matches:
            return matches[0]
        return default

    return resolve


def due_date(
    contact: Contact,
    last_touch: date | None,
    settings: PlanSettings,
    entered: date,
) -> date | None:
    """When the contact is due, or ``None`` for a cadence of ``never``.

    One cadence after ``last_touch``; without one, ``entered`` (the day the contact entered
    the book). A snooze moves the date to the end of the snooze.
    """
    cadence = effective_cadence(contact, settings)
    if cadence.never:
        return None
    return _due(contact, cadence, last_touch, entered)


def _due(contact: Contact, cadence: Cadence, last: date | None, entered: date) -> date:
    due = cadence.after(last) if last is not None else entered
    assert due is not None  # the caller has ruled out "never"
    snooze = contact.snooze_until
    return snooze if snooze is not None and snooze > due else due


def contact_fix_reasons(contact: Contact) -> list[str]:
    """What the contact's own card says needs fixing (a postal address that came back)."""
    if not contact.has_returned_address:
        return []
    returned = next(a for a in contact.addresses if a.returned)
    return [f"mail to {returned.one_line() or 'their postal address'} came back"]


@dataclass(frozen=True, slots=True)
class PlanEntry:
    """One contact in one section of the plan."""

    uid: str
    name: str
    #: One of :data:`SECTIONS`.
    section: str
    #: When the contact is due: last touch plus cadence (the true date, never spread).
    due: date
    #: Days since the due date; negative when not yet due.
    overdue_days: int
    reason: str
    cadence: str
    last_touch: date | None
    #: When the plan first saw the contact (their day in the book when never touched).
    first_seen: date
    #: True when the contact is among this week's picks.
    pick: bool = False
    #: How the last touch happened ("call", "email") and what the user noted about it.
    last_via: str = ""
    last_note: str = ""
    #: The day of the occasion (``birthday`` entries), else ``None``.
    on: date | None = None

    def as_json(self) -> dict[str, Any]:
        """The entry as ``outreach plan --json`` prints it."""
        return {
            "uid": self.uid,
            "name": self.name,
            "section": self.section,
            "pick": self.pick,
            "due": self.due.isoformat(),
            "overdue_days": self.overdue_days,
            "reason": self.reason,
            "cadence": self.cadence,
            "last_touch": self.last_touch.isoformat() if self.last_touch else None,
            "last_via": self.last_via or None,
            "last_note": self.last_note or None,
            "first_seen": self.first_seen.isoformat(),
            "on": self.on.isoformat() if self.on else None,
        }


@dataclass(slots=True)
class Plan:
    """The plan on one day: every entry, this week's picks, and what it was built from."""

    today: date
    inputs: PlanInputs
    #: Every entry, in :data:`SECTIONS` order, the most pressing first within a section.
    entries: list[PlanEntry]
    #: The UIDs picked for this week, the most pressing first.
    picks: list[str]
    #: This week's budget after the contacts touched in the last seven days.
    budget: int
    #: How many planned contacts were touched in the last seven days (they use up budget).
    touched_this_week: int
    #: Contacts whose cadence is not ``never``.
    planned: int

    @property
    def settings(self) -> PlanSettings:
        """The ``[plan]`` settings the plan was built with."""
        return self.inputs.settings

    def section(self, name: str) -> list[PlanEntry]:
        """The entries of one section, in plan order."""
        return [e for e in self.entries if e.section == name]

    def due_uids(self) -> set[str]:
        """UIDs of the contacts due today or earlier (``overdue`` and ``slipping-away``)."""
        return {e.uid for e in self.entries if e.section in DUE_SECTIONS}

    def due_entries(self) -> list[PlanEntry]:
        """The due entries, picks first in pick order, then the rest by priority."""
        order = {uid: i for i, uid in enumerate(self.picks)}
        due = [e for e in self.entries if e.section in DUE_SECTIONS]
        rest = len(order)
        return sorted(due, key=lambda e: order.get(e.uid, rest))

    def next_due(self) -> tuple[date, str] | None:
        """The earliest due date after today and the name of its contact, or ``None``."""
        later: list[tuple[date, str, str]] = []
        inputs = self.inputs
        cadence_of = cadence_resolver(inputs.settings)
        for contact in inputs.contacts:
            cadence = cadence_of(contact)
            if cadence.never:
                continue
            last = inputs.last_touch_day(contact.uid)
            due = _due(contact, cadence, last, inputs.entered(contact.uid, self.today))
            if due > self.today:
                name = contact.display_name
                later.append((due, name.casefold(), name))
        if not later:
            return None
        due, _, name = min(later)
        return due, name


def _days(n: int) -> str:
    return "1 day" if n == 1 else f"{n} days"


def _span(days: int) -> str:
    """A long silence as a person says it: "14 months", "3 years"."""
    if days < 60:
        return _days(days)
    if days < 700:
        return f"{round(days / 30.44)} months"
    return f"{days // 365} years"


def _when(overdue: int) -> str:
    if overdue == 0:
        return "due today"
    return f"{_days(overdue)} overdue" if overdue > 0 else f"due in {_days(-overdue)}"


def _unreachable_reason(contact: Contact) -> str:
    reason = "no email address, postal address or LinkedIn profile"
    failed = []
    if contact.has_returned_address:
        failed.append("the postal address came back")
    if contact.emails:  # there are some, and every one bounces
        one = len(contact.emails) == 1
        failed.append("the email address bounces" if one else "every email address bounces")
    if failed:
        reason += f" ({'; '.join(failed)})"
    if contact.phones:
        reason += f"; phone {contact.phones[0].number}"
    return reason


def _occasion_text(occasion: Occasion, on: date, today: date) -> str:
    what = occasion.label
    if occasion.year is not None and occasion.is_birthday:
        what = f"birthday ({on.year - occasion.year})"
    elif occasion.year is not None:
        what = f"{occasion.label} ({on.year - occasion.year} years)"
    away = (on - today).days
    when = "today" if away == 0 else "tomorrow" if away == 1 else f"in {_days(away)}"
    return f"{what} on {on.strftime('%d %B').lstrip('0')}, {when}"


def plan_from_inputs(inputs: PlanInputs, today: date) -> Plan:
    """The plan for ``today`` from already loaded inputs (pure: nothing is read or written)."""
    settings = inputs.settings
    cadence_of = cadence_resolver(settings)
    natural: dict[tuple[Cadence, date], date] = {}
    week_start = today - timedelta(days=6)
    rows: list[tuple[int, tuple[Any, ...], PlanEntry]] = []
    candidates: list[tuple[tuple[Any, ...], str]] = []
    ahead: list[tuple[tuple[Any, ...], str]] = []
    touched_this_week = 0
    planned = 0
    for contact in inputs.contacts:
        cadence = cadence_of(contact)
        if cadence.never:
            continue
        planned += 1
        uid = contact.uid
        touch = inputs.touches.get(uid)
        last = touch.day if touch is not None else None
        if last is not None and week_start <= last <= today:
            touched_this_week += 1
        seen = inputs.entered(uid, today)
        if last is not None and contact.snooze_until is None:
            # Campaigns touch many people on one day: work out each (cadence, day) once.
            key = (cadence, last)
            due = natural.get(key) or natural.setdefault(key, _due(contact, cadence, last, seen))
        else:
            due = _due(contact, cadence, last, seen)
        overdue = (today - due).days
        silent = (today - (last or seen)).days
        snoozed = contact.snooze_until is not None and contact.snooze_until > today
        found: list[tuple[str, tuple[Any, ...], str, date | None]] = []
        name = contact.display_name
        order = (name.casefold(), uid)
        if overdue >= 0 and silent > settings.slipping_days:
            silence = (
                f"no touch for {_span(silent)}" if last else f"never touched in {_span(silent)}"
            )
            reason = f"{silence}; {_when(overdue)}"
            found.append((SLIPPING, (-silent, *order), reason, None))
        elif overdue >= 0:
            found.append((OVERDUE, (-overdue, *order), _when(overdue), None))
        elif -overdue <= settings.soon_days:
            found.append((SOON, (-overdue, *order), _when(overdue), None))
        news = False
        if not snoozed:
            reasons = [*contact_fix_reasons(contact), *inputs.fix_reasons.get(uid, ())]
            if reasons:
                found.append((FIX_ADDRESS, order, "; ".join(reasons), None))
            # An address that bounces is no way to reach them, as campaigns leave it out.
            emails = len(contact.emails) - len(bouncing_addresses(contact, inputs.bounced))
            if not emails and contact.postal_address is None and not contact.linkedin:
                found.append((UNREACHABLE, order, _unreachable_reason(contact), None))
            job = job_change_reason(contact, today, last)
            if job is not None:
                news = True
                found.append((JOB_CHANGE, order, job, None))
            for occasion in contact_occasions(contact):
                day = next_occurrence(occasion.month, occasion.day, today)
                if (day - today).days <= settings.birthday_days:
                    news = True
                    text = _occasion_text(occasion, day, today)
                    found.append((BIRTHDAY, (day, *order), text, day))
        if overdue >= 0:
            days = max(cadence.approx_days(), 1)
            # How late for the cadence, then a step up for silence and for news; closer
            # relationships (shorter cadences) break ties.
            score = overdue / days + (0.5 if silent > settings.slipping_days else 0.0)
            score += 0.25 if news else 0.0
            candidates.append(((-score, days, due, *order), uid))
        elif -overdue < WEEK and -overdue <= settings.soon_days:
            # Due before the week is out: picked when the budget has room, which spreads a
            # crowd that falls due together (a fresh import, a year on) over the weeks. Only
            # those the plan lists as due soon: a pick is always in some section.
            ahead.append(((due, cadence.approx_days(), *order), uid))
        for section, rank, reason, on in found:
            entry = PlanEntry(
                uid,
                name,
                section,
                due,
                overdue,
                reason,
                str(cadence),
                last,
                seen,
                False,
                touch.via if touch is not None else "",
                touch.note if touch is not None else "",
                on,
            )
            rows.append((SECTIONS.index(section), rank, entry))
    candidates.sort()
    ahead.sort()
    budget = max(settings.per_week - touched_this_week, 0)
    picks = [uid for _, uid in [*candidates, *ahead][:budget]]
    chosen = set(picks)
    rows.sort(key=lambda row: (row[0], row[1]))
    entries = [_picked(row[2]) if row[2].uid in chosen else row[2] for row in rows]
    return Plan(today, inputs, entries, picks, budget, touched_this_week, planned)


def _picked(entry: PlanEntry) -> PlanEntry:
    return replace(entry, pick=True)


def build_plan(
    source: Workspace | PlanInputs, today: date | None = None, *, record: bool | None = None
) -> Plan:
    """The plan ``outreach plan`` shows, for a workspace or for inputs you loaded yourself.

    Given a workspace, its book, journal and ``[plan]`` settings are loaded as the command
    line does (:meth:`PlanInputs.load`): without ``today`` (the real today), contacts seen
    for the first time are noted in the journal; a pretend ``today`` writes nothing.
    """
    from .planinputs import PlanInputs

    day = today or date.today()
    if isinstance(source, PlanInputs):
        return plan_from_inputs(source, day)
    inputs = PlanInputs.load(source, today, record=record)
    return plan_from_inputs(inputs, day)
