"""A LinkedIn draft: the text to paste, counted, checked against its limit.

Rendering is where limits are enforced: a draft over its limit raises :class:`DraftTooLong`,
which stops the run before anything is written. A draft is never cut to fit, because a
message cut mid-sentence is worse than no message.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from outreach.contact import Contact
from outreach.errors import OutreachError

from .limits import KIND_LABELS, Account, Kind, count_chars, limits_for, normalise_newlines
from .options import LinkedInOptions
from .profile import ProfileLink

if TYPE_CHECKING:
    from outreach.templating import Renderer

__all__ = ["Draft", "DraftError", "DraftTooLong", "render_draft", "role_of"]


class DraftError(OutreachError):
    """A draft LinkedIn would not accept (empty, too long); the message names the contact."""


class DraftTooLong(DraftError):
    """A draft is longer than LinkedIn accepts; the message names the contact and the length."""


@dataclass(frozen=True, slots=True)
class Draft:
    """What one contact gets on LinkedIn, ready to paste."""

    kind: Kind
    #: The main text (note, message, InMail body, recommendation request message).
    text: str
    #: ``count_chars(text)``: the length LinkedIn shows.
    chars: int
    limit: int
    profile: ProfileLink
    #: InMail only.
    subject: str = ""
    subject_chars: int = 0
    subject_limit: int | None = None
    #: Recommendation requests only: the two choices LinkedIn's form asks for.
    relationship: str = ""
    position: str = ""

    @property
    def label(self) -> str:
        """The kind as people say it: "connection request note", "InMail" ..."""
        return KIND_LABELS[self.kind]


def role_of(contact: Contact) -> str:
    """The contact's role for a heading: "Head of Data at Northwind", or what is known."""
    title, org = contact.title.strip(), contact.org.strip()
    if title and org:
        return f"{title} at {org}"
    return title or org


def _who(contact: Contact) -> str:
    return f"{contact.display_name} <{contact.uid}>"


def _check(what: str, text: str, limit: int, contact: Contact, hint: str) -> int:
    chars = count_chars(text)
    if chars > limit:
        raise DraftTooLong(
            f"LinkedIn {what} for {_who(contact)} is {chars} characters, over the limit of "
            f"{limit} by {chars - limit}{hint}; shorten the template (drafts are never cut)"
        )
    return chars


def _clean(text: str) -> str:
    # Templates end with a newline and may be written with CRLF; the box holds neither.
    return normalise_newlines(text).strip()


def render_draft(
    options: LinkedInOptions,
    context: dict[str, object],
    contact: Contact,
    profile: ProfileLink,
    renderer: Renderer,
    account: Account,
) -> Draft:
    """Render one contact's draft and check every text against LinkedIn's limits."""
    if options.body:
        raw = renderer.render_string(options.body, context, name="[linkedin] body", contact=contact)
    else:
        raw = renderer.render(options.template_name, context, contact=contact)
    text = _clean(raw)
    limits = limits_for(options.kind, account)
    label = KIND_LABELS[options.kind]
    free_note = options.kind == "connection" and account == "free"
    hint = " (a free account's limit; see [linkedin] account)" if free_note else ""
    if not text:
        raise DraftError(f"LinkedIn {label} for {_who(contact)} is empty")
    chars = _check(label, text, limits.text, contact, hint)
    subject = ""
    subject_chars = 0
    if options.kind == "inmail":
        subject = " ".join(
            _clean(
                renderer.render_string(
                    options.subject, context, name="[linkedin] subject", contact=contact
                )
            ).split()
        )
        if not subject:
            raise DraftError(f"LinkedIn InMail subject for {_who(contact)} is empty")
        assert limits.subject is not None
        subject_chars = _check("InMail subject", subject, limits.subject, contact, "")
    relationship = position = ""
    if options.kind == "recommendation":
        relationship = _clean(
            renderer.render_string(
                options.relationship or "{{ contact.relationship }}",
                context,
                name="[linkedin] relationship",
                contact=contact,
            )
        )
        position = _clean(
            renderer.render_string(
                options.position, context, name="[linkedin] position", contact=contact
            )
        )
    return Draft(
        kind=options.kind,
        text=text,
        chars=chars,
        limit=limits.text,
        profile=profile,
        subject=subject,
        subject_chars=subject_chars,
        subject_limit=limits.subject,
        relationship=relationship,
        position=position,
    )
