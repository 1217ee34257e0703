"""The mailbox harvest, on an mbox and a Maildir++ tree written the way mail programs do."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from filetree import tree_digest

from outreach.errors import InputError
from outreach.harvest import harvest
from outreach.workspace import Workspace

MAIL = Path(__file__).parent / "fixtures" / "mail"
MBOX = MAIL / "work.mbox"
MAILDIR = MAIL / "Maildir"
ME = ("alex@example.com", "alex.work@corp.example")


def test_counts_sent_and_received_per_person() -> None:
    found = harvest([MBOX, MAILDIR], ME)
    assert found.messages == 14
    people = {c.address: c for c in found.ranked()}
    jose = people["jose.garcia@partner.example"]
    # Two messages from the mbox, one from the Maildir++ .Sent folder.
    assert (jose.sent, jose.received, jose.score, jose.name) == (3, 0, 9, "José García")
    assert (jose.first.isoformat(), jose.last.isoformat()) == ("2024-03-01", "2024-03-18")
    # Upper and lower case are one address; Cc counts as written to.
    bob = people["bob@stone.example"]
    assert (bob.sent, bob.received) == (1, 2)
    # Bcc of your own mail counts; encoded names are decoded.
    assert people["quiet@client.example"].sent == 1
    assert people["renee@lefevre.example"].name == "Renée Lefèvre"
    assert people["li.na@partner.example"].name == "李娜"
    assert people["bjorn@lund.example"].name == "Björn Lund"
    # A raw UTF-8 header (not RFC 2047) is still read, and a bad date is no date.
    zoe = people["zoe@nordic.example"]
    assert (zoe.name, zoe.last) == ("Zoë Ångström", None)
    # "Doe, Jane" is imported as Jane Doe.
    assert people["jane.doe@client.example"].display == "Jane Doe"
    # Robots, mailing lists and your own addresses are left out.
    assert not {"noreply@github.example", "news@lists.example", *ME} & set(people)
    assert found.skipped_automated == 1
    assert [c.address for c in found.ranked()[:3]] == [
        "jose.garcia@partner.example",
        "bob@stone.example",
        "bjorn@lund.example",
    ]


def test_sent_mail_counts_most() -> None:
    ranked = harvest([MBOX, MAILDIR], ME).ranked()
    scores = [(c.score, c.sent, c.received) for c in ranked]
    assert scores == sorted(scores, key=lambda s: -s[0])
    renee = next(c for c in ranked if c.address == "renee@lefevre.example")
    quiet = next(c for c in ranked if c.address == "quiet@client.example")
    # One message you sent outranks one you received.
    assert ranked.index(quiet) < ranked.index(renee)


def test_suggest_lists_people_not_in_the_book(run_cli, workspace: Workspace) -> None:
    known = workspace.root.parent / "known.csv"
    known.write_text("Name,Email\nBob Stone,bob@stone.example\n")
    run_cli("contacts", "import", str(known))
    result = run_cli(
        "contacts", "suggest", str(MBOX), str(MAILDIR), "--me", "alex.work@corp.example", "--json"
    )
    assert result.exit_code == 0, result.output
    listed = json.loads(result.stdout)
    assert [(s["rank"], s["address"]) for s in listed[:2]] == [
        (1, "jose.garcia@partner.example"),
        (2, "bjorn@lund.example"),
    ]
    assert "bob@stone.example" not in {s["address"] for s in listed}
    text = run_cli("contacts", "suggest", str(MBOX), "--limit", "2")
    assert text.stdout.splitlines() == [
        "  1  José García <jose.garcia@partner.example>  (sent 2, received 0, last 2024-03-05)",
        "  2  Jane Doe <jane.doe@client.example>  (sent 1, received 0, last 2024-03-13)",
    ]
    assert "1 already in the book" in text.stderr


def test_suggest_import_adds_the_chosen_and_records_the_last_message(
    run_cli, workspace: Workspace
) -> None:
    mailboxes = [str(MBOX), str(MAILDIR), "--me", "alex.work@corp.example"]
    before = tree_digest(workspace.root)
    dry = run_cli("contacts", "suggest", *mailboxes, "--import", "--pick", "1", "--dry-run")
    assert "would add: José García <jose.garcia@partner.example>" in dry.output
    assert tree_digest(workspace.root) == before
    result = run_cli(
        "contacts",
        "suggest",
        *mailboxes,
        "--import",
        "--pick",
        "1,renee@lefevre.example",
        "--pick",
        "4",
        "--tag",
        "acme-years",
    )
    assert result.exit_code == 0, result.output
    listing = {c["name"]: c for c in json.loads(run_cli("contacts", "list", "--json").output)}
    assert set(listing) == {"José García", "Renée Lefèvre", "李娜"}
    jose = listing["José García"]
    assert jose["emails"] == ["jose.garcia@partner.example"]
    assert jose["tags"] == ["acme-years"] and jose["last_touch"] == "2024-03-18"
    shown = json.loads(run_cli("contacts", "show", "José García", "--json").output)
    assert shown["touches"][0]["via"] == "email"
    # The top suggestion is now in the book; the rest move up. --limit caps an import.
    top = run_cli("contacts", "suggest", *mailboxes, "--import", "--limit", "2")
    assert "added: Bob Stone <bob@stone.example>" in top.output
    assert len(json.loads(run_cli("contacts", "list", "--json").output)) == 5


def test_suggest_import_reports_a_merge_as_import_does(run_cli, workspace: Workspace) -> None:
    known = workspace.root.parent / "known.csv"
    known.write_text("Name,Phone\nJosé García,+34 600 000 000\n")
    run_cli("contacts", "import", str(known))
    mailboxes = [str(MBOX), "--me", "alex.work@corp.example", "--import", "--pick", "1"]
    before = tree_digest(workspace.root)
    dry = run_cli("contacts", "suggest", *mailboxes, "--dry-run")
    assert dry.exit_code == 0, dry.output
    # Matched by name: the address would be added to the contact already in the book.
    assert (
        "would merge: José García <jose.garcia@partner.example> "
        "(email jose.garcia@partner.example added)"
    ) in dry.output
    assert tree_digest(workspace.root) == before
    done = run_cli("contacts", "suggest", *mailboxes)
    assert "merged: José García <jose.garcia@partner.example>" in done.output


def test_suggest_errors(run_cli, tmp_path: Path) -> None:
    bad_pick = run_cli("contacts", "suggest", str(MBOX), "--import", "--pick", "99")
    assert bad_pick.exit_code == 2 and "--pick 99: the list lists ranks 1 to" in bad_pick.output
    no_import = run_cli("contacts", "suggest", str(MBOX), "--pick", "1")
    assert no_import.exit_code == 2 and "add --import" in no_import.output
    text = tmp_path / "notes.txt"
    text.write_text("hello\n")
    assert "not an mbox file" in run_cli("contacts", "suggest", str(text)).output
    assert "not a Maildir" in run_cli("contacts", "suggest", str(tmp_path)).output
    anonymous = Workspace.init(tmp_path / "anon")
    nobody = run_cli("contacts", "suggest", str(MBOX), home=anonymous.root)
    assert nobody.exit_code == 2 and "name your addresses with --me" in nobody.output


def test_harvest_needs_to_know_who_you_are() -> None:
    with pytest.raises(InputError, match="who are you"):
        harvest([MBOX], [""])
