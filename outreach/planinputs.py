"""Everything the touch plan is computed from, loaded in one place.

The plan needs the book's contacts, each contact's last touch, the day the plan first saw each
contact, and the ``[plan]`` settings. ``outreach plan``, ``outreach status``, ``contacts list
--overdue``, the reminders calendar and campaigns with ``overdue_only`` all load them through
:meth:`PlanInputs.load`, so they all see the same contacts as due; a library user gets the
same through :func:`outreach.touchplan.build_plan`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from .contact import Contact
from .journal import Journal, Touch
from .planstate import load_first_seen, note_first_seen
from .touchplan import PlanSettings

if TYPE_CHECKING:
    from .mailstate import BouncedAddress
    from .workspace import Workspace

__all__ = ["PlanInputs", "plan_settings"]


def plan_settings(workspace: Workspace) -> PlanSettings:
    """The workspace's ``[plan]`` settings."""
    return PlanSettings.from_config(workspace.section("plan"), f"{workspace.config_path} [plan]")


@dataclass(slots=True)
class PlanInputs:
    """The contacts, last touches, first-seen dates and settings a plan is built from."""

    contacts: list[Contact]
    #: UID -> the contact's most recent touch.
    touches: dict[str, Touch]
    #: UID -> the day the plan first saw the contact.
    first_seen: dict[str, date]
    settings: PlanSettings
    #: UID -> what else says a way to reach them failed, such as an email address that
    #: bounces (the card's own returned postal address is read from the contact itself).
    fix_reasons: dict[str, list[str]] = field(default_factory=dict)
    #: Every email address that bounces, in lower case (:meth:`MailState.bounced`): an
    #: address here is no way to reach its contact.
    bounced: Mapping[str, BouncedAddress] = field(default_factory=dict)

    @property
    def last_touches(self) -> dict[str, date]:
        """UID -> the day of the contact's most recent touch."""
        return {uid: touch.day for uid, touch in self.touches.items()}

    def last_touch_day(self, uid: str) -> date | None:
        """The day of the contact's most recent touch, or ``None``."""
        touch = self.touches.get(uid)
        return touch.day if touch is not None else None

    def entered(self, uid: str, today: date) -> date:
        """The day the contact entered the book as far as the plan knows (else ``today``).

        A pretend ``today`` before that day counts them as entering on it: what-if runs in
        the past see them as new, never as due in the future.
        """
        seen = self.first_seen.get(uid, today)
        return seen if seen <= today else today

    @classmethod
    def load(
        cls,
        workspace: Workspace,
        today: date | None = None,
        *,
        record: bool | None = None,
        contacts: Iterable[Contact] | None = None,
        journal: Journal | None = None,
    ) -> PlanInputs:
        """Load the plan's inputs from ``workspace``.

        ``record`` (by default: when ``today`` is ``None``, the real today) notes the contacts
        the plan sees for the first time in the journal, creating it if needed. A pretend
        ``today`` never writes: unseen contacts count as first seen on that day. ``contacts``
        and ``journal`` reuse what the caller already has open.
        """
        day = today or date.today()
        writing = today is None if record is None else record
        settings = plan_settings(workspace)
        people = list(contacts) if contacts is not None else workspace.open_book().contacts
        if journal is not None:
            return _read(journal, people, day, writing, settings)
        if writing or workspace.journal_path.exists():
            with workspace.open_journal() as opened:
                return _read(opened, people, day, writing, settings)
        return cls(people, {}, {}, settings)


def _read(
    journal: Journal, contacts: list[Contact], today: date, record: bool, settings: PlanSettings
) -> PlanInputs:
    touches = journal.latest_touches()
    if record:
        seen = note_first_seen(journal, (c.uid for c in contacts), today)
    else:
        seen = load_first_seen(journal)
    from .mailstate import MailState

    bounced = MailState(journal).bounced()
    reasons = _bounce_reasons(bounced, contacts)
    return PlanInputs(contacts, touches, seen, settings, reasons, bounced)


def _bounce_reasons(
    bounced: Mapping[str, BouncedAddress], contacts: list[Contact]
) -> dict[str, list[str]]:
    """``fix-address`` reasons for contacts whose email addresses bounce."""
    from .bouncing import fix_address_reasons

    if not bounced:
        return {}
    found = {c.uid: fix_address_reasons(c, bounced) for c in contacts}
    return {uid: reasons for uid, reasons in found.items() if reasons}
