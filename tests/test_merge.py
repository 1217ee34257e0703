"""Merging imports into the book: matching, filling, conflicts, and all-or-nothing imports."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import make_contact
from filetree import tree_digest

from outreach.addressbook import AddressBook
from outreach.contact import Address, Birthday, Contact, Email, Name, RawProperty
from outreach.importer import ImportedRecord
from outreach.merge import merge_records

FIXTURES = Path(__file__).parent / "fixtures"


def record(contact: Contact, line: int = 2) -> ImportedRecord:
    return ImportedRecord(contact, line, source="import.csv")


def book_with(tmp_path: Path, *contacts: Contact) -> AddressBook:
    book = AddressBook.open(tmp_path / "book.vcf")
    for contact in contacts:
        book.add(contact)
    return book


def test_matching_order_uid_email_linkedin_then_name_and_org(tmp_path: Path) -> None:
    by_uid = make_contact("u-1", "Ada", "Lovelace")
    by_email = make_contact("u-2", "Grace", "Hopper", email="grace@navy.example")
    by_linkedin = make_contact("u-3", "Alan", "Turing", linkedin="https://linkedin.com/in/aturing")
    by_name = make_contact("u-4", "Katherine", "Johnson", org="NASA")
    book = book_with(tmp_path, by_uid, by_email, by_linkedin, by_name)
    incoming = [
        make_contact("u-1", "Augusta Ada", "King"),
        make_contact("x-2", "G.", "Hopper", email="GRACE@navy.example"),
        make_contact("x-3", "A", "T", linkedin="http://www.linkedin.com/in/ATuring/?trk=x"),
        make_contact("x-4", "Katherine", "Johnson", org="nasa", email="kj@nasa.example"),
        make_contact("x-5", "Katherine", "Johnson", org="Other Org"),
    ]
    report = merge_records(book, [record(c, i) for i, c in enumerate(incoming, 2)])
    assert [c.uid for c in report.added] == ["x-5"]
    merged = {c.uid for c, _ in report.merged} | {c.uid for c in report.unchanged}
    assert merged == {"u-1", "u-2", "u-3", "u-4"}
    assert book.get("u-4").has_email("kj@nasa.example")
    assert len(book) == 5


def test_same_name_and_org_with_different_profiles_are_two_people(tmp_path: Path) -> None:
    book = book_with(
        tmp_path,
        make_contact("u-1", "Maria", "Garcia", org="Acme", linkedin="linkedin.com/in/maria-1"),
    )
    other = make_contact("x-1", "Maria", "Garcia", org="Acme", linkedin="linkedin.com/in/maria-2")
    same = make_contact("x-2", "Maria", "Garcia", org="Acme")
    report = merge_records(book, [record(other), record(same, 3)])
    # The card without a profile could be either Maria: not guessed, listed as a duplicate.
    assert [c.uid for c in report.added] == ["x-1", "x-2"]
    assert [d.uids for d in report.duplicates] == [("u-1", "x-1", "x-2")]
    assert "different LinkedIn profiles" in report.duplicates[0].reason


def test_fills_empty_fields_adds_values_and_lists_conflicts(tmp_path: Path) -> None:
    mine = make_contact("u-1", "Robert", "Smith", email="bob@old.example", org="Acme")
    mine.title = "Engineer"
    mine.birthday = Birthday(3, 15, None)
    mine.tags = ["colleague"]
    book = book_with(tmp_path, mine)
    theirs = Contact(
        uid="x-1",
        name=Name(given="Robert", family="Smith", formatted="Bob Smith", nickname="Bob"),
        emails=[Email("bob@old.example"), Email("bob@new.example", ("WORK",))],
        addresses=[Address(street=("1 Main St",), locality="Springfield", country_code="US")],
        org="Acme Corp",
        title="Engineer",
        department="R&D",
        birthday=Birthday(3, 15, 1980),
        tags=["Colleague", "holiday"],
    )
    report = merge_records(book, [record(theirs, 7)], tags=["imported"])
    ((contact, changes),) = report.merged
    assert contact is mine
    assert mine.name.nickname == "Bob" and mine.department == "R&D"
    assert mine.birthday == Birthday(3, 15, 1980)
    assert [e.address for e in mine.emails] == ["bob@old.example", "bob@new.example"]
    assert mine.addresses[0].locality == "Springfield"
    assert mine.tags == ["colleague", "holiday", "imported"]
    assert "email bob@new.example added" in changes and "birthday year filled" in changes
    # Different non-empty values: the book's is kept and the difference listed.
    conflicts = {(c.field, c.current, c.incoming, c.where) for c in report.conflicts}
    assert conflicts == {
        ("name.formatted", "Robert Smith", "Bob Smith", "import.csv:7"),
        ("org", "Acme", "Acme Corp", "import.csv:7"),
    }
    assert mine.org == "Acme" and mine.name.formatted == "Robert Smith"


def test_linkedin_urls_compare_normalised(tmp_path: Path) -> None:
    book = book_with(
        tmp_path, make_contact("u-1", "A", "B", linkedin="https://www.linkedin.com/in/ab/")
    )
    theirs = make_contact("u-1", "A", "B", linkedin="linkedin.com/in/AB")
    report = merge_records(book, [record(theirs)])
    assert report.conflicts == [] and report.unchanged


def test_apple_groups_are_renumbered_so_labels_stay_attached(tmp_path: Path) -> None:
    mine = Contact(
        uid="u-1",
        name=Name(given="Chidi", family="Okafor", formatted="Chidi Okafor"),
        emails=[Email("chidi@acme.example", ("INTERNET",), "item1")],
        extra=[RawProperty("X-ABLabel", "_$!<Work>!$_", (), "item1")],
    )
    book = book_with(tmp_path, mine)
    theirs = Contact(
        uid="u-1",
        name=Name(given="Chidi", family="Okafor", formatted="Chidi Okafor"),
        emails=[
            Email("chidi@acme.example", ("INTERNET",), "item1"),
            Email("chidi@school.example", ("INTERNET",), "item2"),
        ],
        extra=[
            RawProperty("X-ABLabel", "_$!<Work>!$_", (), "item1"),
            # Their item2 collides with nothing, but their item1 label is a duplicate.
            RawProperty("X-ABLabel", "alumni", (), "item2"),
        ],
    )
    merge_records(book, [record(theirs)])
    assert [(e.address, e.group) for e in mine.emails] == [
        ("chidi@acme.example", "item1"),
        ("chidi@school.example", "item2"),
    ]
    assert [(r.group, r.value) for r in mine.extra] == [
        ("item1", "_$!<Work>!$_"),
        ("item2", "alumni"),
    ]
    # A third source using item1 for a new address gets a fresh group for it and its label.
    third = Contact(
        uid="u-1",
        emails=[Email("chidi@home.example", ("INTERNET",), "item1")],
        extra=[RawProperty("X-ABLabel", "home", (), "item1")],
    )
    merge_records(book, [record(third)])
    assert (mine.emails[-1].address, mine.emails[-1].group) == ("chidi@home.example", "item3")
    assert (mine.extra[-1].group, mine.extra[-1].value) == ("item3", "home")


def test_duplicate_rows_in_one_file_become_one_contact(tmp_path: Path) -> None:
    book = book_with(tmp_path)
    first = make_contact("x-1", "Ada", "Lovelace", email="ada@example.com")
    second = make_contact("x-2", "Ada", "Lovelace", email="ADA@example.com", org="")
    second.title = "Analyst"
    report = merge_records(book, [record(first), record(second, 3)])
    assert len(book) == 1 and book.get("x-1").title == "Analyst"
    assert [c.uid for c in report.added] == ["x-1"]


# -- through the command line ---------------------------------------------------------------


def test_dry_run_shows_added_merged_conflicted_and_changes_nothing(run_cli, workspace) -> None:
    run_cli("contacts", "import", str(FIXTURES / "csv" / "google-current.csv"))
    before = tree_digest(workspace.root)
    changed = FIXTURES / "csv" / "outlook.csv"
    vcard = FIXTURES / "vcard" / "apple-groups.vcf"
    conflicting = workspace.root.parent / "conflict.csv"
    conflicting.write_text(
        "Name,Email,Company\nAmara Nwosu,amara@lagosfintech.example,Other Company\n"
    )
    result = run_cli("contacts", "import", str(changed), str(vcard), str(conflicting), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "would add: Mr. François Dupré <f.dupre@sge.example>" in result.output
    assert "would add: Chidi Okafor <chidi@acme.example>" in result.output
    assert "conflict: Amara Nwosu: org is 'Lagos Fintech Ltd' in the book, 'Other Company' in" in (
        result.output
    )
    assert "conflict.csv:2; kept the book's" in result.output
    assert (
        "5 records read: 4 added, 0 merged, 1 unchanged, 0 skipped; 1 conflicts (dry run: nothing"
        in (result.output)
    )
    assert tree_digest(workspace.root) == before


def test_tag_marks_everything_the_import_touches(run_cli) -> None:
    run_cli("contacts", "import", str(FIXTURES / "csv" / "linkedin-old.csv"))
    result = run_cli(
        "contacts",
        "import",
        str(FIXTURES / "csv" / "linkedin-connections.csv"),
        str(FIXTURES / "csv" / "linkedin-old.csv"),
        "--tag",
        "linkedin",
        "--tag",
        "2024 export",
    )
    assert result.exit_code == 0, result.output
    listing = json.loads(run_cli("contacts", "list", "--json", "--tag", "linkedin").output)
    assert len(listing) == 7
    assert all(c["tags"] == ["linkedin", "2024 export"] for c in listing)


def test_reimporting_the_same_files_changes_nothing(run_cli, workspace) -> None:
    files = [
        FIXTURES / "vcard" / "apple-groups.vcf",
        FIXTURES / "vcard" / "qp-21.vcf",
        FIXTURES / "vcard" / "photo.vcf",
        FIXTURES / "vcard" / "cp1252-21.vcf",
        FIXTURES / "csv" / "google-current.csv",
        FIXTURES / "csv" / "outlook.csv",
        FIXTURES / "csv" / "linkedin-connections.csv",
        FIXTURES / "csv" / "mailmerge.csv",
    ]
    first = run_cli("contacts", "import", *map(str, files))
    assert first.exit_code == 0, first.output
    before = tree_digest(workspace.root)
    again = run_cli("contacts", "import", *map(str, files))
    assert again.exit_code == 0, again.output
    assert (
        "22 records read: 0 added, 0 merged, 20 unchanged, 2 skipped; 0 conflicts" in again.output
    )
    assert tree_digest(workspace.root) == before


def test_a_bad_row_in_any_file_leaves_the_workspace_unchanged(run_cli, workspace) -> None:
    run_cli("contacts", "import", str(FIXTURES / "csv" / "generic.csv"))
    run_cli("touch", "Hana Novak", "--via", "call", "--date", "2024-01-02")
    before = tree_digest(workspace.root)
    assert any(name.startswith(".cache/") for name in before)
    for broken in (
        FIXTURES / "csv" / "bad-email.csv",
        FIXTURES / "csv" / "broken-quotes.csv",
        FIXTURES / "vcard" / "broken-no-end.vcf",
        FIXTURES / "csv" / "linkedin-bad-date.csv",
    ):
        # The good file comes first: it must not be half-imported.
        result = run_cli(
            "contacts", "import", str(FIXTURES / "csv" / "google-current.csv"), str(broken)
        )
        assert result.exit_code == 2, result.output
        assert f"outreach: error: {broken}:" in result.output
        assert tree_digest(workspace.root) == before


def test_skip_bad_imports_the_rest_and_reports_each_row(run_cli) -> None:
    result = run_cli("contacts", "import", str(FIXTURES / "csv" / "bad-email.csv"), "--skip-bad")
    assert result.exit_code == 0, result.output
    assert (
        f"skipped {FIXTURES / 'csv' / 'bad-email.csv'}:3: Email: 'not-an-address' is not an "
        "email address" in result.output
    )
    assert "3 records read: 2 added, 0 merged, 0 unchanged, 1 skipped; 0 conflicts" in result.output
    names = [c["name"] for c in json.loads(run_cli("contacts", "list", "--json").output)]
    assert names == ["Ada Lovelace", "Mary Somerville"]
