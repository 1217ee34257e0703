"""The LinkedIn channel: drafts for the user to paste (LinkedIn has no API for messages)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import quote

from outreach import hookimpl
from outreach.channel import Channel, DeliveryRun, Outcome, Piece, Reach, Rendered
from outreach.contact import Contact
from outreach.fsutil import atomic_write
from outreach.journal import DRAFTED

if TYPE_CHECKING:
    from outreach.templating import Renderer


@dataclass(slots=True)
class LinkedInOptions:
    """A campaign's ``[linkedin]`` table."""

    kind: str = "message"
    template: str = ""
    body: str = ""


class LinkedInChannel(Channel):
    """Message drafts written to linkedin.csv."""

    name = "linkedin"
    description = "LinkedIn drafts to paste: linkedin.html and linkedin.csv"
    Options = LinkedInOptions

    def reach(self, contact: Contact, options: LinkedInOptions) -> Reach:
        if contact.linkedin:
            return Reach.at(contact.linkedin)
        query = quote(contact.display_name)
        return Reach.at(f"https://www.linkedin.com/search/results/people/?keywords={query}")

    def render(self, piece: Piece, renderer: Renderer) -> Rendered:
        options: LinkedInOptions = piece.options
        if options.template:
            text = renderer.render(options.template, piece.context, contact=piece.contact)
        else:
            text = renderer.render_string(
                options.body, piece.context, name="[linkedin] body", contact=piece.contact
            )
        text = text.strip()
        return Rendered(piece.key, piece.contact, piece.address, text, text[:60], text)

    def deliver(self, items: Sequence[Rendered], run: DeliveryRun) -> None:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["uid", "name", "profile_url", "kind", "text", "chars", "limit"])
        for item in items:
            writer.writerow(
                [
                    item.contact.uid,
                    item.contact.display_name,
                    item.address,
                    "message",
                    item.payload,
                    len(item.payload),
                    8000,
                ]
            )
        path = run.out_dir / "linkedin.csv"
        atomic_write(path, buffer.getvalue().encode("utf-8"), mode=0o644)
        run.artifact(path, "LinkedIn drafts")
        for item in items:
            run.finished(item, Outcome(DRAFTED))


@hookimpl
def register_channels(register: Callable[[type[Channel]], None]) -> None:
    """The LinkedIn drafts channel."""
    register(LinkedInChannel)
