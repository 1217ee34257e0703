"""Reading a message's header block quickly: the few fields mail sync looks at.

The ``email`` package's parser builds a full message object and parses every address with a
general tokenizer; a sync of 50,000 messages needs only a dozen fields of each and the bare
addresses of From, To, Cc and Bcc. :class:`HeaderBlock` unfolds the block once and keeps every
field by lower-case name; :func:`addresses` pulls the addr-specs out of address fields (outside
quoted display names and comments), the way a mail reader matches senders.
"""

from __future__ import annotations

import email.utils
import re
from datetime import date

__all__ = ["HeaderBlock", "addresses"]

_LINES = re.compile(r"\r?\n")
_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"')
_COMMENT = re.compile(r"\((?:[^()\\]|\\.)*\)")
# The local part holds no "@": allowing one made "<a@a@a@..." (no ">") take quadratic time.
_ANGLE = re.compile(r"<\s*([^<>\s@]+@[^<>\s]+)\s*>")
_BARE = re.compile(r"(?<![^\s,:;])([^\s,:;<>\"()@]+@[^\s,:;<>\"()@]+\.[^\s,:;<>\"()@]+)")
_ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class HeaderBlock:
    """The fields of a header block, unfolded, by lower-case name (several values kept)."""

    __slots__ = ("_fields",)

    def __init__(self, raw: bytes) -> None:
        # 8-bit bytes survive as surrogate escapes, as the email package keeps them.
        text = raw.decode("ascii", "surrogateescape")
        fields: dict[str, list[str]] = {}
        name = ""
        value: list[str] = []
        for line in _LINES.split(text):
            if line[:1] in (" ", "\t"):
                if name:
                    value.append(line)
                continue
            if name:
                fields.setdefault(name, []).append(" ".join(v.strip() for v in value))
            head, colon, rest = line.partition(":")
            if colon and head and " " not in head.strip():
                name, value = head.strip().lower(), [rest]
            else:
                name, value = "", []  # a "From " line, or a broken line: not a field
        if name:
            fields.setdefault(name, []).append(" ".join(v.strip() for v in value))
        self._fields = fields

    def get(self, name: str, default: str | None = None) -> str | None:
        """The first value of the field ``name`` (any case), or ``default``."""
        values = self._fields.get(name.lower())
        return values[0] if values else default

    def get_all(self, name: str) -> list[str]:
        """Every value of the field ``name``."""
        return list(self._fields.get(name.lower(), ()))

    def day(self) -> date | None:
        """The Date field as a date, or ``None`` when absent or unreadable."""
        value = self.get("date")
        if not value:
            return None
        try:
            return email.utils.parsedate_to_datetime(value).date()
        except (TypeError, ValueError, IndexError, OverflowError):
            return None


def addresses(block: HeaderBlock, *names: str) -> list[str]:
    """The addresses in the fields ``names``, in lower case, valid ones only, in order."""
    found: list[str] = []
    for name in names:
        for value in block.get_all(name):
            if "@" not in value:
                continue
            text = _COMMENT.sub(" ", _QUOTED.sub(" ", value))
            angled = _ANGLE.findall(text)
            # Bare addresses outside angle brackets ("To: a@x.org, Bo <b@y.org>").
            rest = _ANGLE.sub(" ", text)
            for address in [*angled, *_BARE.findall(rest)]:
                address = address.strip().lower()
                if _ADDRESS.match(address):
                    found.append(address)
    return found
