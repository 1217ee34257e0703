"""outreach as a library: what an HR system or a script of your own can do with it.

Run it from the repository root (it works in a temporary workspace and sends nothing):

    python examples/library_usage.py

It creates a workspace, imports the sample book, asks the touch plan who is due, and runs an
end-of-contract farewell built in code (a dry run, so the messages land in the outbox).
"""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

from outreach import Campaign, Engine, Workspace, build_plan, get_host
from outreach.engine import summarise
from outreach.importer import read_contacts
from outreach.merge import merge_records

EXAMPLES = Path(__file__).resolve().parent


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        # 1. A workspace: settings, the vCard master book, the SQLite journal.
        workspace = Workspace.init(Path(tmp) / "network", settings=EXAMPLES / "outreach.toml")
        host = get_host()

        # 2. Import an export the way `outreach contacts import` does: read the file, then
        #    merge into the book under the book lock (edit_book saves it when the block ends,
        #    so a command changing the book meanwhile is never overwritten).
        imported = read_contacts(EXAMPLES / "contacts.vcf", host)
        with workspace.edit_book() as book:
            report = merge_records(book, imported.records, tags=["imported"])
        print(f"imported {len(report.added)} contacts into {workspace.book_path}")

        # 3. The touch plan, exactly as `outreach plan --today 2026-12-01` has it: the true due
        #    dates, and this week's picks ([plan] per_week of them, the most overdue first).
        today = date(2026, 12, 1)
        plan = build_plan(workspace, today)
        for entry in plan.due_entries()[:3]:
            pick = "picked this week" if entry.pick else "due"
            print(f"plan: {entry.name} is {entry.reason} ({entry.cadence}; {pick})")
        print(f"plan: {len(plan.picks)} of {len(plan.due_uids())} due contacts picked this week")

        # 4. A campaign built in code, e.g. from an HR system when someone's contract ends.
        campaign = Campaign.from_dict(
            {
                "name": "farewell-from-hr",
                "vars": {
                    "company": "Northwind Analytics",
                    "last_day": date(2026, 12, 18),
                    "keep_in_touch": "alex@example.org",
                },
                "audience": {"tags": ["colleague"], "require": ["email"]},
                "email": {
                    "subject": "Moving on from {{ vars.company }}",
                    "template": "email/farewell.txt.j2",
                },
            },
            host,
        )
        engine = Engine(workspace, today=today)
        result = engine.run(campaign)  # a dry run: nothing is sent or recorded
        for line in summarise(result):
            print(line)
        first = result.rendered[0]
        print(f"\nthe first message, to {first.contact.display_name}:\n")
        print(first.preview)


if __name__ == "__main__":
    main()
