"""What a card template produces: the front, the inside message and the note prompt.

A card template is plain text (``templates/cards/*.txt.j2``) cut into sections by lines that
hold only a section name in brackets::

    [front]
    Season's Greetings
    [inside]
    Dear {{ greeting }},
    ...
    [note]
    {% if years_since is none or years_since >= 1 %}It has been {{ since }}!{% endif %}

Text before the first header is the inside message, so a template with no headers at all is
simply the message. ``[front]``: the first line is the title, the rest smaller lines under
it. ``[note]``: the handwritten note for contacts with no personal note of their own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["CardText", "parse_card_text"]

_HEADER = re.compile(r"^\[(front|inside|note)\]\s*$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class CardText:
    """The rendered sections of a card template."""

    front: str = ""
    inside: str = ""
    note: str = ""

    @property
    def title(self) -> str:
        """The front's first line."""
        return self.front.split("\n", 1)[0].strip()

    @property
    def subtitle(self) -> str:
        """The front's other lines."""
        parts = self.front.split("\n", 1)
        return parts[1].strip() if len(parts) > 1 else ""

    def paragraphs(self) -> list[str]:
        """The inside message cut at blank lines; single line breaks are kept."""
        blocks = re.split(r"\n\s*\n", self.inside.strip())
        return [b.strip("\n") for b in blocks if b.strip()]


def parse_card_text(text: str) -> CardText:
    """Cut a rendered card template into its sections (see the module docstring)."""
    sections: dict[str, list[str]] = {"front": [], "inside": [], "note": []}
    current = "inside"
    for line in text.replace("\r\n", "\n").split("\n"):
        match = _HEADER.match(line.strip())
        if match:
            current = match.group(1).lower()
            continue
        sections[current].append(line)
    return CardText(
        front="\n".join(sections["front"]).strip(),
        inside="\n".join(sections["inside"]).strip(),
        note=" ".join(" ".join(sections["note"]).split()),
    )
