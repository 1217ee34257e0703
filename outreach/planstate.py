"""What the touch plan remembers between runs: the day it first saw each contact.

A contact never touched is due from the day they entered the book, and the plan knows that
day as the first time it saw them (see :mod:`outreach.touchplan`). It is kept in the journal's
key/value table, one ``plan.first-seen.<uid>`` key per contact, written once (when an import
adds the contact, or the first time the plan is built on the real today with the contact in
the book) and never moved afterwards. A what-if run with a pretend ``--today`` writes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from .journal import Journal

__all__ = ["FIRST_SEEN_PREFIX", "load_first_seen", "note_first_seen"]

FIRST_SEEN_PREFIX = "plan.first-seen."


def load_first_seen(journal: Journal) -> dict[str, date]:
    """UID -> the day the plan first saw the contact."""
    found = {}
    for key, value in journal.meta_items(FIRST_SEEN_PREFIX).items():
        try:
            found[key[len(FIRST_SEEN_PREFIX) :]] = date.fromisoformat(value)
        except ValueError:
            continue  # a damaged value: the contact counts as new again, nothing worse
    return found


def note_first_seen(journal: Journal, uids: Iterable[str], today: date) -> dict[str, date]:
    """Record ``today`` for every UID the plan has not seen before; return the full map."""
    known = load_first_seen(journal)
    new = [uid for uid in uids if uid not in known]
    if new:
        with journal.transaction():
            for uid in new:
                journal.set_meta(FIRST_SEEN_PREFIX + uid, today.isoformat())
                known[uid] = today
    return known
