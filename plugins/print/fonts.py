"""The bundled fonts, which characters each can draw, and per-run fallback between them.

Nothing here depends on fonts installed on the machine: the channel ships its own (see
``fonts/README.md``). Before anything is drawn, every character is checked against the fonts'
character maps (read with fontTools) and the text is cut into runs, each drawn with the first
font of a *chain* that has the glyph: a Japanese name in a Latin letter gets the CJK font for
the name and the serif for the rest. A character no bundled font has is an error, never an
empty box on an envelope.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

__all__ = [
    "CHAINS",
    "FALLBACK_SCALE",
    "FACES",
    "Face",
    "MissingGlyphs",
    "Run",
    "clean_text",
    "describe_chars",
    "font_path",
    "register",
    "split_runs",
]


@dataclass(frozen=True, slots=True)
class Face:
    """One bundled font file and the name it is registered under in reportlab."""

    name: str
    file: str


#: The bundled fonts by role.
FACES: dict[str, Face] = {
    "serif": Face("NotoSerif-Regular", "NotoSerif-Regular.ttf"),
    "serif-italic": Face("NotoSerif-Italic", "NotoSerif-Italic.ttf"),
    "hand": Face("Caveat-Regular", "Caveat-Regular.ttf"),
    "cjk": Face("DroidSansFallback", "DroidSansFallback.ttf"),
}

#: Fallback chains: which faces to try, in order, for each kind of text.
CHAINS: dict[str, tuple[str, ...]] = {
    # Addresses, the printed message, labels.
    "text": ("serif", "cjk"),
    # The card's front.
    "title": ("serif-italic", "serif", "cjk"),
    # The personal note: handwriting where it has the letters (Latin, Cyrillic), the
    # italic serif for Greek and the rest, the CJK font for Japanese, Chinese, Korean.
    "hand": ("hand", "serif-italic", "cjk"),
}

#: Fallback faces set smaller than the chain's first face, so they match it by eye: the
#: handwriting font has a small x-height, the serif beside it would look shouted.
FALLBACK_SCALE: dict[str, dict[str, float]] = {
    "hand": {"serif-italic": 0.72, "cjk": 0.72},
}

#: Invisible format characters that no font needs to draw (zero-width space and joiners,
#: variation selectors, the byte-order mark); they are dropped before layout.
_IGNORABLE = dict.fromkeys(
    [0x00AD, 0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x2060, 0xFEFF, *range(0xFE00, 0xFE10)]
)
_SPACES = {ord(c): " " for c in "\t\u00a0\u2007\u202f\u3000"}


@dataclass(frozen=True, slots=True)
class Run:
    """A piece of text and the registered font that draws it."""

    font: str
    text: str


class MissingGlyphs(Exception):
    """No bundled font can draw these characters (the caller names the contact)."""

    def __init__(self, chars: Iterable[str]) -> None:
        self.chars = sorted(set(chars))
        super().__init__(describe_chars(self.chars))


def describe_chars(chars: Iterable[str]) -> str:
    """``'ᚠ' (U+16A0 RUNIC LETTER FEHU), ...`` for an error message."""
    parts = []
    for ch in chars:
        name = unicodedata.name(ch, "unnamed character")
        parts.append(f"{ch!r} (U+{ord(ch):04X} {name})")
    return ", ".join(parts)


def clean_text(text: str) -> str:
    """NFC text without invisible format characters, odd spaces made plain spaces."""
    return unicodedata.normalize("NFC", text).translate(_IGNORABLE).translate(_SPACES)


def font_path(face: Face) -> Path:
    """The bundled file of ``face``."""
    return Path(str(resources.files(__package__).joinpath("fonts", face.file)))


@cache
def coverage(role: str) -> frozenset[str]:
    """Every character the face for ``role`` maps to a glyph (its cmap, via fontTools)."""
    from fontTools.ttLib import TTFont

    with TTFont(font_path(FACES[role]), lazy=True) as font:
        cmap = font.getBestCmap() or {}
    return frozenset(chr(cp) for cp in cmap)


def split_runs(text: str, chain: str = "text") -> list[Run]:
    """Cut ``text`` (already cleaned) into runs, each drawn by the first face that can.

    Raises :class:`MissingGlyphs` listing every character no face in the chain has.
    Line breaks pass through inside runs; the caller splits lines first if it needs to.
    """
    roles = CHAINS[chain]
    wanted = set(text) - {"\n"}
    first = coverage(roles[0])
    if wanted <= first:
        return [Run(FACES[roles[0]].name, text)] if text else []
    missing = [ch for ch in wanted if not any(ch in coverage(r) for r in roles)]
    if missing:
        raise MissingGlyphs(missing)
    runs: list[Run] = []
    current: str | None = None
    chunk: list[str] = []

    def emit(role: str, text: str) -> None:
        nonlocal current, chunk
        if role != current and chunk and current is not None:
            runs.append(Run(FACES[current].name, "".join(chunk)))
            chunk = []
        current = role
        chunk.append(text)

    # Whole words go to the first face that has every letter of the word, so a Greek word
    # is not split over two fonts for the one letter the handwriting face also has.
    for piece in re.split(r"(\s+)", text):
        if not piece:
            continue
        if piece.isspace():
            emit(current or roles[0], piece)
            continue
        whole = next((r for r in roles if set(piece) <= coverage(r)), None)
        if whole is not None:
            emit(whole, piece)
            continue
        for ch in piece:
            if current is not None and ch in coverage(current) and not ch.isalnum():
                # Punctuation and accents stay in the font of the letters before them.
                emit(current, ch)
            else:
                emit(next(r for r in roles if ch in coverage(r)), ch)
    if chunk and current is not None:
        runs.append(Run(FACES[current].name, "".join(chunk)))
    return runs


_registered: set[str] = set()


def register(font_names: Iterable[str]) -> None:
    """Register the named bundled faces with reportlab (once per process), for embedding."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    by_name = {face.name: face for face in FACES.values()}
    for name in font_names:
        if name in _registered:
            continue
        face = by_name[name]
        pdfmetrics.registerFont(TTFont(face.name, str(font_path(face))))
        _registered.add(name)


def string_width(runs: Iterable[Run], size: float) -> float:
    """The width of ``runs`` (in registered fonts) set at ``size`` points."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    return sum(stringWidth(r.text, r.font, size) for r in runs)
