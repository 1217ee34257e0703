"""One contact's printed pieces, the payload of a rendered print piece.

Kept apart from the channel so the PDF writers (:mod:`.render_pdf`) can name the type without
importing the channel that calls them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .cards import CardLayout
    from .cardtext import CardText
    from .envelopes import EnvelopeLayout, TextBlock
    from .options import PrintOptions
    from .postal import PostalAddress

__all__ = ["PrintJob"]


@dataclass(slots=True)
class PrintJob:
    """One contact's printed pieces, laid out and ready to draw (the rendered payload)."""

    options: PrintOptions
    part: str
    text: CardText
    note: str
    postal: PostalAddress
    card: CardLayout | None = None
    envelope: EnvelopeLayout | None = None
    label: TextBlock | None = None
    details: dict[str, Any] = field(default_factory=dict)
