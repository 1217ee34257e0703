"""The bundled fonts, which characters each can draw, and per-run fallback between them.

Nothing here depends on fonts installed on the machine: the channel ships its own (see
``fonts/README.md``). Before anything is drawn, every character is checked against the fonts'
character maps (read with HarfBuzz) and the text is cut into runs, each drawn with the first
font of a *chain* that has the glyph: a Japanese name in a Latin letter gets the CJK font for
the name and the serif for the rest. A character no bundled font has is an error, never an
empty box on an envelope.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

__all__ = [
    "CHAINS",
    "Chain",
    "FontFileError",
    "SCRIPT_FACES",
    "add_font",
    "missing_chars",
    "romanise",
    "chain_roles",
    "needs_shaping",
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
    # One regular weight per script, serif where Noto has one, so the scripts sit beside
    # Noto Serif without looking pasted in.
    "arabic": Face("NotoNaskhArabic-Regular", "NotoNaskhArabic-Regular.ttf"),
    "hebrew": Face("NotoSerifHebrew-Regular", "NotoSerifHebrew-Regular.ttf"),
    "devanagari": Face("NotoSerifDevanagari-Regular", "NotoSerifDevanagari-Regular.ttf"),
    "bengali": Face("NotoSerifBengali-Regular", "NotoSerifBengali-Regular.ttf"),
    "tamil": Face("NotoSerifTamil-Regular", "NotoSerifTamil-Regular.ttf"),
    "telugu": Face("NotoSerifTelugu-Regular", "NotoSerifTelugu-Regular.ttf"),
    "gujarati": Face("NotoSerifGujarati-Regular", "NotoSerifGujarati-Regular.ttf"),
    "gurmukhi": Face("NotoSerifGurmukhi-Regular", "NotoSerifGurmukhi-Regular.ttf"),
    "sinhala": Face("NotoSerifSinhala-Regular", "NotoSerifSinhala-Regular.ttf"),
    "thai": Face("NotoSerifThai-Regular", "NotoSerifThai-Regular.ttf"),
    "khmer": Face("NotoSerifKhmer-Regular", "NotoSerifKhmer-Regular.ttf"),
    "lao": Face("NotoSerifLao-Regular", "NotoSerifLao-Regular.ttf"),
    "myanmar": Face("NotoSerifMyanmar-Regular", "NotoSerifMyanmar-Regular.ttf"),
    "georgian": Face("NotoSerifGeorgian-Regular", "NotoSerifGeorgian-Regular.ttf"),
    "armenian": Face("NotoSerifArmenian-Regular", "NotoSerifArmenian-Regular.ttf"),
    "ethiopic": Face("NotoSerifEthiopic-Regular", "NotoSerifEthiopic-Regular.ttf"),
}

#: The faces for the scripts Noto Serif lacks, tried after the chain's own faces.
SCRIPT_FACES: tuple[str, ...] = (
    "arabic",
    "hebrew",
    "devanagari",
    "bengali",
    "tamil",
    "telugu",
    "gujarati",
    "gurmukhi",
    "sinhala",
    "thai",
    "khmer",
    "lao",
    "myanmar",
    "georgian",
    "armenian",
    "ethiopic",
)

#: Fallback chains: which faces to try, in order, for each kind of text.
CHAINS: dict[str, tuple[str, ...]] = {
    # Addresses, the printed message, labels.
    "text": ("serif", *SCRIPT_FACES, "cjk"),
    # The card's front.
    "title": ("serif-italic", "serif", *SCRIPT_FACES, "cjk"),
    # The personal note: handwriting where it has the letters (Latin, Cyrillic), the
    # italic serif for Greek, the script faces for the rest, the CJK font for Japanese,
    # Chinese, Korean.
    "hand": ("hand", "serif-italic", *SCRIPT_FACES, "cjk"),
}

#: Fallback faces set smaller than the chain's first face, so they match it by eye: the
#: handwriting font has a small x-height, the serif beside it would look shouted.
FALLBACK_SCALE: dict[str, dict[str, float]] = {
    "hand": {"serif-italic": 0.72, "cjk": 0.72, **dict.fromkeys(SCRIPT_FACES, 0.72)},
}

#: Invisible format characters that no font needs to draw (zero-width space and joiners,
#: variation selectors, the byte-order mark); they are dropped before layout.
_IGNORABLE = dict.fromkeys(
    [0x00AD, 0x200B, 0x200E, 0x200F, 0x2060, 0xFEFF, *range(0xFE00, 0xFE10)]
    # Explicit bidi embeddings and isolates: the layout applies the bidi algorithm itself.
    + [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]
)
#: Joiners change how Arabic and Indic letters join (a half form, a visible virama), so
#: they stay in the text; the shaper handles them, and no font needs a glyph of its own.
_JOINERS = frozenset("\u200c\u200d")
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
    """NFC text without invisible format characters, odd spaces made plain spaces.

    Zero-width joiners stay in text that will be shaped (see :func:`needs_shaping`), where
    they choose a letter's form; elsewhere they are dropped like the other invisibles.
    """
    text = unicodedata.normalize("NFC", text).translate(_IGNORABLE).translate(_SPACES)
    if not _JOINERS.isdisjoint(text) and not needs_shaping(text):
        text = text.replace("\u200c", "").replace("\u200d", "")
    return text


#: Blocks whose letters change shape with their neighbours, or run right to left: Hebrew,
#: Arabic, Syriac, Thaana, N'Ko, the Indic scripts, Thai, Lao, Tibetan, Myanmar, Khmer, and
#: the Hebrew and Arabic presentation forms.
_COMPLEX = re.compile(
    "[\u0590-\u08ff\u0900-\u0dff\u0e00-\u0fff\u1000-\u109f\u1780-\u17ff"
    "\u19e0-\u19ff\ua980-\ua9ff\uaa60-\uaa7f\ufb1d-\ufdff\ufe70-\ufefe]"
)


def needs_shaping(text: str) -> bool:
    """True when ``text`` must go through the shaper and the bidi algorithm to print right.

    Latin, Greek, Cyrillic, Georgian, Armenian, Ethiopic and CJK text prints correctly glyph
    by glyph; right-to-left text and scripts with conjuncts, reordering or joining do not.
    """
    return _COMPLEX.search(text) is not None


def font_path(face: Face) -> Path:
    """The file of ``face``: a bundled one, or a user's font by its absolute path."""
    if Path(face.file).is_absolute():
        return Path(face.file)
    return Path(str(resources.files(__package__).joinpath("fonts", face.file)))


class FontFileError(Exception):
    """A user's font file cannot be used (the caller names the setting)."""


def add_font(path: Path) -> str:
    """Make a user's TrueType font available as a role; returns the role's name.

    The file is read once to check it: reportlab embeds TrueType outlines only, so an
    OpenType font with CFF outlines (most ``.otf`` files) is refused with a clear reason.
    """
    role = f"user:{path}"
    if role in FACES:
        return role
    from fontTools.ttLib import TTFont, TTLibError

    try:
        with TTFont(path, lazy=True, fontNumber=0) as font:
            if "glyf" not in font:
                raise FontFileError(
                    f"{path} has PostScript (CFF) outlines; the PDFs can embed TrueType "
                    "outlines only: use the .ttf version of the font"
                )
            if not font.getBestCmap():
                raise FontFileError(f"{path} has no Unicode character map")
    except (OSError, TTLibError, AssertionError, KeyError) as exc:
        raise FontFileError(f"cannot read font {path}: {exc}") from None
    # reportlab font names are global to the process: the path keeps two fonts with the
    # same file name apart.
    digest = hashlib.sha1(str(path).encode()).hexdigest()[:8]
    face = Face(f"User-{path.stem}-{digest}", str(path))
    from reportlab.pdfbase.ttfonts import TTFError

    # Registered now, not when first drawn, so what reportlab refuses (a PostScript name it
    # cannot write, a table it cannot read) is met here and named as the setting's.
    try:
        _register_face(face)
    except TTFError as exc:
        raise FontFileError(f"cannot embed font {path} in a PDF: {exc}") from None
    FACES[role] = face
    return role


@cache
def coverage(role: str) -> frozenset[str]:
    """Every character the face for ``role`` maps to a glyph (its cmap, read by HarfBuzz:
    fontTools would name all 33,000 glyphs of the CJK font first, which takes a second)."""
    import uharfbuzz as hb

    face = hb.Face(hb.Blob.from_file_path(str(font_path(FACES[role]))))
    return frozenset(chr(cp) for cp in face.unicodes)


#: A chain: the name of one in :data:`CHAINS`, or the roles themselves (user fonts first).
Chain = str | tuple[str, ...]


def chain_roles(chain: Chain) -> tuple[str, ...]:
    """The roles of ``chain``, in the order they are tried."""
    return CHAINS[chain] if isinstance(chain, str) else chain


def split_runs(text: str, chain: Chain = "text") -> list[Run]:
    """Cut ``text`` (already cleaned) into runs, each drawn by the first face that can.

    Raises :class:`MissingGlyphs` listing every character no face in the chain has.
    Line breaks pass through inside runs; the caller splits lines first if it needs to.
    """
    roles = chain_roles(chain)
    wanted = set(text) - {"\n"} - _JOINERS
    first = coverage(roles[0])
    if wanted <= first:
        return [Run(FACES[roles[0]].name, text)] if text else []
    missing = wanted - chain_coverage(roles)
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
        letters = set(piece) - _JOINERS
        whole = next((r for r in roles if letters <= coverage(r)), None)
        if whole is not None:
            emit(whole, piece)
            continue
        for ch in piece:
            if ch in _JOINERS and current is not None:
                emit(current, ch)
                continue
            if current is not None and ch in coverage(current) and not ch.isalnum():
                # Punctuation and accents stay in the font of the letters before them.
                emit(current, ch)
            else:
                emit(next(r for r in roles if ch in coverage(r)), ch)
    if chunk and current is not None:
        runs.append(Run(FACES[current].name, "".join(chunk)))
    return runs


@cache
def chain_coverage(roles: tuple[str, ...]) -> frozenset[str]:
    """Every character some face of ``roles`` can draw."""
    return frozenset().union(*(coverage(role) for role in roles))


def missing_chars(text: str, chain: Chain = "text") -> set[str]:
    """The characters of ``text`` no face of ``chain`` can draw."""
    return set(text) - {"\n"} - _JOINERS - chain_coverage(chain_roles(chain))


def romanise(text: str, chain: Chain = "text") -> str:
    """``text`` with each word that holds a character no face of ``chain`` can draw
    transliterated into Latin letters (anyascii); every other word is kept as written."""
    missing = missing_chars(text, chain)
    if not missing:
        return text
    from anyascii import anyascii

    def word(match: re.Match[str]) -> str:
        piece = match.group()
        return anyascii(piece) if not missing.isdisjoint(piece) else piece

    return re.sub(r"\S+", word, text)


_registered: set[str] = set()


def register(font_names: Iterable[str]) -> None:
    """Register the named bundled faces with reportlab (once per process), for embedding."""
    by_name = {face.name: face for face in FACES.values()}
    for name in font_names:
        if name not in _registered:
            _register_face(by_name[name])


def _register_face(face: Face) -> None:
    from reportlab.pdfbase import pdfmetrics

    from .embedding import ShapingTTFont

    pdfmetrics.registerFont(ShapingTTFont(face.name, str(font_path(face))))
    _registered.add(face.name)


def string_width(runs: Iterable[Run], size: float) -> float:
    """The width of ``runs`` (in registered fonts) set at ``size`` points."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    return sum(stringWidth(r.text, r.font, size) for r in runs)
