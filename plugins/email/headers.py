"""Writing header fields: names, addresses and text, encoded and folded by RFC 5322 and 2047.

This is the one place header text is written, for every message. It does by hand what
:mod:`email.headerregistry` does generically, about fifty times faster, for the few kinds
of header outreach writes; the tests parse the output back with the standard library and
compare. Its input has passed :mod:`.safety` (no control characters, no encoded word that
hides one), and:

* ASCII text is folded at spaces to lines of at most 78 characters;
* text that is not ASCII, or that could be mistaken for an encoded word, is written as UTF-8
  encoded words (base64), each within the line limit, never splitting a character;
* a display name made only of atoms is written as it is; one with specials is quoted.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence

from .safety import ENCODED_WORD

__all__ = ["address_field", "encode_words", "format_mailbox", "text_field"]

#: Lines are kept to this length where the content allows (RFC 5322 2.1.1).
MAX_LINE = 78
_PHRASE_ATOMS = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~ -]*")


def _needs_words(text: str) -> bool:
    return not text.isascii() or ("=?" in text and ENCODED_WORD.search(text) is not None)


def encode_words(text: str, first: int = MAX_LINE, rest: int = MAX_LINE - 1) -> list[str]:
    """``text`` as UTF-8 base64 encoded words; the first fits in ``first`` characters, the
    others in ``rest`` (each goes on its own folded line if needed)."""
    words: list[str] = []
    budget = first
    chunk = bytearray()
    for char in text:
        raw = char.encode("utf-8")
        # Encoded length of chunk+raw: 12 characters of =?utf-8?b?...?= plus base64.
        if chunk and 12 + 4 * ((len(chunk) + len(raw) + 2) // 3) > budget:
            words.append(_word(chunk))
            chunk = bytearray()
            budget = rest
        chunk += raw
    if chunk or not words:
        words.append(_word(chunk))
    return words


def _word(raw: bytes | bytearray) -> str:
    return "=?utf-8?b?" + base64.b64encode(bytes(raw)).decode("ascii") + "?="


def _fold(name: str, atoms: Sequence[str]) -> str:
    """Join ``atoms`` with single spaces after ``Name:``, folding before an atom when a line
    would pass :data:`MAX_LINE`; unfolding gives back the atoms joined by spaces."""
    lines = []
    current = f"{name}:"
    started = False
    for atom in atoms:
        if started and atom and len(current) + 1 + len(atom) > MAX_LINE:
            lines.append(current)
            current = " " + atom
        else:
            current += " " + atom
        started = started or bool(atom)
    lines.append(current)
    return "\r\n".join(lines) + "\r\n"


def text_field(name: str, text: str) -> str:
    """An unstructured header (``Subject``) holding ``text``, with its CRLF."""
    if not _needs_words(text):
        atoms = text.split(" ")
        if all(len(a) < 900 for a in atoms):
            return _fold(name, atoms)
    return _fold(name, encode_words(text, MAX_LINE - len(name) - 2))


def _display_name(name: str, first: int) -> list[str]:
    if not name:
        return []
    if _needs_words(name):
        return encode_words(name, first)
    if _PHRASE_ATOMS.fullmatch(name) and name.strip() == name and "  " not in name:
        return name.split(" ")
    quoted = name.replace("\\", "\\\\").replace('"', '\\"')
    return [f'"{quoted}"']


def format_mailbox(name: str, address: str, first: int = MAX_LINE - 1) -> list[str]:
    """The atoms of one mailbox: the display name's, then ``<address>``; an encoded name's
    first word fits in ``first`` characters."""
    if not name:
        return [address]
    return [*_display_name(name, first), f"<{address}>"]


def address_field(name: str, mailboxes: Sequence[tuple[str, str]]) -> str:
    """An address-list header (``From``, ``To``, ``Cc``, ``Reply-To``), with its CRLF."""
    atoms: list[str] = []
    for index, (display, address) in enumerate(mailboxes):
        first = MAX_LINE - len(name) - 2 if index == 0 else MAX_LINE - 1
        parts = format_mailbox(display, address, first)
        if index < len(mailboxes) - 1:
            parts[-1] += ","
        atoms.extend(parts)
    return _fold(name, atoms)
