"""Job changes: a new employer or title is the natural moment to congratulate someone.

When an import (``--prefer incoming``) or ``contacts set`` gives a contact a new employer or
title, the previous one is kept as a :class:`~outreach.contact.PastJob` dated the day the
change was seen. For :data:`JOB_CHANGE_DAYS` after that day the touch plan lists the contact
in the ``job-change`` section, until a touch is recorded after the change.
"""

from __future__ import annotations

from datetime import date

from .contact import Contact

__all__ = ["JOB_CHANGE", "JOB_CHANGE_DAYS", "job_change_reason"]

#: The plan section of contacts with a recent job change.
JOB_CHANGE = "job-change"
#: How long a job change stays in the plan.
JOB_CHANGE_DAYS = 30


def job_change_reason(contact: Contact, today: date, last_touch: date | None) -> str | None:
    """Why the contact belongs in the ``job-change`` section today, or ``None``.

    They do from the day the change was seen for :data:`JOB_CHANGE_DAYS` days, unless a touch
    was recorded on or after that day (the congratulations already sent).
    """
    if not contact.past_jobs:
        return None
    previous = contact.past_jobs[0]
    seen = previous.until
    if seen is None or not 0 <= (today - seen).days < JOB_CHANGE_DAYS:
        return None
    if last_touch is not None and last_touch >= seen:
        return None
    now = ", ".join(p for p in (contact.org, contact.title) if p) or "(none)"
    left = JOB_CHANGE_DAYS - (today - seen).days
    return (
        f"new job: {previous.describe()} -> {now} (seen {seen.isoformat()}); "
        f"a moment to congratulate, {left} days left"
    )
