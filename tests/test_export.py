"""Exports, and round trips through them: nothing a contact holds is lost on the way."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from outreach.workspace import Workspace

FIXTURES = Path(__file__).parent / "fixtures"
VCARDS = sorted(p for p in (FIXTURES / "vcard").glob("*.vcf") if not p.name.startswith("broken"))
CSVS = [
    FIXTURES / "csv" / name
    for name in (
        "google-current.csv",
        "google-legacy.csv",
        "outlook.csv",
        "outlook-semicolon.csv",
        "linkedin-connections.csv",
        "mailmerge.csv",
        "generic.csv",
    )
]


@pytest.fixture
def other(tmp_path: Path) -> Workspace:
    return Workspace.init(tmp_path / "other")


def listing(run_cli, home: Path | None = None) -> list[dict]:
    result = run_cli("contacts", "list", "--json", home=home)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def without_touches(contacts: list[dict]) -> list[dict]:
    return [{k: v for k, v in c.items() if k != "last_touch"} for c in contacts]


def import_all(run_cli, files, home: Path | None = None) -> None:
    result = run_cli("contacts", "import", *map(str, files), home=home)
    assert result.exit_code == 0, result.output


def test_vcard_export_imports_into_an_empty_book_unchanged(run_cli, workspace, other, tmp_path):
    import_all(run_cli, [*VCARDS, *CSVS])
    exported = tmp_path / "out.vcf"
    result = run_cli("contacts", "export", str(exported))
    assert result.exit_code == 0 and "not exported" not in result.output
    run_cli("contacts", "import", str(exported), home=other.root)
    # The same contacts down to the byte: UIDs, photos, groups, unknown properties.
    assert other.book_path.read_bytes() == workspace.book_path.read_bytes()
    assert workspace.open_book().contacts == other.open_book().contacts


def test_csv_import_export_import_is_lossless(run_cli, workspace, other, tmp_path):
    import_all(run_cli, CSVS)
    exported = tmp_path / "out.csv"
    result = run_cli("contacts", "export", str(exported), "--format", "csv")
    assert result.exit_code == 0, result.output
    assert "not exported" not in result.output
    again = run_cli("contacts", "import", str(exported), home=other.root)
    assert again.exit_code == 0, again.output
    assert other.book_path.read_bytes() == workspace.book_path.read_bytes()


def test_csv_export_of_any_book_gives_back_the_same_contacts(run_cli, workspace, other, tmp_path):
    import_all(run_cli, [*VCARDS, *CSVS])
    run_cli(
        "contacts", "set", "Layla Haddad", "--cadence", "quarterly", "--relationship", "my boss"
    )
    run_cli("contacts", "set", "Sam Taylor", "--address-returned", "--card-note", "Sorry!")
    exported = tmp_path / "out.csv"
    result = run_cli("contacts", "export", str(exported))
    assert result.exit_code == 0, result.output
    # What Google's columns cannot hold is named, not dropped silently.
    assert "not exported: Luc Moreau: CSV cannot hold PHOTO (export as vCard to keep them)" in (
        result.output
    )
    run_cli("contacts", "import", str(exported), home=other.root)
    # Touches live in the journal, not in the book: an export does not carry them.
    assert without_touches(listing(run_cli, other.root)) == without_touches(listing(run_cli))


def test_csv_export_is_google_s_current_column_set(run_cli, tmp_path):
    import_all(run_cli, [FIXTURES / "csv" / "google-current.csv"])
    exported = tmp_path / "out.csv"
    run_cli("contacts", "export", str(exported))
    data = exported.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfFirst Name,Middle Name,Last Name,Phonetic First Name,")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    amara = next(r for r in rows if r["First Name"] == "Amara")
    assert amara["Labels"] == "* myContacts ::: Former colleagues ::: * starred"
    assert (amara["E-mail 1 - Label"], amara["E-mail 1 - Value"]) == (
        "* Work",
        "amara@lagosfintech.example",
    )
    assert amara["Address 1 - Country"] == "Nigeria" and amara["Birthday"] == "--05-17"
    assert amara["Website 1 - Value"] == "https://www.linkedin.com/in/amara-nwosu"
    assert amara["Custom Field 1 - Label"] == "outreach: uid"
    lukas = next(r for r in rows if r["First Name"] == "Lukas")
    assert lukas["Phonetic First Name"] == "LOO-kahs" and lukas["File As"] == "Becker, Lukas"
    assert (lukas["Relation 1 - Label"], lukas["Relation 1 - Value"]) == ("Spouse", "Mia Becker")


def test_export_refuses_to_overwrite_the_book(run_cli, workspace):
    import_all(run_cli, [FIXTURES / "csv" / "generic.csv"])
    before = workspace.book_path.read_bytes()
    result = run_cli("contacts", "export", str(workspace.book_path))
    assert result.exit_code == 2 and "that is the address book itself" in result.output
    assert workspace.book_path.read_bytes() == before


def test_export_refuses_a_file_inside_a_folder_book(run_cli, workspace):
    config = workspace.config_path
    config.write_text(config.read_text().replace('"contacts.vcf"', '"cards"'))
    import_all(run_cli, [FIXTURES / "csv" / "generic.csv"])
    folder = workspace.root / "cards"
    before = sorted(p.name for p in folder.iterdir())
    result = run_cli("contacts", "export", str(folder / "all.vcf"))
    # Written there it would be read as the book's cards again: every UID twice.
    assert result.exit_code == 2 and "inside the address book folder" in result.output
    assert sorted(p.name for p in folder.iterdir()) == before
    assert run_cli("contacts", "list").exit_code == 0


def test_export_to_a_place_that_cannot_be_written_is_a_clear_error(run_cli, tmp_path):
    import_all(run_cli, [FIXTURES / "csv" / "generic.csv"])
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file, not a folder\n")
    result = run_cli("contacts", "export", str(blocker / "out.vcf"))
    assert result.exit_code == 2, result.output
    assert f"outreach: error: {blocker / 'out.vcf'}: cannot write: " in result.output
    assert blocker.read_text() == "a file, not a folder\n"
