"""Where to find a contact on LinkedIn: their profile, or a people search for their name.

A profile URL comes from an address book, and address books come from anywhere, so it is
only used as a link when it really is an ``http(s)`` address on linkedin.com; anything else
(``javascript:...``, another site) is treated as unknown and replaced by a search.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit, urlunsplit

from outreach.contact import Contact

__all__ = ["ProfileLink", "find_profile", "people_search_url"]

_SEARCH = "https://www.linkedin.com/search/results/people/"
#: Whitespace or control characters: never part of a profile URL as a browser would use it.
_BAD_CHARS = re.compile(r"[\s\x00-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class ProfileLink:
    """A link to open for a contact, and whether it is their profile or only a search."""

    url: str
    #: True when ``url`` is the contact's profile; False for a people search.
    known: bool
    #: Why the book's profile URL was not used (empty when there was none, or it was used).
    note: str = ""


@functools.lru_cache(maxsize=4096)
def _clean_profile_url(raw: str) -> str | None:
    text = raw.strip()
    if not text or _BAD_CHARS.search(text):
        return None
    if "://" not in text:
        # Exports often drop the scheme: "www.linkedin.com/in/jane-doe".
        text = "https://" + text
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    if parts.scheme.lower() not in ("http", "https"):
        return None
    if host != "linkedin.com" and not host.endswith(".linkedin.com"):
        return None
    if parts.username or parts.password or not parts.path.strip("/"):
        return None
    return urlunsplit(("https", parts.netloc.lower(), parts.path, parts.query, ""))


def people_search_url(contact: Contact) -> str | None:
    """A LinkedIn people search for the contact's name (and organisation), or ``None``.

    ``None`` when the contact has no name to search for (only an email address or a UID).
    """
    name = contact.name.display.strip()
    if not name:
        return None
    keywords = f"{name} {contact.org.strip()}".strip()
    return f"{_SEARCH}?{urlencode({'keywords': keywords})}"


def find_profile(contact: Contact) -> ProfileLink | None:
    """The contact's profile link, else a people search, else ``None`` (nothing to go on)."""
    note = ""
    if contact.linkedin.strip():
        url = _clean_profile_url(contact.linkedin)
        if url is not None:
            return ProfileLink(url, True)
        note = f"the book's LinkedIn URL is not a linkedin.com profile: {contact.linkedin!r}"
    search = people_search_url(contact)
    if search is None:
        return None
    return ProfileLink(search, False, note)
