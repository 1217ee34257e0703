"""Address label sheets: Avery 5160 (Letter, 3 x 10) and L7160 (A4, 3 x 7).

Labels are counted across then down, starting at 1 in the top left corner; a run can start
at any position to use up a part-used sheet. Printers rarely put a page exactly where it
belongs, so ``[print.calibration.labels]`` in ``outreach.toml`` shifts everything by a
measured amount.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .cards import LayoutError
from .envelopes import TextBlock, draw_block, text_block
from .fonts import string_width
from .sizes import INCH, MM, SHEETS, Size

__all__ = ["LABEL_SPECS", "LabelSheet", "draw_label", "layout_label", "slot"]


@dataclass(frozen=True, slots=True)
class LabelSheet:
    """The geometry of a label sheet, in points, measured from the top left corner."""

    name: str
    sheet: Size
    columns: int
    rows: int
    label_width: float
    label_height: float
    left: float
    top: float
    pitch_x: float
    pitch_y: float
    #: Space between a label's left edge and the text.
    padding: float

    @property
    def per_sheet(self) -> int:
        """Labels on one sheet."""
        return self.columns * self.rows

    def origin(self, position: int) -> tuple[float, float]:
        """Lower left corner (PDF coordinates) of label ``position`` (0-based on its sheet)."""
        column, row = position % self.columns, position // self.columns
        x = self.left + column * self.pitch_x
        y = self.sheet.height - self.top - row * self.pitch_y - self.label_height
        return x, y


LABEL_SPECS: dict[str, LabelSheet] = {
    "avery-5160": LabelSheet(
        "Avery 5160",
        SHEETS["letter"],
        3,
        10,
        2.625 * INCH,
        1.0 * INCH,
        left=0.1875 * INCH,
        top=0.5 * INCH,
        pitch_x=2.75 * INCH,
        pitch_y=1.0 * INCH,
        padding=0.15 * INCH,
    ),
    "avery-l7160": LabelSheet(
        "Avery L7160",
        SHEETS["a4"],
        3,
        7,
        63.5 * MM,
        38.1 * MM,
        left=7.21 * MM,
        top=15.15 * MM,
        pitch_x=66.04 * MM,
        pitch_y=38.1 * MM,
        padding=4.0 * MM,
    ),
}


def slot(index: int, start: int, spec: LabelSheet) -> tuple[int, int]:
    """Sheet number (0-based) and position on it (0-based) of the ``index``-th label."""
    absolute = start - 1 + index
    return absolute // spec.per_sheet, absolute % spec.per_sheet


def layout_label(lines: Sequence[str], spec: LabelSheet) -> TextBlock:
    """The address set to fit one label; raises :class:`LayoutError` when it cannot."""
    block = text_block(lines, 10.0)
    width = spec.label_width - 2 * spec.padding
    height = spec.label_height - 0.12 * INCH
    points = 10.0
    while True:
        block.size = points
        block.width = max(string_width(line, points) for line in block.lines)
        if block.width <= width and block.height <= height:
            return block
        points -= 0.5
        if points < 6.5:
            raise LayoutError(
                f"the address does not fit an {spec.name} label even at 7 pt; "
                "use envelopes or shorten it"
            )


def draw_label(canvas: Any, block: TextBlock, spec: LabelSheet, position: int) -> None:
    """Draw one label's text, vertically centred, at ``position`` on the current page."""
    x, y = spec.origin(position)
    placed = TextBlock(
        block.lines,
        block.size,
        width=block.width,
        ascent_ratio=block.ascent_ratio,
        descent_ratio=block.descent_ratio,
    )
    placed.x = x + spec.padding
    top = y + (spec.label_height + block.height) / 2
    placed.y = top - block.ascent
    draw_block(canvas, placed, (0.0, 0.0, 0.0))
