"""The USPS Intelligent Mail barcode (IMb), encoded by reportlab's ``usps4s``.

An IMb carries a 20-digit tracking code (barcode ID, service type ID, Mailer ID, serial
number) and a routing code (the ZIP, ZIP+4 or ZIP+4 and delivery point). The Mailer ID is
the user's, from the USPS; serial numbers must not repeat within 45 days for one Mailer ID,
so each campaign says where its serial numbers start.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["IMb", "IMbError", "tracking_code"]


class IMbError(ValueError):
    """The pieces of an IMb do not make a valid barcode."""


def tracking_code(barcode_id: str, service_type: str, mailer_id: str, serial: int) -> str:
    """The 20-digit tracking code: the serial fills what the Mailer ID leaves (9 or 6)."""
    if not (len(barcode_id) == 2 and barcode_id.isdigit() and barcode_id[1] in "01234"):
        raise IMbError(f"barcode ID must be 2 digits, the second 0-4: {barcode_id!r}")
    if not (len(service_type) == 3 and service_type.isdigit()):
        raise IMbError(f"service type ID must be 3 digits: {service_type!r}")
    if not (mailer_id.isdigit() and len(mailer_id) in (6, 9)):
        raise IMbError(f"Mailer ID must be 6 or 9 digits: {mailer_id!r}")
    width = 15 - len(mailer_id)
    if not 0 <= serial < 10**width:
        raise IMbError(
            f"serial number {serial} does not fit in {width} digits after a "
            f"{len(mailer_id)}-digit Mailer ID"
        )
    return f"{barcode_id}{service_type}{mailer_id}{serial:0{width}d}"


@dataclass(frozen=True, slots=True)
class IMb:
    """One barcode: the tracking code and the routing code (0, 5, 9 or 11 digits)."""

    tracking: str
    routing: str = ""

    def __post_init__(self) -> None:
        if not (len(self.tracking) == 20 and self.tracking.isdigit()):
            raise IMbError(f"tracking code must be 20 digits: {self.tracking!r}")
        if self.routing and not (self.routing.isdigit() and len(self.routing) in (5, 9, 11)):
            raise IMbError(f"routing code must be 5, 9 or 11 digits: {self.routing!r}")

    def widget(self) -> Any:
        """reportlab's barcode flowable for this IMb."""
        from reportlab.graphics.barcode.usps4s import USPS_4State

        # usps4s takes routing "" only when it is part of the value; 20 digits alone are fine
        # given as value with no routing.
        if self.routing:
            return USPS_4State(self.tracking, self.routing)
        return USPS_4State(self.tracking)

    @property
    def bars(self) -> str:
        """The 65 bars as letters: F full, A ascender, D descender, T tracker."""
        return str(self.widget().barcodes)

    @property
    def size(self) -> tuple[float, float]:
        """Width and height in points."""
        widget = self.widget()
        return float(widget.width), float(widget.height)
