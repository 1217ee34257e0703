"""Email addresses that bounce, as campaigns and the touch plan see them.

``outreach mail sync`` notes every address a permanent failure was reported for
(:mod:`outreach.mailstate`). From then on campaigns leave that address out and use the
contact's next one, and the plan lists the contact under ``fix-address`` ("email X bounced on
DATE"), until the address is changed in the book or the user says it works again
(``outreach contacts set CONTACT --email-ok ADDRESS``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from .contact import Contact
from .mailstate import BouncedAddress

__all__ = ["bouncing_addresses", "fix_address_reasons", "without_bouncing"]


def bouncing_addresses(contact: Contact, bounced: Mapping[str, BouncedAddress]) -> list[str]:
    """The contact's addresses that bounce, as written in the book."""
    if not bounced:
        return []
    return [e.address for e in contact.emails if e.address.strip().lower() in bounced]


def without_bouncing(contact: Contact, bounced: Mapping[str, BouncedAddress]) -> Contact:
    """The contact as campaigns should see it: its bouncing addresses left out.

    The contact itself is not changed (a copy is returned when there is anything to leave
    out), so the book is never rewritten because mail bounced.
    """
    if not bouncing_addresses(contact, bounced):
        return contact
    kept = [e for e in contact.emails if e.address.strip().lower() not in bounced]
    return dataclasses.replace(contact, emails=kept)


def fix_address_reasons(contact: Contact, bounced: Mapping[str, BouncedAddress]) -> list[str]:
    """The plan's ``fix-address`` reasons for the contact's bouncing addresses."""
    reasons = []
    for address in bouncing_addresses(contact, bounced):
        entry = bounced[address.strip().lower()]
        text = f"email {address} bounced on {entry.day.isoformat()}"
        if entry.diagnostic:
            text += f" ({entry.diagnostic})"
        reasons.append(text)
    return reasons
