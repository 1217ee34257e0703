"""A newer export that shows a new employer: --prefer incoming, job changes, the plan."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

from filetree import tree_digest

PREAMBLE = 'Notes:\n"When exporting your connection data, you may notice ..."\n\n'
HEADER = "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"


def export(path: Path, *rows: str) -> Path:
    path.write_text(PREAMBLE + HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


def test_a_later_linkedin_export_with_a_new_company_is_a_job_change(
    run_cli, workspace, tmp_path: Path
) -> None:
    old = export(
        tmp_path / "2025.csv",
        "Joan,Doe,https://www.linkedin.com/in/joan-doe,,Acme Corp,CIO,15 Mar 2021",
        "Sam,Lee,https://www.linkedin.com/in/sam-lee,,Globex,Analyst,01 Feb 2022",
    )
    new = export(
        tmp_path / "2026.csv",
        "Joan,Doe,https://www.linkedin.com/in/joan-doe/,,Lumen Labs,VP Engineering,15 Mar 2021",
        "Sam,Lee,https://www.linkedin.com/in/sam-lee,,Globex,Analyst,01 Feb 2022",
    )
    assert run_cli("contacts", "import", str(old)).exit_code == 0
    kept = run_cli("contacts", "import", str(new))
    assert "conflict: Joan Doe: org is 'Acme Corp' in the book, 'Lumen Labs' in" in kept.output
    assert "--prefer incoming" in kept.output
    assert "2 records read: 0 added, 0 merged, 2 unchanged, 0 skipped; 2 conflicts" in kept.output
    before = tree_digest(workspace.root)
    dry = run_cli("contacts", "import", str(new), "--prefer", "incoming", "--dry-run")
    assert "job change: Joan Doe: Acme Corp, CIO -> Lumen Labs, VP Engineering" in dry.output
    assert tree_digest(workspace.root) == before
    taken = run_cli("contacts", "import", str(new), "--prefer", "incoming")
    assert taken.exit_code == 0, taken.output
    assert "job change: Joan Doe: Acme Corp, CIO -> Lumen Labs, VP Engineering" in taken.output
    assert "2 records read: 0 added, 1 merged, 1 unchanged, 0 skipped; 0 conflicts, 1 job" in (
        taken.output
    )
    shown = json.loads(run_cli("contacts", "show", "Joan Doe", "--json").output)
    assert (shown["org"], shown["title"]) == ("Lumen Labs", "VP Engineering")
    assert shown["past_jobs"] == [
        {"org": "Acme Corp", "title": "CIO", "until": date.today().isoformat()}
    ]
    assert "before: Acme Corp, CIO" in run_cli("contacts", "show", "Joan Doe").output
    # The history is in the book's vCard, and survives export and re-import elsewhere.
    assert "X-OUTREACH-PAST-JOB;X-UNTIL=" in workspace.book_path.read_text(encoding="utf-8")
    # A CSV has no column for it: the export says so rather than drop it silently.
    csv_export = run_cli("contacts", "export", str(tmp_path / "out.csv"))
    assert "not exported: Joan Doe: CSV cannot hold past jobs (Acme Corp, CIO)" in (
        csv_export.output
    )
    plan = json.loads(run_cli("plan", "--json").output)
    changes = [e for e in plan if e["section"] == "job-change"]
    assert [e["name"] for e in changes] == ["Joan Doe"]
    assert "Acme Corp, CIO -> Lumen Labs, VP Engineering" in changes[0]["reason"]
    assert "New job: a moment to congratulate (1)" in run_cli("plan").output
    later = (date.today() + timedelta(days=31)).isoformat()
    assert not [
        e
        for e in json.loads(run_cli("plan", "--json", "--today", later).output)
        if e["section"] == "job-change"
    ]
    # Congratulated: the section empties.
    run_cli("touch", "Joan Doe", "--via", "linkedin", "--note", "congrats on Lumen")
    plan = json.loads(run_cli("plan", "--json").output)
    assert not [e for e in plan if e["section"] == "job-change"]
    # Importing the new export again changes nothing more.
    again = tree_digest(workspace.root)
    run_cli("contacts", "import", str(new), "--prefer", "incoming")
    assert tree_digest(workspace.root) == again


def test_the_readme_tour_keeps_one_daniel_reyes(run_cli, workspace, tmp_path: Path) -> None:
    examples = Path(__file__).resolve().parent.parent / "examples"
    # A LinkedIn export names Daniel with his profile (written another way) and a newer title.
    connections = export(
        tmp_path / "Connections.csv",
        "Daniel,Reyes,https://linkedin.com/in/Daniel-Reyes-Example/,,Northwind Analytics,"
        "Principal Engineer,15 Mar 2021",
    )
    assert run_cli("contacts", "import", str(connections)).exit_code == 0
    result = run_cli("contacts", "import", str(examples / "contacts.vcf"))
    assert result.exit_code == 0, result.output
    assert "likely duplicate" not in result.output
    (daniel,) = [c for c in json.loads(run_cli("contacts", "list", "--json").output)
                 if c["name"] == "Daniel Reyes"]  # fmt: skip
    assert daniel["emails"] == ["dan.reyes@example.com"]
    # The card's own UID is kept: it names the same contact on the command line.
    assert run_cli("contacts", "show", "ex-02").exit_code == 0
    note = run_cli("congrats", "Daniel Reyes", "--for", "the promotion")
    assert note.exit_code == 0, note.output
    assert "=== Daniel Reyes [email]" in note.output
    # Another Daniel Reyes, at another company with another profile: a second person.
    other = export(
        tmp_path / "more.csv",
        "Daniel,Reyes,https://www.linkedin.com/in/daniel-reyes-42,,Globex,Analyst,01 Feb 2022",
    )
    added = run_cli("contacts", "import", str(other))
    assert "1 added" in added.output and "likely duplicate" not in added.output
    listed = run_cli("contacts", "duplicates").output
    assert listed.count("Daniel Reyes <") == 2
    assert "same name (but different LinkedIn profiles)" in listed
    ambiguous = run_cli("congrats", "Daniel Reyes", "--for", "the promotion")
    assert ambiguous.exit_code == 2 and "Name one by its UID or email address" in ambiguous.output
