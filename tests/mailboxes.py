"""Mail for the mail-sync tests: personal messages, newsletters, and DSNs shaped like Postfix's.

:func:`postfix_dsn` builds a delivery-status notification the way Postfix's bounce daemon
writes one (RFC 3464 ``multipart/report``: a human-readable part, ``message/delivery-status``
with per-message and per-recipient fields, then the returned message's headers as
``text/rfc822-headers``), following the layout of the Postfix samples in flufl.bounce's test
data (tests/fixtures/bounces/).
"""

from __future__ import annotations

import mailbox
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

ME = "alex@example.com"


def message(
    sender: str,
    to: str,
    subject: str,
    when: datetime,
    *,
    body: str = "Hello,\n\nthanks for the note.\n",
    in_reply_to: str | None = None,
    message_id: str | None = None,
    headers: dict[str, str] | None = None,
) -> bytes:
    """A plain text message."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = message_id or make_msgid(domain=sender.rsplit("@", 1)[-1].strip(">"))
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = in_reply_to
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    return msg.as_bytes()


def newsletter(sender: str, to: str, subject: str, when: datetime) -> bytes:
    """A newsletter as list software sends it: List-Id, List-Unsubscribe, Precedence: bulk."""
    return message(
        sender,
        to,
        subject,
        when,
        body="This month's news.\n",
        headers={
            "List-Id": "Monthly news <news.example.org>",
            "List-Unsubscribe": "<mailto:unsubscribe@news.example.org>",
            "Precedence": "bulk",
        },
    )


def postfix_dsn(
    original: bytes,
    recipient: str,
    when: datetime,
    *,
    status: str = "5.1.1",
    diagnostic: str = "550 5.1.1 <{r}>: Recipient address rejected: User unknown",
    host: str = "mx.example.org",
) -> bytes:
    """A Postfix bounce (or delay notice, for a 4.x.x ``status``) for ``original``."""
    permanent = status.startswith("5")
    said = diagnostic.format(r=recipient)
    boundary = "4F1A22C0123.1733040000/mail.example.com"
    subject = (
        "Undelivered Mail Returned to Sender" if permanent else "Delayed Mail (still being retried)"
    )
    explanation = (
        "I'm sorry to have to inform you that your message could not\n"
        "be delivered to one or more recipients. It's attached below.\n"
        if permanent
        else "Your message could not be delivered for 4.0 hours.\n"
        "It will be retried until it is 5.0 days old.\n"
    )
    header_block = original.replace(b"\r\n", b"\n").split(b"\n\n", 1)[0].decode()
    text = f"""\
From: MAILER-DAEMON@mail.example.com (Mail Delivery System)
To: {ME}
Subject: {subject}
Date: {format_datetime(when)}
Message-ID: {make_msgid(domain="mail.example.com")}
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
\tboundary="{boundary}"
Content-Transfer-Encoding: 8bit

This is a MIME-encapsulated message.

--{boundary}
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mail.example.com.

{explanation}
For further assistance, please send mail to postmaster.

                   The mail system

<{recipient}>: host {host}[192.0.2.25] said: {said}

--{boundary}
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mail.example.com
X-Postfix-Queue-ID: 4F1A22C0123
X-Postfix-Sender: rfc822; {ME}
Arrival-Date: {format_datetime(when)}

Final-Recipient: rfc822; {recipient}
Original-Recipient: rfc822;{recipient}
Action: {"failed" if permanent else "delayed"}
Status: {status}
Remote-MTA: dns; {host}
Diagnostic-Code: smtp; {said}

--{boundary}
Content-Description: Undelivered Message Headers
Content-Type: text/rfc822-headers

{header_block}

--{boundary}--
"""
    return text.encode()


def maildir(path: Path, *messages: bytes) -> Path:
    """A Maildir at ``path`` holding ``messages`` (added to ``new/``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    box = mailbox.Maildir(path, create=True)
    for data in messages:
        box.add(data)
    box.close()
    return path


def mbox(path: Path, *messages: bytes) -> Path:
    """An mbox file at ``path`` holding ``messages``."""
    box = mailbox.mbox(path, create=True)
    for data in messages:
        box.add(data)
    box.flush()
    box.close()
    return path
