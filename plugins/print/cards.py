"""Card layout: the front and the inside of one card, fitted to its size.

A card has two panels the size of the finished card: the *front* (the template's title and
lines under it on a simple border, or the campaign's front picture) and the *inside* (the
printed message, the signature, and the personal note in the handwriting font). A flat card
prints them on the two sides of one sheet; a folded card prints two spreads twice as wide:
outside (back | front) and inside (blank | message).

Text that does not fit shrinks step by step down to a floor (about 70 % of the nominal size,
never under 7 pt); past that the layout fails with :class:`LayoutError` and the channel names
the contact, so a run stops before a single file is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from .cardtext import CardText
from .fontchoice import DEFAULT_CHOICE, FontChoice
from .fonts import FACES, FALLBACK_SCALE, Chain, clean_text, needs_shaping, register, split_runs
from .markup import runs_markup
from .shaping import ShapedParagraph
from .sizes import INCH, Size

__all__ = [
    "CardLayout",
    "LayoutError",
    "Panel",
    "Signature",
    "draw_panel",
    "layout_card",
]

#: The note is written in blue-black ink; the message is printed in near-black.
INK = (0.11, 0.18, 0.42)
PRINT = (0.12, 0.12, 0.12)
ACCENT = (0.45, 0.08, 0.12)
BORDER = (0.13, 0.33, 0.22)

#: Shrinking stops at this fraction of the nominal size.
MIN_SCALE = 0.7
MIN_POINTS = 7.0


class LayoutError(Exception):
    """Text does not fit; the message says what and by how much (the caller adds who)."""


@dataclass(frozen=True, slots=True)
class Signature:
    """The signer's signature image and its pixel size."""

    path: Path
    width: int
    height: int


@dataclass(slots=True)
class Placed:
    """A wrapped paragraph and where its lower left corner goes in the panel."""

    flowable: Any
    x: float
    y: float


@dataclass(slots=True)
class Panel:
    """What is drawn on one card-sized panel."""

    width: float
    height: float
    texts: list[Placed] = field(default_factory=list)
    #: (path, x, y, width, height)
    images: list[tuple[Path, float, float, float, float]] = field(default_factory=list)
    #: Draw the built-in border and ornament under the text.
    design: bool = False
    #: Clip images to the panel (a front picture bleeds to the edge).
    clip: bool = False


@dataclass(slots=True)
class CardLayout:
    """A card ready to draw: its size, fold and two panels."""

    size: Size
    fold: str
    front: Panel
    inside: Panel
    #: The font sizes the inside was set at (after any shrinking).
    message_size: float = 0.0
    note_size: float = 0.0

    @property
    def unit(self) -> tuple[float, float]:
        """The printed size of one side: the card, or the spread when folded."""
        w, h = self.size.width, self.size.height
        return (2 * w, h) if self.fold == "folded" else (w, h)


@lru_cache(maxsize=256)
def _style(name: str, font: str, size: float, color: tuple[float, float, float], **kw: Any) -> Any:
    """A paragraph style; cached, as every card asks for the same few."""
    from reportlab.lib.colors import Color
    from reportlab.lib.styles import ParagraphStyle

    return ParagraphStyle(
        name,
        fontName=font,
        fontSize=size,
        leading=size * kw.pop("leading_ratio", 1.3),
        textColor=Color(*color),
        **kw,
    )


def _paragraph(text: str, chain: Chain, style: Any, scales: str = "") -> Any:
    """A paragraph of ``text``: reportlab's own, or a shaped one for complex scripts.

    ``scales`` names the :data:`FALLBACK_SCALE` entry for the chain's fallback faces.
    """
    from reportlab.platypus import Paragraph

    runs = split_runs(text, chain)
    register({r.font for r in runs})
    scale = FALLBACK_SCALE.get(scales or (chain if isinstance(chain, str) else ""), {})
    if needs_shaping(text):
        by_font = {FACES[role].name: factor for role, factor in scale.items()}
        factor = min((by_font.get(r.font, 1.0) for r in runs if r.text.strip()), default=1.0)
        return ShapedParagraph(text, chain, style, factor)
    if any(r.font == FACES["cjk"].name for r in runs):
        # CJK text has no spaces to break at.
        style = _clone(style, wordWrap="CJK")
    sizes = {FACES[role].name: style.fontSize * factor for role, factor in scale.items()}
    return Paragraph(runs_markup(runs, sizes, style.fontName), style)


@lru_cache(maxsize=64)
def _clone(style: Any, **changes: Any) -> Any:
    from reportlab.lib.styles import ParagraphStyle

    return ParagraphStyle(style.name + "+", parent=style, **changes)


def _wrap(paragraph: Any, width: float) -> float:
    """Wrap and return the height; a word wider than ``width`` (a line that overflows) is a
    misfit, reported as an infinite height."""
    _, height = paragraph.wrap(width, 10_000)
    if isinstance(paragraph, ShapedParagraph):
        return float("inf") if paragraph.overflows else float(height)
    # reportlab lets a line run over by a little (it does not count the last word's trailing
    # space); a word longer than the line runs over by much more.
    slack = -0.5 * paragraph.style.fontSize
    for line in paragraph.blPara.lines:
        # Simple paragraphs keep (extra space, words) tuples, styled ones line objects.
        extra = getattr(line, "extraSpace", None)
        if extra is None:
            extra = line[0]
        if extra < slack:
            return float("inf")
    return float(height)


@lru_cache(maxsize=1024)
def _wrapped(
    text: str, chain: Chain, style: Any, width: float, scales: str = ""
) -> tuple[Any, float]:
    """A wrapped paragraph and its height, shared between cards with the same text.

    Most of a card's message is the same for everyone ("Warm wishes for the holidays ...");
    a wrapped paragraph only reads its layout when drawn, so one can serve every card.
    """
    para = _paragraph(text, chain, style, scales)
    return para, _wrap(para, width)


def nominal_size(size: Size) -> float:
    """The message's font size for a card this wide (10 pt on A2, 13 pt on A5)."""
    return float(min(max(round(size.width / INCH * 2.3), 10), 13))


def margin(size: Size) -> float:
    """The panel margin."""
    return max(0.3 * INCH, 0.08 * size.width)


@lru_cache(maxsize=64)
def _front_panel(
    title: str, subtitle: str, size: Size, image: Path | None, fonts: FontChoice
) -> Panel:
    """The front; cached because every card of a campaign usually has the same one."""
    from reportlab.lib.enums import TA_CENTER

    w, h = size.width, size.height
    panel = Panel(w, h)
    if image is not None:
        panel.images.append((image, 0.0, 0.0, w, h))
        panel.clip = True
        return panel
    panel.design = True
    inner = w - 2 * margin(size) - 0.3 * INCH
    base = nominal_size(size)
    top = h * 0.56
    if title:
        nominal = round(w / INCH * 6.0)
        for points in _steps(nominal, max(14.0, nominal * 0.45)):
            style = _style(
                "front-title", FACES["serif-italic"].name, points, ACCENT, alignment=TA_CENTER
            )
            para = _paragraph(title, fonts.title, style)
            height = _wrap(para, inner)
            if height <= h * 0.3:
                break
        else:
            raise LayoutError(f"the card's front title does not fit the {size.name} card")
        panel.texts.append(Placed(para, (w - inner) / 2, top - height))
        top -= height + base * 0.6
    if subtitle:
        style = _style(
            "front-sub", FACES["serif"].name, base, PRINT, alignment=TA_CENTER, leading_ratio=1.35
        )
        para = _paragraph(subtitle, fonts.text, style)
        height = _wrap(para, inner)
        if height > top - margin(size) - 0.2 * INCH:
            raise LayoutError(f"the lines under the front title do not fit the {size.name} card")
        panel.texts.append(Placed(para, (w - inner) / 2, top - height))
    return panel


def _steps(start: float, floor: float, step: float = 0.5) -> list[float]:
    sizes = []
    points = float(start)
    while points >= floor - 1e-9:
        sizes.append(points)
        points -= step
    return sizes or [floor]


def layout_card(
    text: CardText,
    note: str,
    size: Size,
    fold: str,
    *,
    signature: Signature | None = None,
    front_image: Path | None = None,
    fonts: FontChoice = DEFAULT_CHOICE,
) -> CardLayout:
    """Fit one contact's card; raises :class:`LayoutError` when it cannot fit."""
    front = _front_panel(
        clean_text(text.title), clean_text(text.subtitle), size, front_image, fonts
    )
    inside, message_size, note_size = _inside_panel(
        [clean_text(p) for p in text.paragraphs()], clean_text(note), size, signature, fonts
    )
    return CardLayout(size, fold, front, inside, message_size, note_size)


def _inside_panel(
    paragraphs: Sequence[str],
    note: str,
    size: Size,
    signature: Signature | None,
    fonts: FontChoice,
) -> tuple[Panel, float, float]:
    w, h = size.width, size.height
    m = margin(size)
    width = w - 2 * m
    available = h - 2 * m
    nominal = nominal_size(size)
    floor = max(MIN_POINTS, nominal * MIN_SCALE)
    serif, hand = FACES["serif"].name, FACES["hand"].name
    sig_h = min(0.55 * INCH, h * 0.1) if signature else 0.0
    sig_w = 0.0
    if signature:
        sig_w = sig_h * signature.width / max(signature.height, 1)
        if sig_w > width * 0.6:
            sig_w = width * 0.6
            sig_h = sig_w * signature.height / max(signature.width, 1)
    needed = 0.0
    for points in _steps(nominal, floor):
        body = _style("message", serif, points, PRINT)
        note_style = _style("note", hand, points * 1.6, INK, leading_ratio=1.15)
        placed: list[tuple[Any, float, float]] = []  # (para, height, gap after)
        for index, text in enumerate(paragraphs):
            # The last paragraph is the sign-off ("With best wishes, / Alex").
            last = index == len(paragraphs) - 1 and index > 0
            chain = fonts.signature if last else fonts.text
            para, height = _wrapped(text, chain, body, width)
            placed.append((para, height, points * 0.7))
        note_para = None
        if note:
            note_para, note_height = _wrapped(note, fonts.note, note_style, width, "hand")
        total = sum(height + gap for _, height, gap in placed)
        if signature:
            total += sig_h + points * 0.4
        if note_para is not None:
            total += points * 0.8 + note_height
        needed = total
        if total <= available:
            break
    else:
        what = "the message and note" if note else "the message"
        raise LayoutError(
            f"{what} do not fit on the {size.name} card even at {floor:g} pt "
            f"({needed:.0f} pt of text for {available:.0f} pt); shorten it or choose a "
            "larger card"
        )
    panel = Panel(w, h)
    # Start a little below the top margin when there is room, so the text sits in the
    # upper middle of the panel rather than hugging its edge.
    y = h - m - (available - needed) * 0.3
    for para, height, gap in placed:
        y -= height
        panel.texts.append(Placed(para, m, y))
        y -= gap
    if signature:
        y -= points * 0.4 + sig_h
        panel.images.append((signature.path, m, y, sig_w, sig_h))
    if note_para is not None:
        y -= points * 0.8 + note_height
        panel.texts.append(Placed(note_para, m, y))
    return panel, points, points * 1.6 if note else 0.0


def draw_panel(canvas: Any, panel: Panel) -> None:
    """Draw ``panel`` with its lower left corner at the canvas origin."""
    if panel.design:
        _draw_design(canvas, panel.width, panel.height)
    if panel.clip:
        canvas.saveState()
        path = canvas.beginPath()
        path.rect(0, 0, panel.width, panel.height)
        canvas.clipPath(path, stroke=0, fill=0)
    for image, x, y, w, h in panel.images:
        if panel.clip:
            _draw_cover(canvas, image, w, h)
        else:
            canvas.drawImage(str(image), x, y, w, h, mask="auto", preserveAspectRatio=True)
    if panel.clip:
        canvas.restoreState()
    for item in panel.texts:
        item.flowable.drawOn(canvas, item.x, item.y)


def _draw_cover(canvas: Any, image: Path, w: float, h: float) -> None:
    """The picture scaled to cover the whole panel, centred (the edges are cut)."""
    from reportlab.lib.utils import ImageReader

    iw, ih = ImageReader(str(image)).getSize()
    scale = max(w / iw, h / ih)
    dw, dh = iw * scale, ih * scale
    canvas.drawImage(str(image), (w - dw) / 2, (h - dh) / 2, dw, dh, mask="auto")


def _draw_design(canvas: Any, w: float, h: float) -> None:
    """A double rule border and a six-armed snowflake above the title."""
    import math

    canvas.saveState()
    canvas.setStrokeColorRGB(*BORDER)
    inset = min(w, h) * 0.05
    canvas.setLineWidth(1.2)
    canvas.rect(inset, inset, w - 2 * inset, h - 2 * inset, stroke=1, fill=0)
    canvas.setLineWidth(0.4)
    gap = 3.5
    canvas.rect(inset + gap, inset + gap, w - 2 * (inset + gap), h - 2 * (inset + gap))
    cx, cy, r = w / 2, h * 0.72, min(w, h) * 0.09
    canvas.setStrokeColorRGB(*ACCENT)
    canvas.setLineWidth(1.0)
    canvas.setLineCap(1)
    for k in range(6):
        a = math.pi / 2 + k * math.pi / 3
        ex, ey = cx + r * math.cos(a), cy + r * math.sin(a)
        canvas.line(cx, cy, ex, ey)
        for t, b in ((0.55, 0.32), (0.8, 0.2)):
            px, py = cx + r * t * math.cos(a), cy + r * t * math.sin(a)
            for side in (-1, 1):
                ba = a + side * math.pi / 4
                canvas.line(px, py, px + r * b * math.cos(ba), py + r * b * math.sin(ba))
    canvas.restoreState()


def draw_outside(canvas: Any, card: CardLayout) -> None:
    """The outside of the card at the origin: the front, or back | front when folded."""
    _draw_side(canvas, card, card.front)


def draw_inside(canvas: Any, card: CardLayout) -> None:
    """The inside at the origin: the back of a flat card, or blank | message when folded."""
    _draw_side(canvas, card, card.inside)


def _draw_side(canvas: Any, card: CardLayout, panel: Panel) -> None:
    """``panel`` at the origin, or on the right half of a folded card's spread."""
    if card.fold == "folded":
        canvas.saveState()
        canvas.translate(card.size.width, 0)
        draw_panel(canvas, panel)
        canvas.restoreState()
    else:
        draw_panel(canvas, panel)
