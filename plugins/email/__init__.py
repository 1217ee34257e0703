"""The email channel: personal messages written to a Maildir outbox, or sent over SMTP."""

from __future__ import annotations

import mailbox
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formataddr, formatdate, make_msgid
from typing import TYPE_CHECKING

from outreach import hookimpl
from outreach.channel import Channel, DeliveryRun, Outcome, Piece, Reach, Rendered
from outreach.contact import Contact
from outreach.errors import ConfigError
from outreach.journal import SENT

if TYPE_CHECKING:
    from outreach.templating import Renderer


@dataclass(slots=True)
class EmailOptions:
    """A campaign's ``[email]`` table."""

    #: The subject line (a template).
    subject: str = ""
    #: The body's template file, e.g. ``email/catch-up.txt.j2``.
    template: str = ""
    #: Or the body as template text.
    body: str = ""

    def __post_init__(self) -> None:
        if not self.subject:
            raise ValueError("subject is required")
        if bool(self.template) == bool(self.body):
            raise ValueError("give either template or body")


class EmailChannel(Channel):
    """Personal email, one message per contact."""

    name = "email"
    description = "personal email: a Maildir outbox, or SMTP with --send"
    Options = EmailOptions

    def reach(self, contact: Contact, options: EmailOptions) -> Reach:
        address = contact.primary_email
        return Reach.at(address) if address else Reach.no("no email address")

    def render(self, piece: Piece, renderer: Renderer) -> Rendered:
        options: EmailOptions = piece.options
        contact = piece.contact
        subject = renderer.render_string(
            options.subject, piece.context, name="[email] subject", contact=contact
        ).strip()
        if options.template:
            body = renderer.render(options.template, piece.context, contact=contact)
        else:
            body = renderer.render_string(
                options.body, piece.context, name="[email] body", contact=contact
            )
        me = self.workspace.me
        if not me.email:
            raise ConfigError(f"{self.workspace.config_path}: [me] email is needed to send email")
        message = EmailMessage(policy=SMTP)
        message["From"] = formataddr((me.name, me.email))
        message["To"] = formataddr((contact.display_name, piece.address))
        message["Subject"] = subject
        message["Date"] = formatdate(localtime=True)
        message["Message-ID"] = make_msgid(domain=me.email.rpartition("@")[2])
        message.set_content(body)
        return Rendered(
            piece.key,
            contact,
            piece.address,
            message.as_bytes(),
            summary=subject,
            preview=f"Subject: {subject}\n\n{body}",
        )

    def deliver(self, items: Sequence[Rendered], run: DeliveryRun) -> None:
        outbox = mailbox.Maildir(run.out_dir / "outbox", create=True)
        for item in items:
            outbox.add(mailbox.MaildirMessage(item.payload))
            run.finished(item, Outcome(SENT))


@hookimpl
def register_channels(register: Callable[[type[Channel]], None]) -> None:
    """The email channel."""
    register(EmailChannel)
