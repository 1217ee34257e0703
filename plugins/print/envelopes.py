"""Envelope layout: the delivery address where machines read it, the return address, the IMb.

Every envelope keeps the bottom 5/8 inch free of print (the barcode clear zone the USPS and
other posts spray their own barcodes into). US mail also keeps every delivery line inside the
USPS OCR read area: between 5/8 and 2 3/4 inches from the bottom and 1/2 inch from each side.
An Intelligent Mail barcode, when asked for, sits in the address block above the name, as
USPS rules allow, so the clear zone stays empty.

The layout is computed when a piece is rendered, so an address too long for its envelope
stops the run before anything is written; the IMb's serial number is filled in when the
mailing is delivered, because it follows the order of the mailing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from .cards import LayoutError
from .fonts import FACES, Chain, Run, clean_text, needs_shaping, register, split_runs, string_width
from .imb import IMb
from .shaping import ShapedLine, draw_line, is_rtl, shape_line
from .sizes import INCH, Size

__all__ = [
    "BARCODE_CLEAR",
    "EnvelopeLayout",
    "OCR_BOTTOM",
    "OCR_SIDE",
    "OCR_TOP",
    "TextBlock",
    "draw_envelope",
    "draw_flap",
    "layout_envelope",
    "text_block",
]

OCR_BOTTOM = 0.625 * INCH
OCR_TOP = 2.75 * INCH
OCR_SIDE = 0.5 * INCH
#: Width of the barcode clear zone, measured from the right edge, 5/8 inch tall.
BARCODE_CLEAR = 4.75 * INCH
#: Bar height and clearances of an IMb in the address block.
_IMB_HEIGHT = 0.17 * INCH
_IMB_GAP = 0.06 * INCH


@dataclass(slots=True)
class TextBlock:
    """Lines of runs at one size; ``x`` and the first baseline ``y`` in page points."""

    lines: list[list[Run]]
    size: float
    x: float = 0.0
    y: float = 0.0
    centred: bool = False
    width: float = 0.0
    #: Each line shaped for drawing, or ``None`` where drawing it run by run is right.
    shaped: list[ShapedLine | None] = field(default_factory=list)
    #: A right-to-left address (Hebrew, Arabic, Urdu): every line is set flush right.
    rtl: bool = False

    def line_width(self, index: int, size: float) -> float:
        """The width of line ``index`` at ``size`` points."""
        shaped = self.shaped[index] if self.shaped else None
        if shaped is not None:
            return shaped.width * size
        return string_width(self.lines[index], size)

    #: Baseline to baseline, per point: more for scripts that stack marks high and low.
    leading_ratio: float = 1.22

    @property
    def leading(self) -> float:
        """Baseline to baseline."""
        return self.size * self.leading_ratio

    #: Ascent and descent per point of the tallest fonts used (set by :func:`text_block`).
    ascent_ratio: float = 1.0
    descent_ratio: float = 0.3

    @property
    def ascent(self) -> float:
        """Height above the first baseline."""
        return self.size * self.ascent_ratio

    @property
    def descent(self) -> float:
        """Depth below the last baseline (positive)."""
        return self.size * self.descent_ratio

    @property
    def height(self) -> float:
        """From the top of the first line to the bottom of the last."""
        return self.ascent + self.leading * (len(self.lines) - 1) + self.descent


def _metric(lines: Sequence[Sequence[Run]], which: int) -> float:
    from reportlab.pdfbase.pdfmetrics import getAscentDescent

    fonts = {run.font for line in lines for run in line} or {FACES["serif"].name}
    values = [getAscentDescent(font, 1.0)[which] for font in fonts]
    return max(values) if which == 0 else min(values)


#: Line spacing for faces whose marks reach far above and below the line: Myanmar stacks
#: vowel signs and medials over and under its letters, which touch the next line at 1.22.
_LEADING = {FACES["myanmar"].name: 1.5}


def text_block(lines: Sequence[str], size: float, chain: Chain = "text") -> TextBlock:
    """Lines of text cut into font runs, shaped where the script needs it (raises
    :class:`~.fonts.MissingGlyphs`).

    The block's direction is that of its first strong character: an address written in
    Hebrew or Arabic is right-to-left as a whole, its postal code line included.
    """
    cleaned = [clean_text(line) for line in lines]
    runs = [split_runs(line, chain) for line in cleaned]
    register({run.font for line in runs for run in line})
    rtl = is_rtl("\n".join(cleaned))
    shaped = [shape_line(line, chain, rtl) if needs_shaping(line) else None for line in cleaned]
    fonts = {run.font for line in runs for run in line}
    return TextBlock(
        runs,
        size,
        shaped=shaped,
        rtl=rtl,
        leading_ratio=max((_LEADING.get(font, 1.22) for font in fonts), default=1.22),
        ascent_ratio=_metric(runs, 0),
        descent_ratio=-_metric(runs, 1),
    )


def _widest(block: TextBlock, size: float) -> float:
    return max((block.line_width(i, size) for i in range(len(block.lines))), default=0.0)


@dataclass(slots=True)
class EnvelopeLayout:
    """An envelope ready to draw."""

    size: Size
    delivery: TextBlock
    #: The return address in the upper left corner, if any.
    corner: TextBlock | None = None
    #: The return address for the back flap, if any (drawn on a page of its own).
    flap: TextBlock | None = None
    #: Lower left corner of the IMb in the address block, when one is to be printed.
    barcode_at: tuple[float, float] | None = None
    #: True when the delivery lines are kept inside the USPS OCR read area.
    ocr_area: bool = False


def layout_envelope(
    size: Size,
    delivery: Sequence[str],
    *,
    return_lines: Sequence[str] = (),
    return_on: str = "corner",
    us_mail: bool = False,
    barcode: bool = False,
    chain: Chain = "text",
) -> EnvelopeLayout:
    """Place the addresses on an envelope; raises :class:`LayoutError` when they cannot fit."""
    w, h = size.width, size.height
    corner = flap = None
    corner_bottom = h
    corner_right = 0.0
    if return_lines and return_on == "corner":
        corner = _fit_return(return_lines, max_width=w * 0.45, start=9.0, chain=chain)
        corner.x = 0.35 * INCH
        corner.y = h - 0.3 * INCH - corner.ascent
        corner_bottom = corner.y - corner.leading * (len(corner.lines) - 1) - corner.descent
        corner_right = corner.x + corner.width
    elif return_lines and return_on == "flap":
        flap = _fit_return(return_lines, max_width=w * 0.8, start=9.5, chain=chain)
        flap.centred = True
        flap.x = w / 2
        depth = min(1.3 * INCH, h * 0.3)
        flap.y = h - depth / 2 + flap.height / 2 - flap.ascent

    block = text_block(delivery, 11.0, chain)
    extra = _IMB_HEIGHT + _IMB_GAP if barcode else 0.0
    bar_width = 0.0
    if barcode:
        bar_width = IMb("0" * 20).size[0]
    floor = 9.0
    points = 11.0
    while True:
        block.size = points
        block.width = _widest(block, points)
        needed_width = max(block.width, bar_width)
        x = min(w * 0.42, w - OCR_SIDE - needed_width)
        bottom_min = OCR_BOTTOM + 0.1 * INCH
        top_max = h - 0.4 * INCH
        if us_mail:
            top_max = min(top_max, OCR_TOP - 0.05 * INCH)
        if corner is not None and x < corner_right + 0.2 * INCH:
            top_max = min(top_max, corner_bottom - 0.2 * INCH)
        height = block.height + extra
        fits = x >= OCR_SIDE and height <= top_max - bottom_min
        if fits:
            break
        points -= 0.5
        if points < floor:
            if x < OCR_SIDE:
                problem = f"a line is {block.width / INCH:.2f} in wide"
            else:
                problem = f"the address needs {height / INCH:.2f} in of height"
            raise LayoutError(
                f"the address does not fit the {size.name} envelope even at {floor:g} pt "
                f"({problem}); choose a larger envelope"
            )
    # Centre the block a little below the middle, then keep it inside the limits.
    top = h * 0.44 + height / 2
    top = max(min(top, top_max), bottom_min + height)
    barcode_at = None
    if barcode:
        barcode_at = (x, top - _IMB_HEIGHT)
        top -= extra
    block.x = x
    block.y = top - block.ascent
    return EnvelopeLayout(size, block, corner, flap, barcode_at, us_mail)


def _fit_return(
    lines: Sequence[str], *, max_width: float, start: float, chain: Chain = "text"
) -> TextBlock:
    """The return address at the largest size that fits (a fresh block each call)."""
    return replace(_fit_return_cached(tuple(lines), max_width, start, chain))


@lru_cache(maxsize=64)
def _fit_return_cached(
    lines: tuple[str, ...], max_width: float, start: float, chain: Chain
) -> TextBlock:
    # Every envelope of a run has the same return address: fit it once.
    block = text_block(lines, start, chain)
    points = start
    while True:
        width = _widest(block, points)
        if width <= max_width:
            block.size = points
            block.width = width
            return block
        points -= 0.5
        if points < 6.5:
            raise LayoutError(
                "the return address (outreach.toml [me.address]) is too wide for the envelope"
            )


def draw_block(canvas: Any, block: TextBlock, color: tuple[float, float, float]) -> None:
    """Draw a text block: each line's runs one after another, in their fonts."""
    canvas.setFillColorRGB(*color)
    y = block.y
    for index, line in enumerate(block.lines):
        x = block.x
        if block.centred:
            x -= block.line_width(index, block.size) / 2
        elif block.rtl:
            x += block.width - block.line_width(index, block.size)
        shaped = block.shaped[index] if block.shaped else None
        if shaped is not None:
            draw_line(canvas, shaped, x, y, block.size)
            y -= block.leading
            continue
        text = canvas.beginText(x, y)
        for run in line:
            text.setFont(run.font, block.size)
            text.textOut(run.text)
        canvas.drawText(text)
        y -= block.leading


def draw_envelope(canvas: Any, layout: EnvelopeLayout, imb: IMb | None = None) -> None:
    """Draw the address side of one envelope at the canvas origin."""
    if layout.corner is not None:
        draw_block(canvas, layout.corner, (0.2, 0.2, 0.2))
    draw_block(canvas, layout.delivery, (0.0, 0.0, 0.0))
    if imb is not None and layout.barcode_at is not None:
        widget = imb.widget()
        x, y = layout.barcode_at
        # The widget's own clear zone sits left of the first bar; line the bars up with
        # the address.
        canvas.saveState()
        canvas.setFillColorRGB(0, 0, 0)
        widget.drawOn(canvas, x - widget.horizontalClearZone, y - widget.verticalClearZone)
        canvas.restoreState()


def draw_flap(canvas: Any, layout: EnvelopeLayout) -> None:
    """Draw the back flap's return address at the canvas origin."""
    if layout.flap is not None:
        draw_block(canvas, layout.flap, (0.2, 0.2, 0.2))
