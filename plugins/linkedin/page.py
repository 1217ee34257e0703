"""``linkedin.html``: every draft on one page, ready to copy and paste.

For each contact: name, role, a link to their profile (or, flagged, a people search when the
profile is unknown), what to click on LinkedIn, the draft in an editable box with a live
character count against its limit, and a Copy button. The page is one self-contained file:
its style and script are inline and pinned by the page's Content Security Policy, and it
loads nothing from anywhere (see :mod:`outreach.htmlpage`).
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any

from outreach.contact import Contact
from outreach.htmlpage import render_page

from .draft import Draft, role_of
from .limits import Account

__all__ = ["build_page"]

#: What to do on LinkedIn with each kind of draft.
_STEPS = {
    "connection": "On the profile, press Connect, then Add a note, and paste the note.",
    "message": "On the profile, press Message and paste the message.",
    "inmail": "On the profile, press Message (InMail) and paste the subject and the message.",
    "recommendation": (
        "On the profile, press More, then Request a recommendation; choose the relationship "
        "and position below, then paste the message."
    ),
}
#: The label of the main text box for each kind.
_BOX = {
    "connection": "Note",
    "message": "Message",
    "inmail": "Message",
    "recommendation": "Message",
}


def _asset(name: str) -> str:
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


def _rows(text: str) -> int:
    # Tall enough to show the whole draft without scrolling, within reason.
    lines = sum(max(1, len(line) // 70 + 1) for line in text.split("\n"))
    return min(max(lines + 1, 3), 24)


def _view(contact: Contact, part: str, draft: Draft) -> dict[str, Any]:
    return {
        "uid": contact.uid,
        "name": contact.display_name,
        "role": role_of(contact),
        "part": part,
        "kind": draft.kind,
        "label": draft.label[:1].upper() + draft.label[1:],
        "steps": _STEPS[draft.kind],
        "box": _BOX[draft.kind],
        "url": draft.profile.url,
        "profile_known": draft.profile.known,
        "note": draft.profile.note,
        "text": draft.text,
        "chars": draft.chars,
        "limit": draft.limit,
        "rows": _rows(draft.text),
        "subject": draft.subject,
        "subject_chars": draft.subject_chars,
        "subject_limit": draft.subject_limit,
        "relationship": draft.relationship,
        "position": draft.position,
    }


def build_page(
    campaign: str,
    drafts: Iterable[tuple[Contact, str, Draft]],
    *,
    account: Account = "premium",
    campaign_file: Path | None = None,
) -> str:
    """The page for ``(contact, part id, draft)`` triples, in order."""
    file = shlex.quote(str(campaign_file.resolve())) if campaign_file else "CAMPAIGN.toml"
    return render_page(
        _asset("page.html.j2"),
        script=_asset("page.js"),
        style=_asset("page.css"),
        campaign=campaign,
        account=account,
        drafts=[_view(contact, part, draft) for contact, part, draft in drafts],
        mark_sent=f"outreach campaign mark-sent {file} --all",
    )
