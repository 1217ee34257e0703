"""Drafts a person sends by hand, marked as sent once they have been.

Some channels cannot send (LinkedIn has no API for messages): they write drafts, and a run
with ``--send`` records each as ``drafted``. Once the user has pasted and sent them, they say
so, and the drafts become ``sent`` with a touch, which restarts the contact's cadence in the
touch plan. Two ways in:

* ``outreach campaign mark-sent FILE CONTACT... [--all]``: :func:`mark_campaign_sent`, for the
  drafts of one campaign (recorded ``drafted``, or only planned when the drafts came from a
  dry run);
* ``outreach touch CONTACT --via linkedin``: :func:`mark_contact_drafts_sent`, for every draft
  the journal holds for that contact on that channel.

Nothing is marked twice: a draft already ``sent`` is reported and left alone, so a second
``mark-sent`` adds no second touch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from .delivery import DRAFTED, SENT, DeliveryKey, Outcome
from .errors import InputError
from .journal import Delivery, Journal
from .recorder import Finished, record_finished

if TYPE_CHECKING:
    from .addressbook import AddressBook
    from .campaign import Campaign
    from .contact import Contact
    from .engine import Engine

__all__ = ["MarkResult", "mark_campaign_sent", "mark_contact_drafts_sent"]


@dataclass(slots=True)
class MarkResult:
    """What marking did: pieces now sent, and pieces that already were."""

    marked: list[tuple[DeliveryKey, str]] = field(default_factory=list)
    already: list[DeliveryKey] = field(default_factory=list)


def _note(key: DeliveryKey) -> str:
    return f"{key.channel} draft marked sent ({key.campaign}, {key.part})"


def mark_contact_drafts_sent(journal: Journal, contact_uid: str, channel: str) -> list[Delivery]:
    """Mark every ``drafted`` piece of one contact on ``channel`` as sent; no touch is added.

    The caller records the touch itself (``outreach touch`` already does), so one
    conversation is one touch however many drafts it settles.
    """
    # Read inside the write transaction, so no other process changes a status in between.
    with journal.transaction():
        drafted = [
            d
            for d in journal.deliveries()
            if d.key.contact_uid == contact_uid
            and d.key.channel == channel
            and d.status == DRAFTED
        ]
        record_finished(journal, [Finished(d.key, Outcome(SENT)) for d in drafted], None)
    return drafted


def mark_campaign_sent(
    engine: Engine,
    campaign: Campaign,
    contacts: list[Contact] | None,
    *,
    channel: str,
    day: date,
    book: AddressBook | None = None,
) -> MarkResult:
    """Mark a campaign's drafts on ``channel`` as sent: for ``contacts``, or all when ``None``.

    A draft counts when the journal has it as ``drafted`` or the campaign's plan still has it
    to deliver (drafts written by a dry run are never recorded). Each one marked gets a touch.
    A named contact with no such draft is an error, raised before anything is recorded.
    ``book`` is the workspace's address book when the caller has it open already.
    """
    book = book if book is not None else engine.workspace.open_book()
    # Read and write in one write transaction: two marks at once (two terminals, a script)
    # would otherwise both read a draft as unsent and both add its touch.
    with engine.workspace.open_journal() as journal, journal.transaction():
        candidates: dict[DeliveryKey, str] = {}
        already: list[DeliveryKey] = []
        for delivery in journal.deliveries(campaign.name):
            if delivery.key.channel != channel:
                continue
            if delivery.status == DRAFTED:
                candidates[delivery.key] = delivery.address
            elif delivery.status == SENT:
                already.append(delivery.key)
        plan = engine.plan(campaign, book=book, journal=journal)
        for item in plan.todo:
            if item.channel == channel:
                candidates.setdefault(item.key, item.address)
        if contacts is not None:
            with_drafts = {k.contact_uid for k in [*candidates, *already]}
            for contact in contacts:
                if contact.uid not in with_drafts:
                    raise InputError(
                        f"{contact.display_name} <{contact.uid}> has no {channel} draft in "
                        f"campaign {campaign.name}"
                    )
            wanted = {c.uid for c in contacts}
            candidates = {k: a for k, a in candidates.items() if k.contact_uid in wanted}
            already = [k for k in already if k.contact_uid in wanted]
        result = MarkResult(already=already, marked=list(candidates.items()))
        marked = [Finished(k, Outcome(SENT), a, _note(k)) for k, a in result.marked]
        record_finished(journal, marked, day)
        return result
