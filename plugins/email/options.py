"""A campaign's ``[email]`` table: what the message says, never how it is sent.

Server settings and rate limits belong to the account (``outreach.toml``, see
:mod:`.settings`); the core rejects them in a campaign. Every text here is a Jinja template
rendered per contact (subject, body, addresses, attachment paths), except ``template``,
``html_template`` and ``ics``, which name template files (campaign folder first, then the
workspace's ``templates/``, then the built-in ones).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from outreach.options import parse_table

__all__ = ["EmailOptions", "parse_options"]


@dataclass(slots=True)
class EmailOptions:
    """The ``[email]`` table of a campaign (or of one of its parts)."""

    #: The subject line; ``subject = ""`` (given, empty) sends without one, as mailmerge
    #: does for a template without SUBJECT, and the run warns.
    subject: str = ""
    #: The text body's template file, e.g. ``catch-up.txt.j2``.
    template: str = ""
    #: Or the text body itself.
    body: str = ""
    #: An HTML alternative from a template file (``.html.j2`` files are autoescaped).
    html_template: str = ""
    #: Or: the text body is Markdown; an HTML alternative is made from it (raw HTML in it is
    #: shown as text, so contact data can never add markup).
    markdown: bool = False
    #: Files to attach, relative to the campaign folder; paths may use template variables.
    attachments: list[str] = field(default_factory=list)
    #: A calendar invitation: an ``.ics`` template file, rendered per contact and attached.
    ics: str = ""
    #: The name the invitation has in the message.
    ics_name: str = "invitation.ics"
    #: The From address (``Name <address>``); default: ``[me]`` in outreach.toml.
    sender: str = ""
    reply_to: str = ""
    cc: list[str] = field(default_factory=list)
    #: Blind copies: only in the envelope, never in a header.
    bcc: list[str] = field(default_factory=list)
    #: A CSV file (a column ``email``) whose row for the contact's address is the template
    #: variable ``row``; mailmerge databases become this.
    data: str = ""
    #: The column of ``data`` that holds the email address.
    data_key: str = "email"

    def __post_init__(self) -> None:
        if bool(self.template) == bool(self.body):
            raise ValueError("give either template or body")
        if self.markdown and self.html_template:
            raise ValueError("give markdown = true or html_template, not both")
        if self.ics_name and ("/" in self.ics_name or "\\" in self.ics_name):
            raise ValueError("ics_name is a file name, not a path")


def parse_options(table: Mapping[str, Any], where: str) -> EmailOptions:
    """Check a campaign's ``[email]`` table; ``from`` is accepted for ``sender``."""
    table = dict(table)
    if "from" in table:
        if "sender" in table:
            from outreach.errors import ConfigError

            raise ConfigError(f"{where}: give 'from' or 'sender', not both")
        table["sender"] = table.pop("from")
    options = parse_table(EmailOptions, table, where)
    # Only an explicit empty subject sends none: a missing or blank one is a mistake.
    if "subject" not in table or (options.subject and not options.subject.strip()):
        from outreach.errors import ConfigError

        raise ConfigError(f'{where}: subject is required (subject = "" sends none)')
    return options
