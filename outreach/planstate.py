"""What the touch plan remembers between runs, and the plan of a whole workspace.

The plan counts a contact that was already due when it first appeared from the day it first
appeared (see :mod:`outreach.touchplan`), so that day is kept in the journal's key/value table,
one ``plan.first-seen.<uid>`` key per contact. It is written once, the first time the plan is
built with the contact in the book, and never moved afterwards: a what-if run with a later
``--today`` cannot push back contacts the plan already knows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from .contact import Contact
from .journal import Journal
from .touchplan import PlanEntry, PlanSettings, build_plan
from .workspace import Workspace

__all__ = [
    "FIRST_SEEN_PREFIX",
    "WorkspacePlan",
    "load_first_seen",
    "note_first_seen",
    "plan_settings",
    "workspace_plan",
]

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


def plan_settings(workspace: Workspace) -> PlanSettings:
    """The workspace's ``[plan]`` settings."""
    return PlanSettings.from_config(workspace.section("plan"), f"{workspace.config_path} [plan]")


@dataclass(slots=True)
class WorkspacePlan:
    """The plan of a workspace on one day, with what it was built from."""

    today: date
    settings: PlanSettings
    contacts: list[Contact]
    last_touches: dict[str, date]
    first_seen: dict[str, date]
    entries: list[PlanEntry]

    def section(self, name: str) -> list[PlanEntry]:
        """The entries of one section, in plan order."""
        return [e for e in self.entries if e.section == name]


def workspace_plan(workspace: Workspace, today: date, *, record: bool = True) -> WorkspacePlan:
    """Build the plan of ``workspace`` for ``today``.

    With ``record`` (the default) contacts seen for the first time are noted in the journal,
    creating it if needed; without it nothing is written and they count as first seen today.
    """
    settings = plan_settings(workspace)
    contacts = workspace.open_book().contacts
    touches: dict[str, date] = {}
    seen: dict[str, date] = {}
    fixes: dict[str, list[str]] = {}
    if record or workspace.journal_path.exists():
        with workspace.open_journal() as journal:
            touches = journal.last_touches()
            fixes = _bounce_reasons(journal, contacts)
            if record:
                seen = note_first_seen(journal, (c.uid for c in contacts), today)
            else:
                seen = load_first_seen(journal)
    entries = build_plan(contacts, touches, settings, today, seen, fixes)
    return WorkspacePlan(today, settings, contacts, touches, seen, entries)


def _bounce_reasons(journal: Journal, contacts: list[Contact]) -> dict[str, list[str]]:
    """``fix-address`` reasons for contacts whose email addresses bounce."""
    from .bouncing import fix_address_reasons
    from .mailstate import MailState

    bounced = MailState(journal).bounced()
    if not bounced:
        return {}
    found = {c.uid: fix_address_reasons(c, bounced) for c in contacts}
    return {uid: reasons for uid, reasons in found.items() if reasons}
