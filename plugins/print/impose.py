"""Imposition: several cards on a Letter or A4 sheet, with crop marks, printed both sides.

Cards sit edge to edge in a grid centred on the sheet (turned a quarter if more fit that way),
so each cut runs across the whole sheet; crop marks in the margin show where. The back of
the sheet mirrors the grid left to right, for printers that turn the paper over on its long
edge, and turns quarter-turned cards the other way so their tops stay at the same edge.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from .cards import LayoutError
from .sizes import INCH, Size

__all__ = ["Grid", "MARK_LENGTH", "MARK_OFFSET", "crop_marks", "placed", "plan_grid"]

#: Crop marks start this far from the cut and are this long.
MARK_OFFSET = 6.0
MARK_LENGTH = 14.0
#: Sheet margin when crop marks are drawn; without them cards may reach the sheet's edge.
MARGIN_WITH_MARKS = 0.375 * INCH


@dataclass(frozen=True, slots=True)
class Grid:
    """How units (cards or spreads) sit on a sheet."""

    sheet: Size
    columns: int
    rows: int
    #: The unit's own width and height (before turning).
    unit: tuple[float, float]
    rotated: bool
    x0: float
    y0: float

    @property
    def per_sheet(self) -> int:
        """Units per side of a sheet."""
        return self.columns * self.rows

    @property
    def cell(self) -> tuple[float, float]:
        """Width and height a unit takes on the sheet."""
        w, h = self.unit
        return (h, w) if self.rotated else (w, h)

    def slot(self, index: int, back: bool = False) -> tuple[float, float]:
        """Lower left corner of slot ``index`` (across, then down); mirrored on the back."""
        cw, ch = self.cell
        column, row = index % self.columns, index // self.columns
        x = self.x0 + column * cw
        y = self.y0 + (self.rows - 1 - row) * ch
        if back:
            x = self.sheet.width - x - cw
        return x, y


def plan_grid(unit: tuple[float, float], sheet: Size, crop_marks: bool) -> Grid:
    """The grid that fits most units on ``sheet``; raises :class:`LayoutError` if none fits."""
    margin = MARGIN_WITH_MARKS if crop_marks else 0.0
    usable_w = sheet.width - 2 * margin
    usable_h = sheet.height - 2 * margin
    best: Grid | None = None
    for rotated in (False, True):
        cw, ch = (unit[1], unit[0]) if rotated else unit
        columns = int((usable_w + 0.01) // cw)
        rows = int((usable_h + 0.01) // ch)
        if columns * rows == 0:
            continue
        x0 = (sheet.width - columns * cw) / 2
        y0 = (sheet.height - rows * ch) / 2
        grid = Grid(sheet, columns, rows, unit, rotated, x0, y0)
        if best is None or grid.per_sheet > best.per_sheet:
            best = grid
    if best is None:
        raise LayoutError(
            f"a {unit[0] / INCH:.2f} x {unit[1] / INCH:.2f} in card does not fit on "
            f'{sheet.name} paper; use layout = "single"'
        )
    return best


@contextmanager
def placed(canvas: Any, grid: Grid, index: int, back: bool = False) -> Iterator[None]:
    """Draw a unit in slot ``index``: inside the block, the unit's lower left is the origin."""
    x, y = grid.slot(index, back)
    w, h = grid.unit
    canvas.saveState()
    if not grid.rotated:
        canvas.translate(x, y)
    elif not back:
        # A quarter turn anticlockwise: the unit's top faces the sheet's left edge.
        canvas.translate(x + h, y)
        canvas.rotate(90)
    else:
        # On the back the same physical edge is on the right.
        canvas.translate(x, y + w)
        canvas.rotate(-90)
    try:
        yield
    finally:
        canvas.restoreState()


def crop_marks(canvas: Any, grid: Grid, back: bool = False) -> None:
    """Marks in the margins at every cut line of the grid."""
    cw, ch = grid.cell
    # The back mirrors the grid; it is centred, so its cut lines land in the same places.
    left = grid.sheet.width - grid.x0 - grid.columns * cw if back else grid.x0
    xs = [left + k * cw for k in range(grid.columns + 1)]
    ys = [grid.y0 + k * ch for k in range(grid.rows + 1)]
    top, bottom = ys[-1], ys[0]
    left_edge, right_edge = xs[0], xs[-1]
    canvas.saveState()
    canvas.setLineWidth(0.3)
    canvas.setStrokeColorRGB(0, 0, 0)
    for x in xs:
        canvas.line(x, top + MARK_OFFSET, x, top + MARK_OFFSET + MARK_LENGTH)
        canvas.line(x, bottom - MARK_OFFSET, x, bottom - MARK_OFFSET - MARK_LENGTH)
    for y in ys:
        canvas.line(left_edge - MARK_OFFSET, y, left_edge - MARK_OFFSET - MARK_LENGTH, y)
        canvas.line(right_edge + MARK_OFFSET, y, right_edge + MARK_OFFSET + MARK_LENGTH, y)
    canvas.restoreState()
