"""The print channel's settings: a campaign's ``[print]`` table and the workspace's ``[print]``.

Both are parsed with :func:`outreach.options.parse_table`, so a misspelt key is an error naming
the file and the key. What belongs to the campaign (card size, template, envelopes or labels)
lives in the campaign file; what belongs to the printer and the mailer (calibration offsets,
the USPS Mailer ID) lives in ``outreach.toml``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from .sizes import CARD_SIZES, ENVELOPE_FOR_CARD, ENVELOPE_SIZES, LABEL_SPECS

__all__ = ["Calibration", "FontEntry", "Offset", "PrintOptions", "PrintSettings"]

Output = Literal["cards", "envelopes", "labels"]

#: Where a font of the user's may be used: the printed message and front, the handwritten
#: note, the sign-off under the message, and addresses on envelopes and labels.
FontRole = Literal["text", "note", "signature", "address"]
FONT_ROLES: tuple[FontRole, ...] = ("text", "note", "signature", "address")

#: What to do with a character no font can draw: stop the run (naming the contact and the
#: character), or print a transliteration in Latin letters of the words that hold it.
Fallback = Literal["stop", "romanise", "romanize"]


@dataclass(slots=True)
class FontEntry:
    """One of the user's own fonts: ``{ file = "fonts/MyHand.ttf", roles = ["note"] }``.

    ``file`` is a TrueType font, relative to the workspace folder; it is tried before the
    bundled fonts for the roles listed (all of them by default).
    """

    file: str
    roles: list[FontRole] = field(default_factory=lambda: list(FONT_ROLES))

    def __post_init__(self) -> None:
        if not self.file.strip():
            raise ValueError("a font needs a file")
        if not self.roles:
            raise ValueError(f"font {self.file}: roles must name at least one role")


def font_entries(values: list[FontEntry | str]) -> list[FontEntry]:
    """``fonts = ["Hand.ttf", {file = ..., roles = [...]}]`` as entries (a bare file name
    serves every role)."""
    return [v if isinstance(v, FontEntry) else FontEntry(v) for v in values]


#: Other spellings of envelope names.
_ALIASES = {"no10": "#10", "no. 10": "#10", "10": "#10", "com10": "#10"}


def _one_of(value: str, known: object, what: str) -> str:
    lowered = value.strip().lower()
    lowered = _ALIASES.get(lowered, lowered)
    names = list(known)  # type: ignore[call-overload]
    if lowered not in names:
        raise ValueError(f"{what} must be one of {', '.join(names)}, not {value!r}")
    return lowered


@dataclass(slots=True)
class PrintOptions:
    """A campaign's ``[print]`` table: what to print and how."""

    #: The card template (``[front]``, ``[inside]`` and ``[note]`` sections; see README).
    template: str = "cards/holiday.txt.j2"
    #: Finished card size: a2, a6, a7, a9 (North American), iso-a6, a5.
    card: str = "a7"
    #: ``flat`` (front and back) or ``folded`` (a side-folded sheet twice as wide).
    fold: Literal["flat", "folded"] = "flat"
    #: ``single``: one card per page (for a print shop); ``n-up``: as many as fit on a sheet.
    layout: Literal["single", "n-up"] = "single"
    #: The sheet for ``n-up`` cards.
    sheet: Literal["letter", "a4"] = "letter"
    #: Crop marks around n-up cards.
    crop_marks: bool = True
    #: A picture for the card's front (relative to the campaign folder) instead of the
    #: template's front text.
    front_image: str = ""
    #: Print the ``[me] signature`` image on the card when one is set.
    signature: bool = True
    #: A file of personal notes for this campaign (CSV ``contact,note`` or TOML
    #: ``[notes]``), relative to the campaign folder.
    notes: str = ""
    #: Which files to make.
    outputs: list[Output] = field(default_factory=lambda: ["cards", "envelopes"])
    #: Envelope size: #10, a2, a6, a7, a9, dl, c6, c5; empty: the one that fits the card.
    envelope: str = ""
    #: Where the return address goes: upper left, on the back flap, or nowhere.
    return_address: Literal["corner", "flap", "none"] = "corner"
    #: USPS style for US mail: upper case, no punctuation.
    usps_style: bool = False
    #: An Intelligent Mail barcode on US mail (needs ``mailer_id`` in ``outreach.toml``).
    barcode: bool = False
    #: The first IMb serial number of this mailing; each envelope gets the next one.
    barcode_serial_start: int = 1
    #: Label sheet for ``outputs = [..., "labels"]``: avery-5160 or avery-l7160.
    label_sheet: str = "avery-5160"
    #: The first label to use (1 = top left, counting across), to reuse a part-used sheet.
    label_start: int = 1
    #: How many pages of each PDF to show as PNG thumbnails.
    previews: int = 2
    #: Fonts of your own for this campaign, tried before those of ``outreach.toml`` and
    #: the bundled ones (see :class:`FontEntry`).
    fonts: list[FontEntry | str] = field(default_factory=list)
    #: A character no font can draw: ``"stop"`` the run, or ``"romanise"`` the words that
    #: hold it; empty: as ``outreach.toml`` ``[print] fallback`` says (else stop).
    fallback: Literal["", "stop", "romanise", "romanize"] = ""
    #: Leave out contacts whose name, address or card note no font can draw, instead of
    #: stopping the run (``campaign run --skip-unprintable`` turns it on for one run).
    skip_unprintable: bool = False

    def __post_init__(self) -> None:
        self.card = _one_of(self.card, CARD_SIZES, "card")
        if self.envelope:
            self.envelope = _one_of(self.envelope, ENVELOPE_SIZES, "envelope")
        self.label_sheet = _one_of(self.label_sheet, LABEL_SPECS, "label_sheet")
        if not self.outputs:
            raise ValueError("outputs must name at least one of cards, envelopes, labels")
        if len(set(self.outputs)) != len(self.outputs):
            raise ValueError("outputs lists a file twice")
        if self.label_start < 1:
            raise ValueError("label_start must be 1 or more")
        if self.barcode_serial_start < 0:
            raise ValueError("barcode_serial_start must be 0 or more")
        if not 0 <= self.previews <= 20:
            raise ValueError("previews must be between 0 and 20")

    @property
    def envelope_size(self) -> str:
        """The envelope to use: the one named, else the one matching the card."""
        return self.envelope or ENVELOPE_FOR_CARD[self.card]


@dataclass(slots=True)
class Offset:
    """Where a printer puts things, corrected: positive ``x_mm`` moves printing right,
    positive ``y_mm`` moves it down the page."""

    x_mm: float = 0.0
    y_mm: float = 0.0

    def __post_init__(self) -> None:
        if abs(self.x_mm) > 20 or abs(self.y_mm) > 20:
            raise ValueError("calibration offsets are limited to 20 mm")


@dataclass(slots=True)
class Calibration:
    """Per-output printer calibration (``[print.calibration.labels]`` and so on)."""

    labels: Offset = field(default_factory=Offset)
    envelopes: Offset = field(default_factory=Offset)
    cards: Offset = field(default_factory=Offset)


@dataclass(slots=True)
class PrintSettings:
    """The workspace's ``[print]`` table in ``outreach.toml``."""

    #: The USPS Mailer ID (6 or 9 digits) for Intelligent Mail barcodes.
    mailer_id: str = ""
    #: IMb Service Type ID; 700 is First-Class Mail without address correction services.
    service_type: str = "700"
    #: IMb Barcode ID; 00 unless the USPS says otherwise.
    barcode_id: str = "00"
    calibration: Calibration = field(default_factory=Calibration)
    #: Fonts of your own for every campaign, tried before the bundled ones.
    fonts: list[FontEntry | str] = field(default_factory=list)
    #: A character no font can draw: ``"stop"`` the run, or ``"romanise"`` it.
    fallback: Fallback = "stop"

    def __post_init__(self) -> None:
        mid = self.mailer_id.strip()
        if mid and not (mid.isdigit() and len(mid) in (6, 9)):
            raise ValueError(f"mailer_id must be 6 or 9 digits, not {self.mailer_id!r}")
        if mid and (len(mid) == 9) != mid.startswith("9"):
            raise ValueError("a 9-digit mailer_id starts with 9, a 6-digit one does not")
        self.mailer_id = mid
        if not (self.service_type.isdigit() and len(self.service_type) == 3):
            raise ValueError(f"service_type must be 3 digits, not {self.service_type!r}")
        bid = self.barcode_id
        if not (len(bid) == 2 and bid.isdigit() and bid[1] in "01234"):
            raise ValueError(f"barcode_id must be 2 digits, the second 0-4: {self.barcode_id!r}")
