"""Recording what happened to deliveries: the one path by which delivery outcomes reach the
journal.

The engine records every outcome a channel reports through :func:`record_finished`, and so do
the core's other ways of settling a delivery (marking LinkedIn drafts as sent, a quick
congratulations), so a delivery that becomes ``sent`` or ``printed`` always gets its touch for
the touch plan, the same way, whoever settled it.

What mail coming back says about a delivery afterwards (``replied``, ``bounced``) is not an
outcome of delivering it and records no send touch: :mod:`outreach.mailsync` writes those
statuses itself, in the same transaction as its sync state and the touches the mail shows.
No channel writes the journal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from .delivery import TOUCHING, DeliveryKey, Outcome
from .journal import Journal, Record, Touch

__all__ = ["Finished", "record_finished", "record_touch_once"]


@dataclass(frozen=True, slots=True)
class Finished:
    """One delivery's outcome, ready to record."""

    key: DeliveryKey
    outcome: Outcome
    #: The address it went to; ``None`` keeps the one recorded before.
    address: str | None = None
    #: The touch's note when the outcome counts as a touch (a subject, a card's first words).
    note: str = ""


def record_finished(journal: Journal, finished: Sequence[Finished], day: date | None) -> None:
    """Record each outcome and, for a sent or printed one, a touch on ``day``.

    Two statements whatever the number; the caller decides the commit (inside
    :meth:`Journal.transaction` they commit together). ``day=None`` records the outcomes
    only, for a caller that records the conversation's single touch itself.
    """
    records = [
        Record(f.key, f.outcome.status, f.address, f.outcome.message_id, f.outcome.error)
        for f in finished
    ]
    journal.record_many(records)
    if day is None:
        return
    touches = [
        Touch(f.key.contact_uid, day, f.key.channel, f.note, f.key.campaign)
        for f in finished
        if f.outcome.status in TOUCHING
    ]
    if touches:
        journal.add_touches(touches)


def record_touch_once(
    journal: Journal, contact_uid: str, day: date, via: str, note: str, campaign: str | None
) -> bool:
    """Record a touch unless the same one (day, way, note) is there already; True if added."""
    for existing in journal.touches(contact_uid):
        if existing.day == day and existing.via == via and existing.note == note:
            return False
    journal.add_touch(contact_uid, day, via, note, campaign=campaign)
    return True
