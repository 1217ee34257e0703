"""How long each LinkedIn text may be, and how LinkedIn counts its length.

LinkedIn's web UI limits its text boxes the way the browser measures a string: JavaScript's
``String.length``, the number of UTF-16 code units of the box's value. The HTML standard
(since whatwg/html#1712, 2016) counts a line break in a ``textarea`` as one character, and a
``textarea``'s value always holds line breaks as a single LF, whatever was pasted. So:

* a letter outside the Basic Multilingual Plane (most emoji, some CJK ideographs) counts 2;
* an emoji built from several code points counts all of them (👍🏽 is 4, a family emoji 11);
* a letter plus a combining accent ("e" + U+0301) counts 2, while the precomposed "é" counts 1;
* a line break counts 1, whether the template wrote ``\\n``, ``\\r\\n`` or ``\\r``.

The tests check these rules against Chromium's own ``maxlength`` handling.

The limits are the ones LinkedIn publishes: a connection request note takes 300 characters
(200 on a free account), an InMail a 200-character subject and a 1,900-character body, a
message to a connection 8,000. The message box of a recommendation request has no published
limit; 3,000, the length LinkedIn allows for the recommendation itself, keeps requests well
within what the box accepts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = [
    "ACCOUNTS",
    "KINDS",
    "Account",
    "Kind",
    "Limits",
    "count_chars",
    "limits_for",
    "normalise_newlines",
]

Kind = Literal["connection", "message", "inmail", "recommendation"]
Account = Literal["premium", "free"]

#: The draft kinds, in the order the user guide lists them.
KINDS: tuple[Kind, ...] = ("connection", "message", "inmail", "recommendation")
ACCOUNTS: tuple[Account, ...] = ("premium", "free")

#: What each kind is called in messages and on the drafts page.
KIND_LABELS: dict[str, str] = {
    "connection": "connection request note",
    "message": "message",
    "inmail": "InMail",
    "recommendation": "recommendation request",
}


@dataclass(frozen=True, slots=True)
class Limits:
    """The longest text LinkedIn accepts for one kind of draft."""

    #: The main text box (the note, the message, the InMail body).
    text: int
    #: The subject line, for kinds that have one (InMail), else ``None``.
    subject: int | None = None


_LIMITS: dict[Kind, Limits] = {
    "connection": Limits(300),
    "message": Limits(8000),
    "inmail": Limits(1900, subject=200),
    "recommendation": Limits(3000),
}
#: Free accounts get shorter connection notes.
_FREE_CONNECTION_NOTE = 200


def limits_for(kind: Kind, account: Account = "premium") -> Limits:
    """The limits for a kind of draft on an account of the given kind."""
    if kind == "connection" and account == "free":
        return Limits(_FREE_CONNECTION_NOTE)
    return _LIMITS[kind]


def normalise_newlines(text: str) -> str:
    """``text`` with every CRLF and lone CR turned into LF, as a browser's text box holds it."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def count_chars(text: str) -> int:
    """The length LinkedIn's web UI sees: UTF-16 code units, a line break counting one."""
    normalised = normalise_newlines(text)
    # Each code point above U+FFFF is a surrogate pair in UTF-16: two units.
    return len(normalised) + sum(1 for ch in normalised if ord(ch) > 0xFFFF)
