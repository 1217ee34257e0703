"""Reminders in your calendar: an iCalendar file of who is due and of the habits to keep.

``outreach reminders --ics FILE`` writes:

* a to-do (VTODO) for each of this week's picks among the due contacts and each contact due
  soon, due on the day the plan says (``--events`` writes all-day events instead, for
  calendars such as Google Calendar that ignore to-dos on import);
* a yearly all-day event (VEVENT with RRULE) for each birthday and other date a contact's card
  holds (anniversaries, Apple's labelled dates), on the day, with an alert;
* recurring all-day events (VEVENT with RRULE) for the habits: add two new LinkedIn
  connections every two weeks, back up monthly, the yearly catch-up, holiday-card season
  (table ``[reminders]`` of ``outreach.toml`` sets or turns off each one).

Importing the file again must update what the calendar already has, never duplicate it. So
every item has a stable UID (a digest of the contact's UID, or the habit's name), an explicit
DTSTAMP, and a SEQUENCE that goes up whenever the item's content changes; the journal keeps the
last SEQUENCE and content digest of each item (``reminders.item.<UID>`` keys). A to-do written
earlier whose contact is no longer due is written again as COMPLETED (they were touched) or
CANCELLED (snoozed, cadence changed, removed), so the calendar closes it.

The file is written line by line: TEXT values escaped as RFC 5545 says (a newline in a name
becomes ``\\n`` and can never start a property), lines folded at 75 octets, never inside a
character. vobject, which builds it at about a millisecond an item, was too slow for a book
with thousands of birthdays, and folds by characters rather than octets.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, astuple, dataclass, field, fields
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from . import __version__
from .cadence import Cadence
from .contact import Contact
from .errors import InputError
from .fsutil import atomic_write
from .journal import Journal
from .occasions import contact_occasions, next_occurrence
from .options import parse_table
from .touchplan import (
    OVERDUE,
    SLIPPING,
    SOON,
    Plan,
    PlanEntry,
    PlanSettings,
    build_plan,
    cadence_resolver,
)
from .workspace import Workspace

__all__ = [
    "PRODID",
    "CalendarItem",
    "ReminderReport",
    "ReminderSettings",
    "ReminderState",
    "cadence_rrule",
    "contact_items",
    "fold_line",
    "habit_items",
    "occasion_items",
    "to_ics",
    "write_reminders",
]

PRODID = f"-//outreach//outreach {__version__}//EN"
_DOMAIN = "outreach"
_STATE_PREFIX = "reminders.item."
_ANCHOR_KEY = "reminders.anchor"
_MONTH_DAY = re.compile(r"^(\d{2})-(\d{2})$")
# Control characters other than tab and newline are not allowed in iCalendar text.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
#: The plan sections that become to-dos, and their priority (1 is the most urgent).
_PRIORITY = {SLIPPING: 1, OVERDUE: 5, SOON: 9}


def _month_day(value: str, key: str) -> tuple[int, int] | None:
    if not value.strip():
        return None
    match = _MONTH_DAY.match(value.strip())
    if not match:
        raise ValueError(f"{key} must be a day of the year as MM-DD (or empty), not {value!r}")
    month, day = int(match[1]), int(match[2])
    try:
        date(2001, month, day)  # not a leap year: the day must exist every year
    except ValueError:
        raise ValueError(f"{key}: {value!r} is not a day that exists every year") from None
    return month, day


@dataclass(slots=True)
class ReminderSettings:
    """Table ``[reminders]`` of ``outreach.toml``; ``never`` or an empty date turns one off."""

    #: How often to add two new LinkedIn connections.
    connections: str = "P2W"
    #: How often to back up the book (``outreach backup``).
    backup: str = "monthly"
    #: The day of the yearly catch-up, MM-DD.
    catch_up: str = "01-15"
    #: The day holiday-card season starts, MM-DD.
    holiday_cards: str = "11-15"

    def __post_init__(self) -> None:
        for key in ("connections", "backup"):
            try:
                cadence_rrule(Cadence.parse(getattr(self, key)))
            except ValueError as exc:
                raise ValueError(f"{key}: {exc}") from None
        _month_day(self.catch_up, "catch_up")
        _month_day(self.holiday_cards, "holiday_cards")

    @classmethod
    def from_config(cls, table: Mapping[str, Any], where: str) -> ReminderSettings:
        """Parse ``[reminders]``; errors name ``where``."""
        return parse_table(cls, table, where)


def cadence_rrule(cadence: Cadence) -> str:
    """The RRULE of a cadence (``P2W`` -> ``FREQ=WEEKLY;INTERVAL=2``); "" for ``never``.

    Raises :class:`ValueError` for a mix of months and days, which no RRULE expresses.
    """
    if cadence.never:
        return ""
    months = cadence.years * 12 + cadence.months
    days = cadence.weeks * 7 + cadence.days
    if months and days:
        raise ValueError(
            f"{cadence} mixes months and days; use whole weeks, months or years for a reminder"
        )
    if months:
        freq, interval = ("YEARLY", months // 12) if months % 12 == 0 else ("MONTHLY", months)
    elif days % 7 == 0:
        freq, interval = "WEEKLY", days // 7
    else:
        freq, interval = "DAILY", days
    return f"FREQ={freq}" + (f";INTERVAL={interval}" if interval > 1 else "")


@dataclass(frozen=True, slots=True)
class CalendarItem:
    """A to-do or an all-day event, before it is given its SEQUENCE and DTSTAMP."""

    component: Literal["VTODO", "VEVENT"]
    uid: str
    summary: str
    description: str = ""
    #: A to-do's due date.
    due: date | None = None
    #: An all-day event's day (the first one of a recurring event).
    day: date | None = None
    rrule: str = ""
    #: NEEDS-ACTION, COMPLETED or CANCELLED for a to-do; CONFIRMED or CANCELLED for an event.
    status: str = ""
    completed: date | None = None
    #: 1 (most urgent) to 9; 0 for none.
    priority: int = 0
    #: A display alarm at 09:00 on the day (all-day events).
    alarm: bool = False
    categories: tuple[str, ...] = ("outreach",)

    def digest(self) -> str:
        """A digest of the content, to tell whether it changed since it was last written."""
        return hashlib.sha256(repr(astuple(self)).encode("utf-8")).hexdigest()[:20]


def _item_uid(kind: str, key: str) -> str:
    token = hashlib.sha256(key.encode("utf-8")).hexdigest()[:24]
    return f"{kind}-{token}@{_DOMAIN}"


def _clean(text: str) -> str:
    return _CONTROL.sub(" ", text.replace("\r\n", "\n").replace("\r", "\n"))


def _one_line(text: str) -> str:
    return " ".join(_clean(text).split())


def _how_to_reach(contact: Contact) -> list[str]:
    lines = []
    if contact.primary_email:
        lines.append(f"Email: {contact.primary_email}")
    if contact.phones:
        lines.append(f"Phone: {contact.phones[0].number}")
    if contact.linkedin:
        lines.append(f"LinkedIn: {contact.linkedin}")
    return lines


def contact_items(
    entries: Iterable[PlanEntry],
    contacts: Mapping[str, Contact],
    today: date,
    *,
    events: bool = False,
) -> list[CalendarItem]:
    """A to-do (or, with ``events``, an all-day event) per contact in a due section.

    An overdue contact's event goes on ``today``: an event in the past is never seen.
    """
    items = []
    for entry in entries:
        priority = _PRIORITY.get(entry.section)
        if priority is None or (entry.section != SOON and not entry.pick):
            continue  # due but not among this week's picks: the calendar stays paced too
        contact = contacts.get(entry.uid)
        name = _one_line(entry.name)
        summary = f"Get in touch with {name}"
        if entry.section == SLIPPING:
            summary += " (slipping away)"
        history = (
            f"last touch {entry.last_touch.isoformat()}" if entry.last_touch else "never touched"
        )
        lines = [_one_line(f"{entry.reason} ({entry.cadence} cadence; {history})")]
        if entry.last_note:
            lines.append(_one_line(f"Last time: {entry.last_note}"))
        if contact is not None:
            if contact.relationship:
                lines.append(f"How you know each other: {_one_line(contact.relationship)}")
            lines.extend(_one_line(line) for line in _how_to_reach(contact))
        lines.append(f'When done: outreach touch {entry.uid} --via call --note "..."')
        description = "\n".join(lines)
        if events:
            items.append(
                CalendarItem(
                    "VEVENT",
                    _item_uid("due", entry.uid),
                    summary,
                    description,
                    day=max(entry.due, today),
                    status="CONFIRMED",
                    priority=priority,
                )
            )
        else:
            items.append(
                CalendarItem(
                    "VTODO",
                    _item_uid("todo", entry.uid),
                    summary,
                    description,
                    due=entry.due,
                    status="NEEDS-ACTION",
                    priority=priority,
                )
            )
    return items


def occasion_items(
    contacts: Iterable[Contact], settings: PlanSettings, anchor: date
) -> list[CalendarItem]:
    """A yearly all-day event for each birthday and remembered date of planned contacts.

    The series starts on the date itself when the year is known, else on its first
    occurrence on or after ``anchor`` (the first export), so it stays put between exports.
    29 February repeats on the last day of February.
    """
    items = []
    cadence_of = cadence_resolver(settings)
    for contact in contacts:
        if cadence_of(contact).never:
            continue  # kept out of the plan altogether, reminders included
        name = _one_line(contact.display_name)
        for occasion in contact_occasions(contact):
            leap = (occasion.month, occasion.day) == (2, 29)
            if occasion.year is not None:
                first = date(occasion.year, occasion.month, occasion.day)
            else:
                first = next_occurrence(occasion.month, occasion.day, anchor)
            label = _one_line(occasion.label)
            summary = f"{name}'s birthday" if occasion.is_birthday else f"{name}: {label}"
            occasion_words = "your birthday" if occasion.is_birthday else f"your {label}"
            lines = [
                "A short greeting on the day keeps you in touch:",
                f'outreach congrats {contact.uid} --for "{occasion_words}"',
            ]
            lines.extend(_one_line(line) for line in _how_to_reach(contact))
            items.append(
                CalendarItem(
                    "VEVENT",
                    _item_uid("date", f"{contact.uid}|{occasion.key()}"),
                    summary,
                    "\n".join(lines),
                    day=first,
                    rrule="FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=-1" if leap else "FREQ=YEARLY",
                    status="CONFIRMED",
                    alarm=True,
                    categories=("outreach", "birthday" if occasion.is_birthday else "date"),
                )
            )
    return items


def _on_or_after(day: date, month: int, dom: int) -> date:
    candidate = date(day.year, month, dom)
    return candidate if candidate >= day else date(day.year + 1, month, dom)


def _habit(name: str, summary: str, description: str, day: date, rrule: str) -> CalendarItem:
    return CalendarItem(
        "VEVENT",
        f"habit-{name}@{_DOMAIN}",
        summary,
        description,
        day=day,
        rrule=rrule,
        status="CONFIRMED",
        alarm=True,
    )


def habit_items(settings: ReminderSettings, anchor: date) -> list[CalendarItem]:
    """The recurring habit reminders, starting on or after ``anchor``.

    ``anchor`` is the day reminders were first written, kept in the journal, so the series
    keep their first day from one export to the next.
    """
    items = []
    connections = cadence_rrule(Cadence.parse(settings.connections))
    if connections:
        monday = anchor + timedelta(days=(7 - anchor.weekday()) % 7)
        items.append(
            _habit(
                "connections",
                "Add two new LinkedIn connections",
                "Two people you would vouch for: someone you worked with, met at an event or "
                "who helped you. Write a personal note, and record how you know them:\n"
                'outreach contacts set NAME --relationship "..."',
                monday,
                connections,
            )
        )
    backup = cadence_rrule(Cadence.parse(settings.backup))
    if backup:
        first = anchor if anchor.day == 1 else (anchor.replace(day=28) + timedelta(days=4))
        items.append(
            _habit(
                "backup",
                "Back up your address book",
                "Three copies: one local, one in the cloud, one on another device.\n"
                "outreach backup DEST...",
                first.replace(day=1),
                backup,
            )
        )
    catch_up = _month_day(settings.catch_up, "catch_up")
    if catch_up:
        items.append(
            _habit(
                "catch-up",
                "Yearly catch-up",
                "Write to everyone you have not been in touch with this year, not because "
                "you want something, just to hear how they are.\noutreach plan",
                _on_or_after(anchor, *catch_up),
                "FREQ=YEARLY",
            )
        )
    cards = _month_day(settings.holiday_cards, "holiday_cards")
    if cards:
        items.append(
            _habit(
                "holiday-cards",
                "Holiday-card season",
                "Fix the addresses that came back (outreach plan), add a handwritten line for "
                'those you neglected this year (outreach contacts set NAME --card-note "..."), '
                "then print, sign and post the cards.",
                _on_or_after(anchor, *cards),
                "FREQ=YEARLY",
            )
        )
    return items


@dataclass(slots=True)
class _Written:
    """What the journal remembers of an item written before."""

    seq: int
    digest: str
    component: str
    summary: str
    status: str
    #: The contact's last touch when the item was last written open: a later touch closes
    #: the to-do as COMPLETED, no touch as CANCELLED.
    last_touch: str | None = None
    completed: str | None = None
    due: str | None = None
    day: str | None = None

    @property
    def open(self) -> bool:
        return self.status not in ("COMPLETED", "CANCELLED")

    def dump(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def load(cls, text: str) -> _Written | None:
        """The entry saved as ``text``, or ``None`` when it is damaged in any way."""
        try:
            data = json.loads(text)
            written = cls(**{f.name: data[f.name] for f in fields(cls) if f.name in data})
            texts = (written.digest, written.component, written.summary, written.status)
            if type(written.seq) is not int or not all(isinstance(t, str) for t in texts):
                return None
            for day in (written.last_touch, written.completed, written.due, written.day):
                _as_date(day)  # ValueError or TypeError when it is not an ISO date
        except (ValueError, KeyError, TypeError):
            return None
        return written


def _as_date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


@dataclass(slots=True)
class ReminderState:
    """The items written before, read from and saved to the journal."""

    items: dict[str, _Written] = field(default_factory=dict)
    anchor: date | None = None

    @classmethod
    def load(cls, journal: Journal) -> ReminderState:
        """Read what earlier exports wrote (a damaged entry counts as never written)."""
        items = {}
        for key, value in journal.meta_items(_STATE_PREFIX).items():
            written = _Written.load(value)
            if written is not None:
                items[key[len(_STATE_PREFIX) :]] = written
        try:
            anchor = _as_date(journal.get_meta(_ANCHOR_KEY))
        except ValueError:
            anchor = None
        return cls(items, anchor)

    def save(self, journal: Journal) -> None:
        """Write the state back (one transaction)."""
        with journal.transaction():
            if self.anchor is not None:
                journal.set_meta(_ANCHOR_KEY, self.anchor.isoformat())
            for uid, written in self.items.items():
                journal.set_meta(_STATE_PREFIX + uid, written.dump())

    def closing_items(
        self, current: set[str], touch_of: Mapping[str, date | None]
    ) -> list[CalendarItem]:
        """Items written before that are no longer current, closed.

        A to-do whose contact was touched since it was written is COMPLETED on that day;
        anything else (snoozed, cadence changed, contact removed, habit turned off) is
        CANCELLED. An item closed before is written again as it was, so a calendar that
        missed the earlier file still closes it.
        """
        closing = []
        for uid, written in sorted(self.items.items()):
            if uid in current:
                continue
            if written.open:
                touch = touch_of.get(uid)
                touched = touch is not None and (
                    written.last_touch is None or touch.isoformat() > written.last_touch
                )
                is_todo = written.component == "VTODO"
                status = "COMPLETED" if touched and is_todo else "CANCELLED"
                completed = touch if status == "COMPLETED" else None
            else:
                status, completed = written.status, _as_date(written.completed)
            closing.append(
                CalendarItem(
                    "VTODO" if written.component == "VTODO" else "VEVENT",
                    uid,
                    written.summary,
                    due=_as_date(written.due),
                    day=_as_date(written.day),
                    status=status,
                    completed=completed,
                )
            )
        return closing

    def number(self, item: CalendarItem, touch: date | None) -> int:
        """The item's SEQUENCE (one more whenever its content changed), noting it as written."""
        before = self.items.get(item.uid)
        digest = item.digest()
        if before is None:
            seq = 0
        elif before.digest == digest:
            seq = before.seq
        else:
            seq = before.seq + 1
        self.items[item.uid] = _Written(
            seq,
            digest,
            item.component,
            item.summary,
            item.status,
            touch.isoformat() if touch else None,
            item.completed.isoformat() if item.completed else None,
            item.due.isoformat() if item.due else None,
            item.day.isoformat() if item.day else None,
        )
        return seq


def fold_line(line: str, limit: int = 75) -> str:
    """Fold a content line at ``limit`` octets (RFC 5545 3.1), never inside a character."""
    data = line.encode("utf-8")
    if len(data) <= limit:
        return line
    parts: list[str] = []
    current: list[str] = []
    size = 0
    budget = limit
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > budget:
            parts.append("".join(current))
            current, size = [], 0
            budget = limit - 1  # a continuation line starts with a space
        current.append(char)
        size += width
    parts.append("".join(current))
    return "\r\n ".join(parts)


def _text(value: str) -> str:
    """A TEXT value escaped as RFC 5545 3.3.11 says: a newline can never end the property."""
    value = _clean(value)
    for char, escaped in (("\\", "\\\\"), (";", "\\;"), (",", "\\,"), ("\n", "\\n")):
        value = value.replace(char, escaped)
    return value


def _ics_date(day: date) -> str:
    return day.strftime("%Y%m%d")


def _item_lines(item: CalendarItem, seq: int, stamp: str) -> list[str]:
    lines = [
        f"BEGIN:{item.component}",
        f"UID:{_text(item.uid)}",
        f"DTSTAMP:{stamp}",
        f"SEQUENCE:{seq}",
        f"SUMMARY:{_text(item.summary)}",
    ]
    if item.description:
        lines.append(f"DESCRIPTION:{_text(item.description)}")
    if item.categories:
        lines.append("CATEGORIES:" + ",".join(_text(c) for c in item.categories))
    if item.status:
        lines.append(f"STATUS:{item.status}")
    if item.priority:
        lines.append(f"PRIORITY:{item.priority}")
    if item.due is not None:
        lines.append(f"DUE;VALUE=DATE:{_ics_date(item.due)}")
    if item.completed is not None:
        lines.append(f"COMPLETED:{_ics_date(item.completed)}T120000Z")
        lines.append("PERCENT-COMPLETE:100")
    if item.day is not None:
        lines.append(f"DTSTART;VALUE=DATE:{_ics_date(item.day)}")
        lines.append(f"DTEND;VALUE=DATE:{_ics_date(item.day + timedelta(days=1))}")
        lines.append("TRANSP:TRANSPARENT")
    if item.rrule:
        lines.append(f"RRULE:{item.rrule}")
    if item.alarm:
        lines.extend(
            [
                "BEGIN:VALARM",
                "ACTION:DISPLAY",
                f"DESCRIPTION:{_text(item.summary)}",
                "TRIGGER:PT9H",
                "END:VALARM",
            ]
        )
    lines.append(f"END:{item.component}")
    return lines


def to_ics(items: Iterable[tuple[CalendarItem, int]], now: datetime) -> bytes:
    """The calendar file: each item with its SEQUENCE, all stamped ``now``.

    Written line by line rather than through vobject, which takes about a millisecond an
    item: a book with thousands of birthdays writes thousands of yearly events.
    """
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "METHOD:PUBLISH",
        f"PRODID:{PRODID}",
        "X-WR-CALNAME:outreach",
    ]
    for item, seq in items:
        lines.extend(_item_lines(item, seq, stamp))
    lines.append("END:VCALENDAR")
    return "".join(fold_line(line) + "\r\n" for line in lines).encode("utf-8")


@dataclass(slots=True)
class ReminderReport:
    """What ``write_reminders`` wrote."""

    path: Path | None
    todos: int
    events: int
    habits: int
    closed: int
    data: bytes
    #: Yearly events for birthdays and other remembered dates.
    dates: int = 0


def write_reminders(
    workspace: Workspace,
    path: Path | None,
    *,
    today: date,
    now: datetime | None = None,
    events: bool = False,
    plan: Plan | None = None,
    record: bool = False,
) -> ReminderReport:
    """Write the reminders calendar to ``path`` (``None``: only return it) and note it.

    ``now`` is the DTSTAMP (default: the current time); ``plan`` is built for ``today`` when
    not given (``record``: noting contacts the plan sees for the first time, as ``outreach
    plan`` does on the real today). The journal keeps each item's SEQUENCE so that importing
    again updates.
    """
    settings = ReminderSettings.from_config(
        workspace.section("reminders"), f"{workspace.config_path} [reminders]"
    )
    plan = plan or build_plan(workspace, today, record=record)
    stamp = now or datetime.now(UTC)
    contacts = {c.uid: c for c in plan.inputs.contacts}
    last_touches = plan.inputs.last_touches
    current = contact_items(plan.entries, contacts, today, events=events)
    touch_of: dict[str, date | None] = {}
    for uid in contacts:
        for kind in ("todo", "due"):
            touch_of[_item_uid(kind, uid)] = last_touches.get(uid)
    with workspace.open_journal() as journal:
        state = ReminderState.load(journal)
        if state.anchor is None:
            state.anchor = today
        dates = occasion_items(plan.inputs.contacts, plan.settings, state.anchor)
        current.extend(dates)
        habits = habit_items(settings, state.anchor)
        closing = state.closing_items({i.uid for i in [*current, *habits]}, touch_of)
        numbered = [
            (item, state.number(item, touch_of.get(item.uid)))
            for item in [*current, *habits, *closing]
        ]
        data = to_ics(numbered, stamp)
        if path is not None:
            try:
                atomic_write(path, data)  # names and addresses: private, like the book
            except OSError as exc:
                raise InputError(f"{path}: cannot write: {exc.strerror or exc}") from None
        state.save(journal)
    return ReminderReport(
        path,
        sum(1 for i in current if i.component == "VTODO"),
        sum(1 for i in current if i.component == "VEVENT") - len(dates),
        len(habits),
        len(closing),
        data,
        len(dates),
    )
