"""Bounces: telling a delivery-status notification from other mail, and reading what it says.

Detection of the failed recipients is flufl.bounce's (Mailman's bounce detectors): RFC 3464
``multipart/report`` notifications and the non-standard formats of real MTAs and providers
(Postfix, Exim, qmail, Exchange, Gmail ...). On top of that this module reads, for each failed
recipient, the status code and the diagnostic: from the ``message/delivery-status`` part of an
RFC 3464 report, else from the line of the human-readable text that names the recipient
(``550 5.1.1 <x@example.org>... User unknown``). It also digs out the Message-ID of the
returned message (from an attached ``message/rfc822`` or ``text/rfc822-headers`` part, else
from the quoted headers in the text) so the bounce can be matched to the delivery it reports.

A failure is permanent when the detector or the report says so, unless its status code is
4.x.x; a 4.x.x (or an ``Action: delayed``) is temporary: recorded, but it changes nothing.
"""

from __future__ import annotations

import email.utils
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from typing import Protocol

__all__ = ["BounceReport", "Failure", "looks_like_bounce", "read_bounce"]

_DAEMONS = re.compile(
    r"^(?:mailer[-_.]?daemon|postmaster|mail[-_.]?delivery[-_.]?(?:system|subsystem)"
    r"|mdaemon|bounces?)(?:[-+._].*)?$",
    re.IGNORECASE,
)
_SUBJECTS = re.compile(
    r"undeliver|delivery (?:status|failure|notification|has failed|failed)|failure notice"
    r"|returned mail|mail delivery failed|returned to sender|could not be delivered"
    r"|nondeliverable|non-delivery|delivery problem",
    re.IGNORECASE,
)
#: An enhanced status code (RFC 3463) or, failing that, a basic SMTP reply code.
_STATUS = re.compile(r"(?<![\d.])([245]\.\d{1,3}\.\d{1,3})(?![\d.])")
_REPLY = re.compile(r"(?<![\d.])([45]\d\d)(?:[ -]|$)")
_LEADING_REPLY = re.compile(r"^[45]\d\d[ -]")
_QUOTED_ID = re.compile(r"^message-id:\s*(<[^>\s]+>)", re.IGNORECASE | re.MULTILINE)
#: Diagnostics are kept to a readable length; the full text stays in the mailbox.
_MAX_DIAGNOSTIC = 300


@dataclass(frozen=True, slots=True)
class Failure:
    """One recipient a bounce reports."""

    recipient: str
    #: The enhanced status code (``5.1.1``), or the SMTP reply code (``550``), or "".
    status: str
    #: The server's words, as close to verbatim as the report gives them.
    diagnostic: str
    permanent: bool

    @property
    def summary(self) -> str:
        """``5.1.1 <diagnostic>``: what ``campaign status`` shows for the delivery."""
        # "550 5.1.1 <x@example.org>: User unknown" reads "5.1.1 <x@example.org>: User unknown".
        text = _LEADING_REPLY.sub("", self.diagnostic)
        if self.status and text.startswith(self.status):
            text = text[len(self.status) :].lstrip(" :-")
        text = f"{self.status} {text}".strip()
        return text or ("permanent failure" if self.permanent else "delivery delayed")


@dataclass(slots=True)
class BounceReport:
    """What a bounce says: the recipients that failed and the message it returns."""

    failures: list[Failure] = field(default_factory=list)
    #: The Message-ID of the message that bounced, when the report quotes it.
    original_message_id: str | None = None


def _local_part(address: str) -> str:
    return address.rpartition("@")[0] if "@" in address else address


class Fields(Protocol):
    """Something that gives a header field's value by name (a Message, a header block)."""

    def get(self, name: str, default: str | None = None) -> str | None:
        """The field's first value, or ``default``."""


def looks_like_bounce(headers: Message | Fields) -> bool:
    """True when the header block alone says this may be a bounce, worth reading in full."""
    content_type = str(headers.get("Content-Type", "")).lower()
    if "multipart/report" in content_type and "delivery-status" in content_type:
        return True
    if headers.get("X-Failed-Recipients"):
        return True
    sender = email.utils.parseaddr(str(headers.get("From", "")))[1]
    if sender and _DAEMONS.match(_local_part(sender)):
        return True
    if not sender or sender == "<>":
        return bool(_SUBJECTS.search(str(headers.get("Subject", ""))))
    return False


def _text_parts(message: Message) -> Iterator[str]:
    """The text of every text/plain part outside the returned message."""
    stack = [message]
    while stack:
        part = stack.pop(0)
        kind = part.get_content_type()
        if kind in ("message/rfc822", "text/rfc822-headers", "message/delivery-status"):
            continue
        if part.is_multipart():
            payload = part.get_payload()
            if isinstance(payload, list):
                stack[0:0] = [p for p in payload if isinstance(p, Message)]
            continue
        if part.get_content_maintype() == "text":
            data = part.get_payload(decode=True)
            if isinstance(data, bytes):
                charset = part.get_content_charset() or "utf-8"
                try:
                    yield data.decode(charset, "replace")
                except LookupError:
                    yield data.decode("utf-8", "replace")


def _status_blocks(message: Message) -> Iterator[Message]:
    """The per-recipient field blocks of every RFC 3464 delivery-status part."""
    for part in message.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        payload = part.get_payload()
        if isinstance(payload, list):
            # The first block holds per-message fields; recipient blocks follow.
            yield from (b for b in payload if isinstance(b, Message))


def _address_field(value: str) -> str:
    """The address of ``rfc822; user@example.org``."""
    _, _, address = value.partition(";") if ";" in value else ("", "", value)
    return email.utils.parseaddr(address.strip())[1].lower() or address.strip().strip("<>").lower()


def _one_line(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= _MAX_DIAGNOSTIC else line[: _MAX_DIAGNOSTIC - 1] + "…"


def _from_report(message: Message) -> dict[str, tuple[str, str, str]]:
    """recipient -> (action, status, diagnostic) from RFC 3464 fields."""
    found: dict[str, tuple[str, str, str]] = {}
    for block in _status_blocks(message):
        addresses = [
            _address_field(str(block[name]))
            for name in ("Original-Recipient", "Final-Recipient", "X-Actual-Recipient")
            if block.get(name)
        ]
        if not addresses:
            continue
        action = str(block.get("Action", "")).strip().lower()
        status_field = str(block.get("Status", "")).strip()
        match = _STATUS.search(status_field)
        status = match.group(1) if match else ""
        diagnostic = str(block.get("Diagnostic-Code", "")).strip()
        if ";" in diagnostic[:12]:
            diagnostic = diagnostic.split(";", 1)[1].strip()  # "smtp; 550 5.1.1 ..."
        if not diagnostic:
            diagnostic = status_field
        for address in addresses:
            found.setdefault(address, (action, status, _one_line(diagnostic)))
    return found


def _paragraph(lines: list[str], index: int) -> list[str]:
    """The line at ``index`` and those after it up to a blank line or a separator."""
    taken: list[str] = []
    for line in lines[index : index + 6]:
        stripped = line.strip()
        if not stripped or (taken and stripped.startswith("---")):
            break
        taken.append(stripped)
    return taken


def _from_text(texts: list[str], recipient: str) -> tuple[str, str]:
    """(status, diagnostic) from the lines of the text that mention ``recipient``."""
    for text in texts:
        # Stop at the copy of the returned message: its headers are not the server's words.
        for marker in ("--- Below this line", "----- Original message", "------ This is a copy"):
            cut = text.find(marker)
            if cut >= 0:
                text = text[:cut]
        lines = text.splitlines()
        for index, line in enumerate(lines):
            if recipient not in line.lower():
                continue
            taken = _paragraph(lines, index)
            window = " ".join(taken)
            if window.strip("<>: ").lower() == recipient:
                # Only the address: the reason is the sentence that introduced it.
                earlier = [x.strip() for x in lines[:index] if x.strip()]
                window = earlier[-1] if earlier else ""
            status = _STATUS.search(window)
            reply = _REPLY.search(window)
            code = status.group(1) if status else reply.group(1) if reply else ""
            if code[:1] in ("4", "5", ""):
                return code, _one_line(window)
    return "", ""


def _original_message_id(message: Message, texts: list[str]) -> str | None:
    for part in message.walk():
        kind = part.get_content_type()
        if kind == "message/rfc822":
            payload = part.get_payload()
            inner = payload[0] if isinstance(payload, list) and payload else None
            if isinstance(inner, Message) and inner.get("Message-ID"):
                return str(inner["Message-ID"]).strip()
        if kind == "text/rfc822-headers":
            data = part.get_payload(decode=True)
            if isinstance(data, bytes):
                match = _QUOTED_ID.search(data.decode("utf-8", "replace"))
                if match:
                    return match.group(1)
    for text in texts:
        match = _QUOTED_ID.search(text)
        if match:
            return match.group(1)
    return None


def read_bounce(message: Message) -> BounceReport | None:
    """The failures ``message`` reports, or ``None`` when it is not a bounce."""
    from flufl.bounce import all_failures

    try:
        temporary, permanent = all_failures(message)
    except Exception:  # noqa: BLE001 - a heuristic tripping on odd mail must not stop a sync
        # The detectors are heuristics over arbitrary mail; the RFC 3464 fields still count.
        temporary, permanent = frozenset(), frozenset()
    report = _from_report(message)
    if (
        not temporary
        and not permanent
        and not any(a.startswith(("fail", "delay")) for a, _, _ in report.values())
    ):
        return None
    texts = list(_text_parts(message))
    result = BounceReport(original_message_id=_original_message_id(message, texts))
    recipients: dict[str, bool] = {}
    for raw in permanent:
        recipients[raw.decode("ascii", "replace").lower()] = True
    for raw in temporary:
        recipients.setdefault(raw.decode("ascii", "replace").lower(), False)
    if not recipients:
        # flufl.bounce found nothing, but the report names failed or delayed recipients.
        for address, (action, _, _) in report.items():
            if action.startswith(("fail", "delay", "error")):
                recipients.setdefault(address, action.startswith(("fail", "error")))
    for recipient, is_permanent in recipients.items():
        if recipient in report:
            action, status, diagnostic = report[recipient]
            if action.startswith("delay"):
                is_permanent = False
        else:
            status, diagnostic = _from_text(texts, recipient)
        if status.startswith("4"):
            is_permanent = False  # a 4.x.x is transient whatever the detector guessed
        result.failures.append(Failure(recipient, status, diagnostic, is_permanent))
    return result
