"""The LinkedIn channel's settings: a campaign's ``[linkedin]`` table and the account's.

A campaign says what kind of draft to write and from which template::

    [linkedin]
    kind = "recommendation"          # connection | message | inmail | recommendation
    template = "linkedin/recommendation.txt.j2"   # or body = "Hi {{ greeting }}, ..."
    relationship = "{{ contact.relationship }}"   # recommendation requests only
    position = "Data engineer at Northwind"       # recommendation requests only

``subject`` is for InMail only (and required there). Without ``template`` or ``body`` the
built-in template for the kind is used. The account kind belongs to the user, not to a
campaign, so it lives in ``outreach.toml``::

    [linkedin]
    account = "free"                 # connection notes are limited to 200 characters
"""

from __future__ import annotations

from dataclasses import dataclass

from .limits import Account, Kind

__all__ = ["DEFAULT_TEMPLATES", "LinkedInOptions", "LinkedInSettings"]

#: The built-in template of each kind (in ``outreach.templates``).
DEFAULT_TEMPLATES: dict[str, str] = {
    "connection": "linkedin/connection.txt.j2",
    "message": "linkedin/message.txt.j2",
    "inmail": "linkedin/inmail.txt.j2",
    "recommendation": "linkedin/recommendation.txt.j2",
}


@dataclass(slots=True)
class LinkedInOptions:
    """A campaign's ``[linkedin]`` table."""

    #: What to draft: ``connection`` (a note with a connection request), ``message`` (to a
    #: connection), ``inmail`` (to someone you are not connected to) or ``recommendation``
    #: (a request for a recommendation).
    kind: Kind = "message"
    #: The text's template file; default: the built-in one for the kind.
    template: str = ""
    #: Or the text as template source.
    body: str = ""
    #: The InMail subject line (a template); required for, and only for, InMail.
    subject: str = ""
    #: Recommendation requests: how you worked together, as LinkedIn's form asks it (a
    #: template; default: the contact's "how we know each other").
    relationship: str = ""
    #: Recommendation requests: your position at the time (a template); required.
    position: str = ""

    def __post_init__(self) -> None:
        if self.template and self.body:
            raise ValueError("give template or body, not both")
        if self.kind == "inmail" and not self.subject.strip():
            raise ValueError("an InMail needs a subject")
        if self.subject and self.kind != "inmail":
            raise ValueError(f"subject is only for kind = 'inmail', not {self.kind!r}")
        if self.kind == "recommendation":
            if not self.position.strip():
                raise ValueError(
                    "a recommendation request needs position (your position at the time, "
                    "which LinkedIn's form asks for)"
                )
        elif self.relationship or self.position:
            raise ValueError(
                f"relationship and position are only for kind = 'recommendation', not {self.kind!r}"
            )

    @property
    def template_name(self) -> str:
        """The template file to render when no ``body`` is given."""
        return self.template or DEFAULT_TEMPLATES[self.kind]


@dataclass(slots=True)
class LinkedInSettings:
    """The account's ``[linkedin]`` table in ``outreach.toml``."""

    #: ``premium`` (300-character connection notes) or ``free`` (200).
    account: Account = "premium"
