"""The JSON shapes the command line prints; checks and other tools rely on them."""

from __future__ import annotations

from datetime import date
from typing import Any

from .contact import Address, Contact

__all__ = ["address_json", "contact_json"]


def address_json(address: Address) -> dict[str, Any]:
    """An address as JSON: street as one string (lines joined by newlines) plus its parts."""
    lines = address.street_lines
    return {
        "street": "\n".join(lines),
        "street_lines": list(lines),
        "locality": address.locality,
        "region": address.region,
        "postal_code": address.postal_code,
        "country": address.country,
        "country_code": address.country_code,
        "kind": address.kind,
        "returned": address.returned,
    }


def contact_json(contact: Contact, last_touch: date | None = None) -> dict[str, Any]:
    """A contact as JSON, with its last touch from the journal."""
    name = contact.name
    return {
        "uid": contact.uid,
        "name": contact.display_name,
        "given": name.given,
        "family": name.family,
        "nickname": name.nickname,
        "emails": [e.address for e in contact.emails],
        "phones": [p.number for p in contact.phones],
        "org": contact.org,
        "title": contact.title,
        "linkedin": contact.linkedin,
        "tags": list(contact.tags),
        "addresses": [address_json(a) for a in contact.addresses],
        "relationship": contact.relationship,
        "notes": contact.notes,
        "birthday": contact.birthday.iso() if contact.birthday else None,
        "cadence": str(contact.cadence) if contact.cadence is not None else None,
        "snooze_until": contact.snooze_until.isoformat() if contact.snooze_until else None,
        "last_touch": last_touch.isoformat() if last_touch else None,
        "past_jobs": [
            {"org": j.org, "title": j.title, "until": j.until.isoformat() if j.until else None}
            for j in contact.past_jobs
        ],
    }
