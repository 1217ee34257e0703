"""LinkedIn drafts for many contacts: outreach against a hand-written mail merge.

What a user would otherwise do is a mail merge: a short script that renders one Jinja2
template per row and writes a CSV. outreach does more per draft (a sandboxed environment,
the campaign plan, LinkedIn's character count and limit check, profile links, a formula
guard, and a self-contained HTML page besides the CSV), so the ratio shows what that costs.
Both run in this process on the same contacts; the review page for the same run is timed
too.

    python bench/linkedin_drafts.py [N]     # default 2000 contacts
"""

from __future__ import annotations

import csv
import io
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import jinja2

from outreach.campaign import Campaign
from outreach.contact import Contact, Name
from outreach.engine import Engine
from outreach.pluginhost import get_host
from outreach.review import build_review_page
from outreach.workspace import Workspace

TEMPLATE = (
    "Hi {{ greeting }}, it has been a while since {{ org }}. "
    "I would love to hear what you are working on these days. {{ me }}"
)


def contacts(n: int) -> list[Contact]:
    """``n`` contacts with LinkedIn profiles, some names outside ASCII."""
    given = ["Ana", "Björn", "Chloé", "Dmitri", "Eun-ji", "Farah", "Gustavo", "Hiroshi"]
    family = ["Silva", "Ødegård", "Dubois", "Ivanov", "Kim", "Haddad", "Pérez", "Sato"]
    people = []
    for i in range(n):
        g, f = given[i % len(given)], family[(i // len(given)) % len(family)]
        people.append(
            Contact(
                uid=f"c{i:05d}",
                name=Name(given=g, family=f, formatted=f"{g} {f}"),
                org=f"Company {i % 97}",
                title="Engineer",
                linkedin=f"https://www.linkedin.com/in/{g.lower()}-{i}",
            )
        )
    return people


def mail_merge(people: list[Contact], out: Path) -> None:
    """The baseline: one Jinja2 template per contact into a CSV."""
    template = jinja2.Environment(autoescape=False).from_string(TEMPLATE)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["uid", "name", "profile_url", "text"])
    for c in people:
        text = template.render(greeting=c.name.given, org=c.org, me="Alex Example")
        writer.writerow([c.uid, c.name.formatted, c.linkedin, text])
    out.write_text(buffer.getvalue(), encoding="utf-8")


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    people = contacts(n)
    with tempfile.TemporaryDirectory() as tmp:
        workspace = Workspace.init(Path(tmp) / "ws", name="Alex Example", email="a@example.com")
        book = workspace.open_book()
        for person in people:
            book.add(person)
        book.save()
        body = TEMPLATE.replace("{{ org }}", "{{ contact.org }}").replace(
            "{{ me }}", "{{ me.name }}"
        )
        campaign = Campaign.from_dict(
            {"name": "bench", "linkedin": {"kind": "connection", "body": body}}, get_host()
        )
        engine = Engine(workspace, today=date(2025, 6, 20))
        engine.run(campaign)  # warm the address-book cache and the template cache

        start = time.perf_counter()
        result = engine.run(campaign)
        outreach_s = time.perf_counter() - start

        start = time.perf_counter()
        page = build_review_page(result, page_dir=workspace.out_dir("bench"))
        review_s = time.perf_counter() - start

        start = time.perf_counter()
        mail_merge(people, Path(tmp) / "merge.csv")
        merge_s = time.perf_counter() - start

    assert len(result.rendered) == n
    print(f"{n} LinkedIn connection notes")
    print(f"  mail merge (jinja2 + csv):                 {merge_s * 1000:8.1f} ms")
    print(
        f"  outreach campaign run (csv + html page):   {outreach_s * 1000:8.1f} ms"
        f"   ratio {outreach_s / merge_s:5.1f}x"
    )
    print(
        f"  review page for the same run:              {review_s * 1000:8.1f} ms"
        f"   ({len(page) / 1e6:.1f} MB)"
    )
    per_draft = f"{outreach_s / n * 1e6:.0f} µs (outreach), {merge_s / n * 1e6:.0f} µs (merge)"
    print(f"  per draft: {per_draft}")


if __name__ == "__main__":
    main()
