"""Checks that keep contact data from adding a header or a recipient.

Contact data reaches headers in three ways: a name (``To: Name <address>``), an address, and
text a template puts in the subject or a file name. Each is checked before any header is
written:

* a line break or another control character is refused: it would end the header and start
  a new one (``Bcc: someone``);
* an RFC 2047 encoded word that *decodes* to a control character is refused too
  (``=?utf-8?q?x=0ABcc:_y?=``): mail readers decode encoded words, and Python's own header
  folding before 3.11.10 wrote such a decoded line break out as a real one;
* an address must be a valid, deliverable-looking mailbox (email-validator's rules); it is
  normalised, never shortened.

A refusal is a :class:`Refused` exception whose message names what was wrong; the channel
turns it into a failed delivery naming the contact.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from functools import lru_cache

__all__ = [
    "Address",
    "Refused",
    "check_header_text",
    "message_id_or_none",
    "parse_mailbox",
    "validate_address",
]

#: C0 controls and DEL; TAB is allowed nowhere in our headers' text either.
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]")
#: An RFC 2047 encoded word, loosely (so no variant slips past the check).
ENCODED_WORD = re.compile(r"=\?([^?\s]*)\?([A-Za-z])\?([^?\s]*)\?=")

# A subset of what email-validator accepts, checked first because it is 20 times faster:
# a dot-atom local part and an ASCII domain of LDH labels under an alphabetic top-level
# domain. Anything else goes to email-validator itself.
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_SIMPLE_ADDRESS = re.compile(
    rf"(?P<local>{_ATEXT}+(?:\.{_ATEXT}+)*)@(?P<domain>(?:{_LABEL}\.)+[A-Za-z]{{2,63}})"
)


#: email-validator's special-use names (a test checks they agree); kept here so the fast
#: path does not import it.
SPECIAL_USE_TLDS = frozenset({"arpa", "invalid", "local", "localhost", "onion", "test"})


#: A Message-ID as outreach writes them: ``<id-left@id-right>`` in printable ASCII.
_MESSAGE_ID = re.compile(r"<[!-;=?-~]{1,250}@[!-;=?-~]{1,250}>")


class Refused(ValueError):
    """Contact data that cannot go into a message; the message says why."""


@dataclass(frozen=True, slots=True)
class Address:
    """A validated mailbox address."""

    #: The address to use: normalised, with an internationalised domain in ASCII form when
    #: the local part is ASCII (so no SMTPUTF8 is needed).
    address: str
    #: The domain, in ASCII form where possible (for per-domain rate limits).
    domain: str
    #: True when the address cannot be written in ASCII: the server must offer SMTPUTF8.
    smtputf8: bool


def _decode_word(charset: str, encoding: str, payload: str) -> str:
    try:
        if encoding in "bB":
            raw = base64.b64decode(payload + "=" * (-len(payload) % 4))
        else:
            raw = binascii.a2b_qp(payload.replace("_", " ").encode("ascii", "replace"))
    except (binascii.Error, ValueError):
        return ""
    name = charset.split("*", 1)[0] or "ascii"
    try:
        return raw.decode(name, errors="replace")
    except LookupError:
        return raw.decode("latin-1")


def check_header_text(text: str, what: str) -> None:
    """Refuse ``text`` for a header if it holds a control character, literally or encoded.

    ``what`` names the field in the message ("name", "subject" ...).
    """
    found = _CONTROL.search(text)
    if found:
        raise Refused(f"{what} contains a control character ({_char_name(found.group())})")
    if "=?" in text:
        for match in ENCODED_WORD.finditer(text):
            decoded = _decode_word(*match.groups())
            hidden = _CONTROL.search(decoded)
            if hidden:
                raise Refused(
                    f"{what} contains an encoded word that decodes to a "
                    f"{_char_name(hidden.group())} ({match.group()!r}): refused, it could add "
                    "a header"
                )


def _char_name(char: str) -> str:
    names = {"\r": "carriage return", "\n": "line break", "\t": "tab", "\x00": "NUL"}
    return names.get(char, f"U+{ord(char):04X}")


@lru_cache(maxsize=4096)
def validate_address(text: str) -> Address:
    """Check and normalise one email address; raise :class:`Refused` saying why not."""
    candidate = text.strip()
    if not candidate:
        raise Refused("the email address is empty")
    check_header_text(candidate, "the email address")
    match = _SIMPLE_ADDRESS.fullmatch(candidate)
    if match is not None:
        local, domain = match.group("local"), match.group("domain").lower()
        tld = domain.rsplit(".", 1)[1]
        if len(local) <= 64 and len(candidate) <= 254 and tld not in SPECIAL_USE_TLDS:
            return Address(f"{local}@{domain}", domain, False)
    return _validate_fully(candidate)


def _validate_fully(candidate: str) -> Address:
    from email_validator import EmailNotValidError, validate_email

    try:
        result = validate_email(candidate, check_deliverability=False)
    except EmailNotValidError as exc:
        raise Refused(f"invalid email address {candidate!r}: {exc}") from None
    if result.ascii_email:
        return Address(result.ascii_email, result.ascii_domain, False)
    return Address(result.normalized, result.ascii_domain or result.domain, True)


_MAILBOX = re.compile(r"\s*(?:(?P<name>[^<>]*?)\s*<(?P<angle>[^<>]*)>|(?P<bare>[^<>\s]+))\s*")


def parse_mailbox(text: str, what: str) -> tuple[str, Address]:
    """Split ``Name <address>`` (or a bare address) from a campaign setting, and check both."""
    check_header_text(text, what)
    match = _MAILBOX.fullmatch(text)
    if match is None:
        raise Refused(f"{what} {text!r} is not an address or 'Name <address>'")
    name = (match.group("name") or "").strip()
    if len(name) >= 2 and name[0] == name[-1] == '"':
        name = name[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    address = match.group("angle") if match.group("angle") is not None else match.group("bare")
    try:
        return name, validate_address(address)
    except Refused as exc:
        raise Refused(f"{what}: {exc}") from None


def message_id_or_none(value: str | None) -> str | None:
    """``value`` when it is a well-formed Message-ID that can go into a header, else ``None``.

    A follow-up threads to the message ID the journal holds for the first message; a
    journal is workspace data, so what it says is checked before it reaches a header.
    """
    return value if value is not None and _MESSAGE_ID.fullmatch(value) else None
