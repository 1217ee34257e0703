"""Shaped, bidirectional lines: HarfBuzz for the glyphs, the Unicode bidi algorithm for order.

A line of Arabic, Hebrew or an Indic script cannot be drawn character by character: Arabic
letters join, Devanagari forms conjuncts and moves vowel signs, and a right-to-left street
line holds left-to-right house numbers. :func:`shape_line` takes a line in logical order
(as typed), cuts it into runs of one font and one embedding level (python-bidi's
implementation of UAX #9), shapes each run with HarfBuzz (uharfbuzz) in its direction, and
puts the runs in visual order (rule L2). :func:`draw_line` then draws the glyphs by id at
HarfBuzz's positions, inside a marked-content span whose ``/ActualText`` is the line as
typed, so copying, searching and text extraction give the original text in logical order.

Shaping is done at one unit (an em) and scaled when drawn, so a line shaped once serves
every size a fitting loop tries; shaped lines are cached because every card of a campaign
shares most of its lines.
"""

from __future__ import annotations

import unicodedata
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from .fonts import FACES, Chain, MissingGlyphs, Run, font_path, register, split_runs

__all__ = [
    "Glyph",
    "ShapedLine",
    "ShapedRun",
    "bidi_levels",
    "draw_line",
    "is_rtl",
    "shape_line",
    "shape_run",
]


@dataclass(frozen=True, slots=True)
class Glyph:
    """One glyph as HarfBuzz placed it; distances in ems (multiply by the point size)."""

    gid: int
    #: Index of the first character of its cluster in the run's text.
    cluster: int
    advance: float
    dx: float
    dy: float


@dataclass(frozen=True, slots=True)
class ShapedRun:
    """A run of one font and one direction, shaped; glyphs in visual (left to right) order."""

    font: str
    text: str
    rtl: bool
    glyphs: tuple[Glyph, ...]

    @property
    def width(self) -> float:
        """The advance of the whole run, in ems."""
        return sum(g.advance for g in self.glyphs)


@dataclass(frozen=True, slots=True)
class ShapedLine:
    """A line ready to draw: runs in visual order, and the text as typed."""

    text: str
    runs: tuple[ShapedRun, ...]
    #: The paragraph direction the line was laid out in.
    rtl: bool

    @property
    def width(self) -> float:
        """The advance of the line, in ems."""
        return sum(run.width for run in self.runs)

    @property
    def fonts(self) -> set[str]:
        """The registered fonts the line uses."""
        return {run.font for run in self.runs}


_STRONG_RTL = {"R", "AL"}


def is_rtl(text: str) -> bool:
    """True when the first strong character of ``text`` is right-to-left (rules P2, P3)."""
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind in _STRONG_RTL:
            return True
        if kind == "L":
            return False
    return False


def bidi_levels(text: str, rtl: bool) -> list[int]:
    """The resolved embedding level of each character (UAX #9 up to rule I2).

    Text without right-to-left characters and a left-to-right paragraph is all level 0,
    which spares the algorithm most lines (Latin, Indic, Thai).
    """
    if not rtl and not any(unicodedata.bidirectional(ch) in ("R", "AL", "AN") for ch in text):
        return [0] * len(text)
    # python-bidi's Rust implementation returns only the reordered string; its pure Python
    # one (shipped beside it as bidi.algorithm) gives the levels, which runs of glyphs need.
    from bidi import algorithm

    storage = algorithm.get_empty_storage()
    storage["base_level"] = 1 if rtl else 0
    storage["base_dir"] = "R" if rtl else "L"
    algorithm.get_embedding_levels(text, storage)
    algorithm.explicit_embed_and_overrides(storage)
    algorithm.resolve_weak_types(storage)
    algorithm.resolve_neutral_types(storage, False)
    algorithm.resolve_implicit_levels(storage, False)
    levels = [int(ch["level"]) for ch in storage["chars"]]
    if len(levels) != len(text):  # explicit controls are removed before layout
        raise ValueError("bidi levels do not match the text")
    # Rule L1: trailing whitespace takes the paragraph level.
    end = len(levels)
    while end and text[end - 1].isspace():
        end -= 1
        levels[end] = storage["base_level"]
    return levels


@cache
def _hb_font(font: str) -> tuple[Any, int]:
    """The HarfBuzz font for a registered face, at one unit per font unit, and its em."""
    import uharfbuzz as hb

    by_name = {face.name: face for face in FACES.values()}
    blob = hb.Blob.from_file_path(str(font_path(by_name[font])))
    face = hb.Face(blob)
    return hb.Font(face), face.upem


@lru_cache(maxsize=8192)
def shape_run(font: str, text: str, rtl: bool) -> ShapedRun:
    """Shape ``text`` in ``font`` in one direction; glyph positions in ems."""
    import uharfbuzz as hb

    hb_font, upem = _hb_font(font)
    buf = hb.Buffer()
    # Code points, so that cluster values are indices into ``text``.
    buf.add_codepoints([ord(ch) for ch in text])
    buf.guess_segment_properties()
    buf.direction = "rtl" if rtl else "ltr"
    # Joiners have done their work once shaped; leave no invisible glyph behind.
    buf.flags = hb.BufferFlags.REMOVE_DEFAULT_IGNORABLES
    hb.shape(hb_font, buf, {"kern": True, "liga": True})
    scale = 1.0 / upem
    glyphs = tuple(
        Glyph(
            info.codepoint,
            info.cluster,
            pos.x_advance * scale,
            pos.x_offset * scale,
            pos.y_offset * scale,
        )
        for info, pos in zip(buf.glyph_infos, buf.glyph_positions, strict=True)
    )
    return ShapedRun(font, text, rtl, glyphs)


def _level_runs(runs: Sequence[Run], levels: Sequence[int]) -> list[tuple[Run, int]]:
    """Font runs cut further where the embedding level changes."""
    out: list[tuple[Run, int]] = []
    start = 0
    for run in runs:
        text = run.text
        piece_start = 0
        for i in range(1, len(text) + 1):
            if i == len(text) or levels[start + i] != levels[start + piece_start]:
                out.append((Run(run.font, text[piece_start:i]), levels[start + piece_start]))
                piece_start = i
        start += len(text)
    return out


def _visual_order(pieces: list[tuple[Run, int]]) -> list[tuple[Run, int]]:
    """Rule L2: reverse every sequence at each level from the highest to the lowest odd."""
    if not pieces:
        return pieces
    highest = max(level for _, level in pieces)
    lowest_odd = min((level for _, level in pieces if level % 2), default=highest + 1)
    order = list(pieces)
    for level in range(highest, lowest_odd - 1, -1):
        i = 0
        while i < len(order):
            if order[i][1] >= level:
                j = i
                while j < len(order) and order[j][1] >= level:
                    j += 1
                order[i:j] = order[i:j][::-1]
                i = j
            else:
                i += 1
    return order


@lru_cache(maxsize=4096)
def shape_line(text: str, chain: Chain = "text", rtl: bool | None = None) -> ShapedLine:
    """Lay out one line (cleaned, no line breaks) for drawing; see the module docstring.

    ``rtl`` is the paragraph direction; by default that of the line's first strong
    character. Raises :class:`~.fonts.MissingGlyphs` like :func:`~.fonts.split_runs`.
    """
    runs = split_runs(text, chain)
    register({run.font for run in runs})
    direction = is_rtl(text) if rtl is None else rtl
    levels = bidi_levels(text, direction)
    pieces = _visual_order(_level_runs(runs, levels))
    shaped = tuple(shape_run(run.font, run.text, level % 2 == 1) for run, level in pieces)
    # Glyph 0 is .notdef, the empty box: the cmap check makes it unlikely, a font whose
    # cmap lies would still be caught here.
    missing = [run.text[g.cluster] for run in shaped for g in run.glyphs if g.gid == 0]
    if missing:
        raise MissingGlyphs(missing)
    return ShapedLine(text, shaped, direction)


def _actual_text(text: str) -> str:
    return "<FEFF" + text.encode("utf-16-be").hex().upper() + ">"


def _num(value: float) -> str:
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


def _clusters(run: ShapedRun) -> list[tuple[str, list[Glyph]]]:
    """The run's glyphs grouped by cluster, in visual order, each with the text it draws."""
    starts = sorted({g.cluster for g in run.glyphs})
    ends = dict(zip(starts, [*starts[1:], len(run.text)], strict=True))
    groups: list[tuple[str, list[Glyph]]] = []
    for glyph in run.glyphs:
        if groups and groups[-1][1][0].cluster == glyph.cluster:
            groups[-1][1].append(glyph)
        else:
            groups.append((run.text[glyph.cluster : ends[glyph.cluster]], [glyph]))
    return groups


def _words(
    clusters: list[tuple[str, list[Glyph]]],
) -> list[list[tuple[str, list[Glyph]]]]:
    """Clusters gathered into words and single spaces, still in visual order."""
    words: list[list[tuple[str, list[Glyph]]]] = []
    previous_space = True
    for cluster in clusters:
        space = cluster[0].isspace()
        if space or previous_space:
            words.append([cluster])
        else:
            words[-1].append(cluster)
        previous_space = space
    return words


def draw_line(canvas: Any, line: ShapedLine, x: float, y: float, size: float) -> None:
    """Draw ``line`` with its left end at ``x`` and its baseline at ``y``.

    Glyphs go out in visual order as TJ arrays with HarfBuzz's advances as adjustments, and
    vertical offsets (Arabic and Indic marks) as text rise. Each glyph's ToUnicode entry
    gives the text it stands for. A left-to-right word that glyph-by-glyph text cannot
    describe (a Devanagari vowel sign drawn before its consonant, a conjunct, a raised
    mark) is wrapped in a ``/Span`` whose ``/ActualText`` is the word as typed, which PDF
    readers use for copy and search in place of its glyphs. Right-to-left text is left
    for readers to put back in logical order, as they do for any PDF; a glyph standing for
    several letters (a ligature) is mapped in the visual order they expect.
    """
    doc = canvas._doc
    drawn = _drawn.setdefault(doc, {})
    key = (line, size)
    if key not in drawn:
        drawn[key] = _glyph_ops(doc, line, size)
    canvas.addLiteral(f"BT\n1 0 0 1 {_num(x)} {_num(y)} Tm\n{drawn[key]}\nET")


#: The operators of lines already drawn, by document: once a document has given a glyph
#: its code, the same line at the same size is the same operators, wherever it goes (a
#: greeting, a country's name lines), so they are made once per document.
_drawn: weakref.WeakKeyDictionary[Any, dict[tuple[ShapedLine, float], str]] = (
    weakref.WeakKeyDictionary()
)


def _glyph_ops(doc: Any, line: ShapedLine, size: float) -> str:
    """The text operators that draw ``line`` from the current text position."""
    from reportlab.pdfbase.pdfmetrics import getFont

    ops: list[str] = []
    array: list[str] = []
    size_text = _num(size)
    for run in line.runs:
        font = getFont(run.font)
        widths = font.face.charWidths
        # Pieces to draw in order: (ActualText or None, glyphs, codes).
        pieces: list[tuple[str | None, list[Glyph], list[int]]] = []
        for word in _words(_clusters(run)):
            prepared = []
            plain = True
            for text, glyphs in word:
                meaning = text[::-1] if run.rtl else text
                codes = [font.code_for(glyphs[0].gid, meaning, glyphs[0].advance * 1000)]
                codes += [font.code_for(g.gid, "", g.advance * 1000) for g in glyphs[1:]]
                # Simple: one glyph with the cluster's text, not moved off the pen (readers
                # differ on glyphs mapped to nothing, and on moved ones).
                simple = (
                    len(glyphs) == 1
                    and glyphs[0].dx == 0
                    and glyphs[0].dy == 0
                    and font.meaning_of(codes[0]) == meaning
                )
                plain = plain and simple
                prepared.append((meaning, glyphs, codes, simple))
            if not run.rtl and not plain:
                word_text = "".join(t for t, _ in word)
                pieces.append(
                    (
                        word_text,
                        [g for p in prepared for g in p[1]],
                        [c for p in prepared for c in p[2]],
                    )
                )
                continue
            for meaning, glyphs, codes, simple in prepared:
                span = meaning if not simple and len(glyphs) > 1 else None
                pieces.append((span, glyphs, codes))
        all_codes = [c for _, _, codes in pieces for c in codes]
        flat = [
            (subset, byte)
            for subset, data in font.splitString("".join(map(chr, all_codes)), doc)
            for byte in data
        ]
        at = 0
        current = -1
        rise = 0.0
        # Where the text position is, relative to where HarfBuzz wants the pen, in ems.
        drift = 0.0
        for span, glyphs, codes in pieces:
            if span is not None:
                if array:
                    ops.append("[" + " ".join(array) + "] TJ")
                    array.clear()
                ops.append(f"/Span <</ActualText {_actual_text(span)}>> BDC")
            for glyph, code in zip(glyphs, codes, strict=True):
                subset, byte = flat[at]
                at += 1
                dy = glyph.dy * size
                if subset != current or dy != rise:
                    if array:
                        ops.append("[" + " ".join(array) + "] TJ")
                        array.clear()
                    if subset != current:
                        ops.append(f"{font.getSubsetInternalName(subset, doc)} {size_text} Tf")
                        current = subset
                    if dy != rise:
                        ops.append(f"{_num(dy)} Ts")
                        rise = dy
                if glyph.dx != drift:
                    array.append(_num((drift - glyph.dx) * 1000))
                array.append(f"<{byte:02X}>")
                # The text position moves by the glyph's width in the PDF, the pen by
                # HarfBuzz's advance.
                drift = glyph.dx + widths.get(code, 0) / 1000 - glyph.advance
            if span is not None:
                if array:
                    ops.append("[" + " ".join(array) + "] TJ")
                    array.clear()
                ops.append("EMC")
        if abs(drift) > 1e-9:
            array.append(_num(drift * 1000))
        if array:
            ops.append("[" + " ".join(array) + "] TJ")
            array.clear()
        if rise:
            ops.append("0 Ts")
    return "\n".join(ops)


class ShapedParagraph:
    """A wrapped paragraph of shaped lines, drawn like a reportlab flowable.

    Cards use reportlab's ``Paragraph`` for text that prints glyph by glyph; a paragraph
    with right-to-left or complex-script text comes here instead, because ``Paragraph``
    neither shapes it nor orders it. Lines break at spaces (and, for a word longer than the
    line, between clusters); a right-to-left paragraph is set flush right unless centred.
    """

    def __init__(self, text: str, chain: Chain, style: Any, scale: float = 1.0) -> None:
        self.text = text
        self.chain = chain
        self.style = style
        self.size = float(style.fontSize) * scale
        self.leading = float(style.leading) * scale
        self.rtl = is_rtl(text)
        self.lines: list[ShapedLine] = []
        self.width = 0.0
        self.height = 0.0
        #: True when a single word is wider than the line (the card then shrinks its text).
        self.overflows = False
        # Shape every hard line once now, so a missing glyph is found at layout time.
        for hard in text.split("\n"):
            shape_line(hard, chain, self.rtl)

    def _fits(self, text: str, width: float) -> bool:
        return shape_line(text, self.chain, self.rtl).width * self.size <= width + 1e-6

    def wrap(self, width: float, height: float) -> tuple[float, float]:
        """Break the text into lines ``width`` wide; returns (width, height) like a flowable."""
        self.width = width
        self.lines = []
        self.overflows = False
        for hard in self.text.split("\n"):
            current = ""
            for word in hard.split(" "):
                candidate = f"{current} {word}" if current else word
                if not current or self._fits(candidate, width):
                    current = candidate
                    continue
                self._push(current, width)
                current = word
            self._push(current, width)
        self.height = len(self.lines) * self.leading
        return width, self.height

    def _push(self, text: str, width: float) -> None:
        """Add ``text`` as a line, cut between clusters if one word is too wide."""
        while not self._fits(text, width) and " " not in text and len(text) > 1:
            cut = len(text) - 1
            while cut > 1 and (
                unicodedata.category(text[cut]).startswith("M") or not self._fits(text[:cut], width)
            ):
                cut -= 1
            if cut <= 1:
                break
            self.lines.append(shape_line(text[:cut], self.chain, self.rtl))
            text = text[cut:]
        if not self._fits(text, width):
            self.overflows = True
        self.lines.append(shape_line(text, self.chain, self.rtl))

    def drawOn(self, canvas: Any, x: float, y: float) -> None:  # noqa: N802 - flowable API
        """Draw with the lower left corner of the wrapped paragraph at (x, y)."""
        from reportlab.lib.enums import TA_CENTER, TA_RIGHT

        canvas.saveState()
        canvas.setFillColor(self.style.textColor)
        baseline = y + self.height - self.size
        for line in self.lines:
            left = x
            if self.style.alignment == TA_CENTER:
                left = x + (self.width - line.width * self.size) / 2
            elif self.rtl or self.style.alignment == TA_RIGHT:
                left = x + self.width - line.width * self.size
            draw_line(canvas, line, left, baseline, self.size)
            baseline -= self.leading
        canvas.restoreState()
