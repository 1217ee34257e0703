"""What to tell someone whose CONTACT argument named nobody, or several people."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from .contact import Contact, match_key

__all__ = ["ambiguous_message", "not_found_message"]

#: How many contacts an error lists before "and N more".
_LISTED = 5


def _label(contact: Contact) -> str:
    bits = [c for c in (contact.org, contact.primary_email or "") if c]
    detail = f", {', '.join(bits)}" if bits else ""
    return f"{contact.display_name} <{contact.uid}{detail}>"


def ambiguous_message(query: str, matches: Sequence[Contact]) -> str:
    """One line: who ``query`` matches (with UIDs) and how to name just one of them."""
    listed = "; ".join(_label(c) for c in matches[:_LISTED])
    more = f"; and {len(matches) - _LISTED} more" if len(matches) > _LISTED else ""
    return (
        f"{query!r} matches {len(matches)} contacts: {listed}{more}. Name one by its UID or "
        "email address (or join them if they are one person: outreach contacts merge UID UID)"
    )


def not_found_message(query: str, contacts: Iterable[Contact]) -> str:
    """One line: nobody matches ``query``, and the closest names when some are near."""
    # Imported here: only a failed lookup needs it, and every command starts faster without.
    import difflib

    by_name: dict[str, str] = {}
    for contact in contacts:
        by_name.setdefault(match_key(contact.display_name), contact.display_name)
    close = difflib.get_close_matches(match_key(query), list(by_name), n=3, cutoff=0.7)
    if close:
        names = ", ".join(repr(by_name[c]) for c in close)
        return f"no contact matches {query!r}; did you mean {names}?"
    return f"no contact matches {query!r} (try a UID or an email address)"
