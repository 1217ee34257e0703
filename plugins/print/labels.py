"""Address label sheets: Avery 5160 (Letter, 3 x 10) and L7160 (A4, 3 x 7).

Labels are counted across then down, starting at 1 in the top left corner; a run can start
at any position to use up a part-used sheet. Printers rarely put a page exactly where it
belongs, so ``[print.calibration.labels]`` in ``outreach.toml`` shifts everything by a
measured amount.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from .cards import LayoutError
from .envelopes import TextBlock, draw_block, text_block
from .fonts import Chain
from .sizes import INCH, LabelSheet

__all__ = ["draw_label", "layout_label", "slot"]


def slot(index: int, start: int, spec: LabelSheet) -> tuple[int, int]:
    """Sheet number (0-based) and position on it (0-based) of the ``index``-th label."""
    absolute = start - 1 + index
    return absolute // spec.per_sheet, absolute % spec.per_sheet


def layout_label(lines: Sequence[str], spec: LabelSheet, chain: Chain = "text") -> TextBlock:
    """The address set to fit one label; raises :class:`LayoutError` when it cannot."""
    block = text_block(lines, 10.0, chain)
    width = spec.label_width - 2 * spec.padding
    height = spec.label_height - 0.12 * INCH
    points = 10.0
    while True:
        block.size = points
        block.width = max(block.line_width(i, points) for i in range(len(block.lines)))
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
    top = y + (spec.label_height + block.height) / 2
    draw_block(canvas, replace(block, x=x + spec.padding, y=top - block.ascent), (0.0, 0.0, 0.0))
