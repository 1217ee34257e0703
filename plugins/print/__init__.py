"""The print channel: holiday cards and envelopes as print-ready PDFs."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from outreach import hookimpl
from outreach.channel import Channel, DeliveryRun, Outcome, Piece, Reach, Rendered
from outreach.contact import Contact
from outreach.journal import PRINTED

if TYPE_CHECKING:
    from outreach.templating import Renderer


@dataclass(slots=True)
class PrintOptions:
    """A campaign's ``[print]`` table."""

    template: str = "cards/holiday.txt.j2"


class PrintChannel(Channel):
    """Cards and envelopes."""

    name = "print"
    description = "printed cards and envelopes: cards.pdf, envelopes.pdf"
    Options = PrintOptions

    def reach(self, contact: Contact, options: PrintOptions) -> Reach:
        address = contact.postal_address
        if address is None:
            if contact.has_returned_address:
                return Reach.no("postal address returned (fix address)")
            return Reach.no("no postal address")
        return Reach.at(address.one_line())

    def render(self, piece: Piece, renderer: Renderer) -> Rendered:
        options: PrintOptions = piece.options
        text = renderer.render(options.template, piece.context, contact=piece.contact)
        return Rendered(piece.key, piece.contact, piece.address, text, text[:60], text)

    def deliver(self, items: Sequence[Rendered], run: DeliveryRun) -> None:
        from reportlab.lib.pagesizes import A6
        from reportlab.pdfgen.canvas import Canvas

        path = run.out_dir / "cards.pdf"
        canvas = Canvas(str(path), pagesize=A6, invariant=True)
        for item in items:
            text = canvas.beginText(30, A6[1] - 40)
            for line in str(item.payload).splitlines():
                text.textLine(line)
            canvas.drawText(text)
            canvas.showPage()
        canvas.save()
        run.artifact(path, "cards")
        for item in items:
            run.finished(item, Outcome(PRINTED))


@hookimpl
def register_channels(register: Callable[[type[Channel]], None]) -> None:
    """The print channel."""
    register(PrintChannel)
