"""Building the bytes of one message: headers, then a MIME body.

Two builders make the body:

* the **fast** one writes the common shapes by hand (a text part, or text with an HTML
  alternative), with the standard library's encoders for quoted-printable and base64;
* the **generic** one uses :class:`email.message.EmailMessage` with the SMTP policy, for
  messages with attachments or a calendar invitation.

They make the same MIME structure and the same transfer encodings (the tests build messages
both ways and compare them part by part); the fast one exists because the generic machinery
costs about a millisecond a message, which is most of a 10,000-message run. Bodies are always
7-bit clean (quoted-printable or base64 when needed), so no server needs 8BITMIME; only a
non-ASCII *address* makes a message need SMTPUTF8.

The headers are written by :mod:`.headers` in both cases, so contact data reaches headers
through one encoder only. Bcc never appears in the headers: it is only in the envelope.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.utils import formatdate
from functools import lru_cache

from .headers import address_field, text_field

__all__ = [
    "Attachment",
    "Content",
    "Headers",
    "build_message",
    "choose_encoding",
    "message_id",
]

#: Lines of 7-bit text at most this long are sent as they are (as the email package does).
_MAX_7BIT_LINE = 78


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file to attach: its bytes, MIME type and the name the recipient sees."""

    filename: str
    data: bytes
    maintype: str = "application"
    subtype: str = "octet-stream"
    #: Extra Content-Type parameters (``method`` of a calendar invitation).
    params: tuple[tuple[str, str], ...] = ()
    #: Set for an image the HTML shows (``<img src="cid:...">``): it travels inline, in a
    #: multipart/related part beside the HTML, not as an attachment to open.
    content_id: str = ""


@dataclass(slots=True)
class Content:
    """What the message says: text, an optional HTML alternative, attachments."""

    text: str
    html: str | None = None
    attachments: list[Attachment] = field(default_factory=list)


@dataclass(slots=True)
class Headers:
    """The header values of one message (already checked by :mod:`.safety`)."""

    sender: tuple[str, str]
    to: Sequence[tuple[str, str]]
    subject: str
    message_id: str
    date: str
    cc: Sequence[tuple[str, str]] = ()
    reply_to: Sequence[tuple[str, str]] = ()
    #: The Message-ID this message follows up (a follow-up part): it goes in the same thread.
    in_reply_to: str = ""

    def render(self) -> str:
        """The header block, each field ending in CRLF (no blank line)."""
        parts = [_from_field(*self.sender), address_field("To", self.to)]
        if self.cc:
            parts.append(address_field("Cc", self.cc))
        if self.reply_to:
            parts.append(address_field("Reply-To", self.reply_to))
        if self.subject:  # a campaign may choose to send none (mailmerge's habit)
            parts.append(text_field("Subject", self.subject))
        parts.append(f"Date: {self.date}\r\nMessage-ID: {self.message_id}\r\n")
        if self.in_reply_to:
            # Both, as a mail program's reply has them: readers thread by either.
            parts.append(f"In-Reply-To: {self.in_reply_to}\r\nReferences: {self.in_reply_to}\r\n")
        return "".join(parts)


@lru_cache(maxsize=64)
def _from_field(name: str, address: str) -> str:
    # Usually the same for every message of a run.
    return address_field("From", [(name, address)])


def message_id(key: str, domain: str) -> str:
    """A Message-ID on the sender's ``domain``, the same every time for the same ``key``.

    Being stable per delivery means a message sent again after an ``unknown`` outcome
    carries the same Message-ID, which lets mail readers and providers drop the duplicate.
    """
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
    return f"<{digest}.outreach@{domain}>"


class _DateCache:
    """``formatdate`` costs microseconds; every message sent in the same second shares it."""

    def __init__(self) -> None:
        self._second = -1
        self._text = ""

    def now(self) -> str:
        second = int(time.time())
        if second != self._second:
            self._second = second
            self._text = formatdate(second, localtime=True)
        return self._text


current_date = _DateCache().now


def _lines_normalised(text: str) -> str:
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text if text.endswith("\n") else text + "\n"


def _encode_text(text: str) -> tuple[str, bytes]:
    """(transfer encoding, encoded body with CRLF line endings) for a text part.

    ASCII with short lines is ``7bit``; otherwise the shorter of ``quoted-printable`` and
    ``base64``: the email package's choice, except that ``8bit`` (which needs the server's
    8BITMIME) is never used.
    """
    text = _lines_normalised(text)
    if text.isascii() and max(map(len, text.split("\n"))) <= _MAX_7BIT_LINE:
        return "7bit", text.replace("\n", "\r\n").encode("ascii")
    raw = text.encode("utf-8")
    qp = binascii.b2a_qp(raw, istext=True)
    # base64's length, 76-character lines each with a line break, without encoding it.
    b64_chars = 4 * ((len(raw) + 2) // 3)
    if len(qp) <= b64_chars + (b64_chars + 75) // 76:
        return "quoted-printable", qp.replace(b"\n", b"\r\n")
    # base64 carries text in its canonical form, with CRLF line breaks (RFC 2045).
    canonical = text.replace("\n", "\r\n").encode("utf-8")
    return "base64", base64.encodebytes(canonical).replace(b"\n", b"\r\n")


def choose_encoding(text: str) -> str:
    """The transfer encoding :func:`build_message` gives a text part (see ``_encode_text``)."""
    return _encode_text(text)[0]


def _text_part(text: str, subtype: str) -> tuple[str, bytes]:
    cte, body = _encode_text(text)
    head = f'Content-Type: text/{subtype}; charset="utf-8"\r\nContent-Transfer-Encoding: {cte}\r\n'
    return head, body


def _boundary(parts: Sequence[bytes]) -> str:
    while True:
        candidate = "===============" + secrets.token_hex(10) + "=="
        marker = candidate.encode("ascii")
        if not any(marker in part for part in parts):
            return candidate


def _fast_body(content: Content) -> bytes:
    text_head, text_body = _text_part(content.text, "plain")
    if content.html is None:
        return f"MIME-Version: 1.0\r\n{text_head}\r\n".encode("ascii") + text_body
    html_head, html_body = _text_part(content.html, "html")
    boundary = _boundary([text_body, html_body])
    dash = f"--{boundary}\r\n".encode("ascii")
    return b"".join(
        [
            f"MIME-Version: 1.0\r\nContent-Type: multipart/alternative; "
            f'boundary="{boundary}"\r\n\r\n'.encode("ascii"),
            dash,
            text_head.encode("ascii"),
            b"\r\n",
            text_body,
            b"\r\n",
            dash,
            html_head.encode("ascii"),
            b"\r\n",
            html_body,
            f"\r\n--{boundary}--\r\n".encode("ascii"),
        ]
    )


def _as_text(item: Attachment) -> str | None:
    """A text attachment's text, when it is UTF-8 (others travel as base64 bytes)."""
    if item.maintype != "text":
        return None
    try:
        return item.data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _generic_body(content: Content) -> bytes:
    from email.message import EmailMessage
    from email.policy import SMTP

    message = EmailMessage(policy=SMTP)
    message.set_content(content.text, cte=choose_encoding(content.text))
    inline = [a for a in content.attachments if a.content_id] if content.html else []
    if content.html is not None:
        message.add_alternative(content.html, subtype="html", cte=choose_encoding(content.html))
        html_part = message.get_body(preferencelist=("html",))
        assert html_part is not None  # just added
        for item in inline:
            html_part.add_related(
                item.data,
                maintype=item.maintype,
                subtype=item.subtype,
                cid=f"<{item.content_id}>",
                # With a file name the email package would make it an attachment to open.
                disposition="inline",
                filename=item.filename,
            )
    for item in content.attachments:
        if item in inline:
            continue
        params = dict(item.params)
        text = _as_text(item)
        if text is not None:
            message.add_attachment(
                text,
                subtype=item.subtype,
                filename=item.filename,
                cte=choose_encoding(text),
                params=params,
            )
        else:
            message.add_attachment(
                item.data,
                maintype=item.maintype,
                subtype=item.subtype,
                filename=item.filename,
                params=params,
            )
    return message.as_bytes()


def build_message(
    headers: Headers, content: Content, *, utf8: bool, generic: bool = False
) -> bytes:
    """The whole message, CRLF line endings throughout.

    ``utf8``: the headers hold a non-ASCII address (the message needs SMTPUTF8).
    ``generic``: build the body with the email package even where the fast builder could.
    """
    head = headers.render().encode("utf-8" if utf8 else "ascii")
    if generic or content.attachments:
        return head + _generic_body(content)
    return head + _fast_body(content)
