"""The touch plan: when each contact is next due, from their cadence and last touch.

The next due date is the last touch plus the contact's cadence; any touch restarts the clock.
A contact without a cadence of their own takes the first matching default from
``[plan.cadence]`` in ``outreach.toml`` (by tag, then by relationship), else
``[plan] default_cadence``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .cadence import Cadence
from .contact import Contact
from .options import parse_table

__all__ = [
    "PlanEntry",
    "PlanSettings",
    "build_plan",
    "due_date",
    "effective_cadence",
    "overdue_uids",
]


@dataclass(slots=True)
class PlanSettings:
    """Table ``[plan]`` of ``outreach.toml``."""

    default_cadence: str = "yearly"
    #: Default cadences by tag or relationship, e.g. ``former-boss = "quarterly"``.
    cadence: dict[str, str] = field(default_factory=dict)
    #: How many days ahead "due soon" looks.
    soon_days: int = 14

    def __post_init__(self) -> None:
        for key, value in {"default_cadence": self.default_cadence, **self.cadence}.items():
            try:
                Cadence.parse(value)
            except ValueError as exc:
                raise ValueError(f"{key}: {exc}") from None

    @classmethod
    def from_config(cls, table: Mapping[str, Any], where: str) -> PlanSettings:
        """Parse ``[plan]``; errors name ``where``."""
        return parse_table(cls, table, where)


def effective_cadence(contact: Contact, settings: PlanSettings) -> Cadence:
    """The contact's own cadence, else the default for one of its tags or its relationship."""
    if contact.cadence is not None:
        return contact.cadence
    lowered = {k.casefold(): v for k, v in settings.cadence.items()}
    for tag in contact.tags:
        if tag.casefold() in lowered:
            return Cadence.parse(lowered[tag.casefold()])
    relationship = contact.relationship.casefold().strip()
    if relationship in lowered:
        return Cadence.parse(lowered[relationship])
    return Cadence.parse(settings.default_cadence)


def due_date(
    contact: Contact, last_touch: date | None, settings: PlanSettings, today: date
) -> date | None:
    """When the contact is next due: ``None`` for ``never``; today when never touched."""
    cadence = effective_cadence(contact, settings)
    if cadence.never:
        return None
    due = cadence.after(last_touch) if last_touch is not None else today
    if due is not None and contact.snooze_until is not None and contact.snooze_until > due:
        due = contact.snooze_until
    return due


@dataclass(frozen=True, slots=True)
class PlanEntry:
    """One contact's place in the plan."""

    uid: str
    name: str
    due: date
    overdue_days: int
    reason: str
    cadence: str
    last_touch: date | None


def build_plan(
    contacts: Iterable[Contact],
    last_touches: Mapping[str, date],
    settings: PlanSettings,
    today: date,
) -> list[PlanEntry]:
    """Every contact with a due date, most overdue first."""
    entries = []
    for contact in contacts:
        last = last_touches.get(contact.uid)
        due = due_date(contact, last, settings, today)
        if due is None:
            continue
        cadence = effective_cadence(contact, settings)
        if last is None:
            reason = "no touch recorded yet"
        else:
            reason = f"{cadence} cadence; last touch {last.isoformat()}"
        entries.append(
            PlanEntry(
                contact.uid,
                contact.display_name,
                due,
                (today - due).days,
                reason,
                str(cadence),
                last,
            )
        )
    entries.sort(key=lambda e: (-e.overdue_days, e.name.casefold()))
    return entries


def overdue_uids(
    contacts: Iterable[Contact],
    last_touches: Mapping[str, date],
    settings: PlanSettings,
    today: date,
) -> set[str]:
    """UIDs of contacts due today or earlier."""
    return {
        e.uid for e in build_plan(contacts, last_touches, settings, today) if e.overdue_days >= 0
    }
