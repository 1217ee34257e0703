"""Every built-in template against a table of varied contacts, kept as reviewed snapshots.

The relationship ("how we know each other") is a noun phrase the user writes: short, long,
plural, or missing; the last touch may be missing or carry a note. Each combination is
rendered and compared with ``tests/snapshots/templates.txt``, which a person has read.
Regenerate it with ``OUTREACH_UPDATE_SNAPSHOTS=1`` and read the diff before committing.
"""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path
from types import SimpleNamespace

from outreach.contact import Contact, Name
from outreach.journal import Touch
from outreach.templating import Renderer

SNAPSHOT = Path(__file__).parent / "snapshots" / "templates.txt"
TODAY = date(2026, 12, 1)
TEMPLATES = sorted(
    f"{p.parent.name}/{p.name}"
    for p in (Path(__file__).parent.parent / "templates").glob("*/*.txt.j2")
)
VARS = {
    "company": "Northwind Analytics",
    "last_day": date(2026, 12, 18),
    "keep_in_touch": "alex@example.org",
    "position": "Senior Data Engineer",
    "occasion": "the new role",
    "group": "the old data team",
    "place": "Cafe Central, Herrengasse 14, Vienna",
    "time": "12:30",
    "dates": [date(2027, 1, 8), date(2027, 1, 15)],
    "my_news": "I am starting at Lumen in January.",
    "thanks_for": "the introduction to the Lumen team",
}
#: (label, relationship, last touch)
PEOPLE = [
    ("no relationship, never touched", "", None),
    ("short", "the security reviews at Northwind", Touch("c", date(2026, 9, 3), "call")),
    (
        "long",
        "our two years side by side on the data platform team, and the migration that never ended",
        Touch("c", date(2023, 4, 20), "lunch"),
    ),
    ("plural", "the Friday code reviews", Touch("c", date(2025, 6, 1), "email")),
    (
        "a note",
        "PyCon 2019",
        Touch("c", date(2026, 6, 12), "call", "new job at Lumen"),
    ),
]


def _render_all(workspace) -> str:
    renderer = Renderer(workspace, today=TODAY)
    campaign = SimpleNamespace(name="table", vars=VARS)
    out = []
    for name in TEMPLATES:
        for label, relationship, touch in PEOPLE:
            contact = Contact(uid="c", name=Name(given="Dana", family="Reyes"), org="Lumen")
            contact.relationship = relationship
            context = renderer.context(contact, campaign=campaign, last_touch=touch)
            text = renderer.render(name, context, contact=contact).strip()
            out.append(f"=== {name} | {label}\n{text}\n")
    return "\n".join(out)


def test_every_template_reads_well_for_every_kind_of_contact(workspace) -> None:
    rendered = _render_all(workspace)
    for block in rendered.split("=== ")[1:]:
        body = block.split("\n", 1)[1]
        # No gap where a phrase dropped out, no line left with trailing blanks.
        lines = body.splitlines()
        assert not any("  " in line.strip() or line != line.rstrip() for line in lines), block
        assert "\n\n\n" not in body, block
        assert not re.search(r" [,.;:]", body), block  # no stray space before punctuation
        assert not re.search(r"\b(on|of) (the|our) .* up close", body), block
        assert "is one of the things" not in body, block
        if not block.startswith("cards/"):
            # Paragraphs stay apart: only a greeting or a closing ("Best,") and a list run
            # straight into the next line (a line ending in a block tag loses its newline).
            for first, second in zip(lines, lines[1:], strict=False):
                if first and second:
                    listed = first.startswith("  - ") and second.startswith("  - ")
                    assert first.endswith(",") or listed, f"{block}\n{first!r} runs into {second!r}"
        assert "habit of helping" not in body and "talked (" not in body, block
        # The time since the last touch with one person is not how long the group was apart.
        assert not re.search(r"It has been (two|five) months, and I miss", body), block
    if os.environ.get("OUTREACH_UPDATE_SNAPSHOTS"):
        SNAPSHOT.write_text(rendered, encoding="utf-8")
    assert rendered == SNAPSHOT.read_text(encoding="utf-8")
