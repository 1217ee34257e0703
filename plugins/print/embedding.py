"""Embedding shaped glyphs: a reportlab TrueType font that can draw any glyph by its id.

reportlab draws characters: a character is looked up in the font's cmap and its glyph goes
into the subset. A shaper answers with glyph ids, and many of them (Arabic joining forms,
Indic conjuncts, ligatures) have no character of their own. :class:`ShapingTTFont` gives
each such glyph a private-use code the first time it is drawn, so reportlab subsets and
embeds it like any other, and writes the text the glyph stands for into the subset's
ToUnicode map instead of the private-use code, so that copying from the PDF gives letters.
(Each line also carries its whole text as ``/ActualText``; see :mod:`.shaping`.)
"""

from __future__ import annotations

from typing import Any

from reportlab.pdfbase import ttfonts
from reportlab.pdfbase.ttfonts import TTFont

__all__ = ["ShapingTTFont"]

#: Private-use codes handed out to glyphs without a character.
_PRIVATE_FIRST = 0xF0000
_PRIVATE_LAST = 0xFFFFD


class ShapingTTFont(TTFont):
    """A TrueType font whose glyphs can be drawn by glyph id (see the module docstring)."""

    def __init__(self, name: str, filename: str) -> None:
        # reportlab's own experimental shaping would shape the private-use codes again:
        # shaping happens before drawing, in .shaping.
        super().__init__(name, filename, shapable=False)
        self._code_of: dict[tuple[int, str], int] = {}
        self._meaning: dict[int, str] = {}
        self._next_private = _PRIVATE_FIRST

    def code_for(self, gid: int, text: str, width: float) -> int:
        """The character code that draws glyph ``gid`` standing for ``text``.

        ``text`` is what the glyph stands for: its cluster's text, or "" for the second and
        later glyphs of a cluster. A glyph the cmap gives for exactly that text uses the
        character itself; any other pairing (a joining form, a conjunct, a ligature, a
        glyph that stands for nothing) gets a private-use code of its own, whose advance
        in the PDF is ``width`` (thousandths of an em).
        """
        key = (gid, text)
        code = self._code_of.get(key)
        if code is not None:
            return code
        face: Any = self.face
        if len(text) == 1 and face.charToGlyph.get(ord(text)) == gid:
            code = ord(text)
        else:
            code = self._next_private
            while code in face.charToGlyph:
                code += 1
            if code > _PRIVATE_LAST:
                raise ValueError(f"font {self.fontName}: too many shaped glyphs")
            self._next_private = code + 1
            face.charToGlyph[code] = gid
            face.glyphToChar.setdefault(gid, []).append(code)
            face.charWidths[code] = width
            self._meaning[code] = text
        self._code_of[key] = code
        return code

    def meaning_of(self, code: int) -> str:
        """The text the ToUnicode map gives for ``code``."""
        return self._meaning.get(code, chr(code))

    def addObjects(self, doc: Any) -> None:
        """Add the subsets to ``doc``, with ToUnicode maps that know the shaped glyphs."""
        meaning = self._meaning
        if not meaning:
            super().addObjects(doc)
            return
        original = ttfonts.makeToUnicodeCMap

        def to_unicode(fontname: str, subset: list[int]) -> str:
            return _to_unicode_cmap(fontname, subset, meaning)

        # reportlab builds the map in a module-level function; swap it for the duration of
        # this one call (drawing is single-threaded, and the original is always restored).
        ttfonts.makeToUnicodeCMap = to_unicode
        try:
            super().addObjects(doc)
        finally:
            ttfonts.makeToUnicodeCMap = original


def _utf16_hex(text: str) -> str:
    return text.encode("utf-16-be").hex().upper()


def _to_unicode_cmap(fontname: str, subset: list[int], meaning: dict[int, str]) -> str:
    """A ToUnicode CMap like reportlab's, with shaped glyphs mapped to their text."""
    entries = []
    for index, code in enumerate(subset):
        # A glyph that stands for no text of its own (the dots a font draws apart from
        # their letter, the second half of a split vowel sign) maps to the empty string,
        # so readers add nothing for it rather than a stray code.
        text = meaning.get(code, chr(code))
        entries.append(f"<{index:02X}> <{_utf16_hex(text)}>")
    lines = [
        "/CIDInit /ProcSet findresource begin",
        "12 dict begin",
        "begincmap",
        "/CIDSystemInfo",
        f"<< /Registry ({fontname})",
        f"/Ordering ({fontname})",
        "/Supplement 0",
        ">> def",
        f"/CMapName /{fontname} def",
        "/CMapType 2 def",
        "1 begincodespacerange",
        f"<00> <{len(subset) - 1:02X}>",
        "endcodespacerange",
    ]
    # A bfchar block holds at most 100 entries.
    for start in range(0, len(entries), 100):
        chunk = entries[start : start + 100]
        lines += [f"{len(chunk)} beginbfchar", *chunk, "endbfchar"]
    lines += ["endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]
    return "\n".join(lines)
