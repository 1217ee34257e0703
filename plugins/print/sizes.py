"""Paper sizes: cards, envelopes, the sheets they are printed on and label sheets, in points.

Cards are given portrait (width x height of the finished card); envelopes landscape, the way
they go through a printer's envelope feed and the way the post office reads them.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "CARD_SIZES",
    "ENVELOPE_FOR_CARD",
    "ENVELOPE_SIZES",
    "INCH",
    "LABEL_SPECS",
    "LabelSheet",
    "MM",
    "SHEETS",
    "Size",
]

INCH = 72.0
MM = 72.0 / 25.4


@dataclass(frozen=True, slots=True)
class Size:
    """A named width x height in points."""

    name: str
    width: float
    height: float

    @property
    def landscape(self) -> Size:
        """The same size with the long side horizontal."""
        w, h = sorted((self.width, self.height), reverse=True)
        return Size(self.name, w, h)


def _in(name: str, w: float, h: float) -> Size:
    return Size(name, w * INCH, h * INCH)


def _mm(name: str, w: float, h: float) -> Size:
    return Size(name, w * MM, h * MM)


#: Finished card sizes, portrait. The "A" sizes are the North American announcement sizes.
CARD_SIZES: dict[str, Size] = {
    "a2": _in("A2", 4.25, 5.5),
    "a6": _in("A6", 4.5, 6.25),
    "a7": _in("A7", 5.0, 7.0),
    "a9": _in("A9", 5.5, 8.5),
    "iso-a6": _mm("ISO A6", 105, 148),
    "a5": _mm("ISO A5", 148, 210),
}

#: Envelope sizes, landscape (the flap along the top long edge).
ENVELOPE_SIZES: dict[str, Size] = {
    "#10": _in("#10", 9.5, 4.125),
    "a2": _in("A2", 5.75, 4.375),
    "a6": _in("A6", 6.5, 4.75),
    "a7": _in("A7", 7.25, 5.25),
    "a9": _in("A9", 8.75, 5.75),
    "dl": _mm("DL", 220, 110),
    "c6": _mm("C6", 162, 114),
    "c5": _mm("C5", 229, 162),
}

#: The envelope each card size goes in when the campaign does not name one.
ENVELOPE_FOR_CARD: dict[str, str] = {
    "a2": "a2",
    "a6": "a6",
    "a7": "a7",
    "a9": "a9",
    "iso-a6": "c6",
    "a5": "c5",
}

#: Sheets for n-up cards and label sheets, portrait.
SHEETS: dict[str, Size] = {
    "letter": _in("Letter", 8.5, 11.0),
    "a4": _mm("A4", 210, 297),
}


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


#: Label sheets by the name used in campaign files (Avery's published geometry).
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
