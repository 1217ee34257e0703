"""Everything a card says is kept: parameters, 4.0 as 4.0, odd line ends, bad bytes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from filetree import tree_digest

from outreach.addressbook import AddressBook
from outreach.contact import PastJob
from outreach.errors import InputError
from outreach.importer import ImportedRecord
from outreach.merge import merge_records
from outreach.vcard import dump_contact, parse_vcards

V4 = (
    "BEGIN:VCARD\r\nVERSION:4.0\r\nUID:urn:uuid:4fbe8971-0bc3-424c-9c26-36c3e1eff6b1\r\n"
    "FN;ALTID=1:Joan Doe\r\nN;LANGUAGE=en-us;ALTID=1:Doe;Joan;;;\r\nORG;TYPE=work:Acme Corp\r\n"
    "EMAIL;TYPE=WORK:joan@acme.example\r\nEMAIL;PREF=1:joan@home.example\r\n"
    'TEL;VALUE=uri;TYPE="voice,work":tel:+1-555-555-5555;ext=102\r\n'
    "ADR;TYPE=HOME:;;1 Main St;Springfield;IL;62701;USA\r\nBDAY:19800517\r\n"
    "ANNIVERSARY:--0203\r\nGENDER:F\r\nKIND:individual\r\nEND:VCARD\r\n"
)


def test_a_40_card_is_written_back_as_valid_40_with_every_parameter() -> None:
    (card,) = parse_vcards(V4)
    text = dump_contact(card.contact)
    assert text.startswith("BEGIN:VCARD\r\nVERSION:4.0\r\n")
    for line in (
        "FN;ALTID=1:Joan Doe",
        "N;LANGUAGE=en-us;ALTID=1:Doe;Joan;;;",
        "ORG;TYPE=work:Acme Corp",
        "EMAIL;TYPE=WORK:joan@acme.example",
        "EMAIL;PREF=1:joan@home.example",
        "TEL;VALUE=uri;TYPE=voice,work:tel:+1-555-555-5555;ext=102",
        "ADR;TYPE=HOME;X-OUTREACH-COUNTRY=US:;;1 Main St;Springfield;IL;62701;USA",
        # 4.0 allows only the basic form of a date.
        "BDAY:19800517",
        "ANNIVERSARY:--0203",
        "GENDER:F",
    ):
        assert line + "\r\n" in text
    (again,) = parse_vcards(text)
    assert again.contact == card.contact and again.version == "4.0"


def test_3_0_and_2_1_cards_are_written_as_3_0() -> None:
    v3 = (
        "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:a\r\nFN:A B\r\nN:B;A;;;\r\nBDAY:1980-05-17\r\n"
        "END:VCARD\r\n"
    )
    v21 = "BEGIN:VCARD\r\nVERSION:2.1\r\nN:B;C\r\nTEL;CELL;PREF:123456789\r\nEND:VCARD\r\n"
    for source in (v3, v21):
        (card,) = parse_vcards(source)
        text = dump_contact(card.contact)
        assert "VERSION:3.0\r\n" in text
    assert "BDAY:1980-05-17\r\n" in dump_contact(parse_vcards(v3)[0].contact)
    assert "TEL;TYPE=CELL,PREF:123456789\r\n" in dump_contact(parse_vcards(v21)[0].contact)


def test_a_40_card_merged_into_a_30_one_makes_it_40(tmp_path: Path) -> None:
    book = AddressBook.open(tmp_path / "book.vcf")
    (old,) = parse_vcards(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:joan\r\nFN:Joan Doe\r\nN:Doe;Joan;;;\r\n"
        "EMAIL:joan@acme.example\r\nEND:VCARD\r\n"
    )
    book.add(old.contact)
    (new,) = parse_vcards(V4)
    merge_records(book, [ImportedRecord(new.contact, 1, source="v4.vcf", uid_given=True)])
    joan = book.get("joan")
    text = dump_contact(joan)
    assert "VERSION:4.0\r\n" in text and "GENDER:F\r\n" in text
    assert "urn:uuid:4fbe8971-0bc3-424c-9c26-36c3e1eff6b1" in joan.aliases


@pytest.mark.parametrize("ending", ["\r\n", "\n", "\r", "\r\r\n"])
def test_every_line_ending_reads(ending: str) -> None:
    text = (
        "BEGIN:VCARD|VERSION:3.0|FN:Wei Zhang|N:Zhang;Wei;;;|NOTE:a long note that is|"
        "  folded|END:VCARD|"
    ).replace("|", ending)
    (card,) = parse_vcards(text)
    assert card.contact.display_name == "Wei Zhang"
    assert card.contact.notes == "a long note that is folded"


def test_one_bad_byte_is_one_replacement_character(run_cli, workspace, tmp_path: Path) -> None:
    path = tmp_path / "bad-byte.vcf"
    path.write_bytes(
        b"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:b-1\r\nFN:Zo\xc3\xab M\xc3\xbcller\r\n"
        b"N:M\xc3\xbcller;Zo\xc3\xab;;;\r\nORG:Caf\xe9 M\xc3\xbcller GmbH\r\nEND:VCARD\r\n"
        b"BEGIN:VCARD\r\nVERSION:2.1\r\nUID:b-2\r\nFN:Ren\xc3\xa9 Roy\r\n"
        b"ORG;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Caf=E9 Ren=C3=A9\r\nEND:VCARD\r\n"
    )
    result = run_cli("contacts", "import", str(path))
    assert result.exit_code == 0, result.output
    assert f"{path}: 1 bytes that are not UTF-8 replaced by U+FFFD (line 6)" in result.output
    orgs = {c["uid"]: c["org"] for c in json.loads(run_cli("contacts", "list", "--json").output)}
    # The rest of the value, and of the file, is read as the UTF-8 it is.
    assert orgs == {"b-1": "Caf\ufffd Müller GmbH", "b-2": "Caf\ufffd René"}


def test_control_characters_are_removed_from_names_and_said_so(
    run_cli, workspace, tmp_path: Path
) -> None:
    path = tmp_path / "controls.vcf"
    path.write_bytes(
        b"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:c-1\r\nFN:Ivan\x1b[31m Petrov\x00\r\n"
        b"N:Petrov;Ivan;;;\r\nTITLE:CTO\x07\r\nNOTE:page one\x0cpage two\r\n"
        b"X-CUSTOM:a\x00b\r\nEND:VCARD\r\n"
    )
    result = run_cli("contacts", "import", str(path))
    assert result.exit_code == 0, result.output
    assert (
        f"{path}: 4 control characters (NUL and the like) removed from 1 cards (line 1)"
        in result.output
    )
    assert "added: Ivan[31m Petrov" in result.output
    book = workspace.book_path.read_bytes()
    assert b"\x00" not in book and b"\x1b" not in book and b"\x07" not in book
    # A note may hold a form feed (a page break some tools write): kept.
    assert json.loads(run_cli("contacts", "show", "c-1", "--json").output)["notes"] == (
        "page one\x0cpage two"
    )


def test_past_jobs_and_aliases_round_trip_and_a_bad_date_names_the_line() -> None:
    (card,) = parse_vcards(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:p-1\r\nFN:Joan Doe\r\nORG:Lumen Labs\r\n"
        "X-OUTREACH-PAST-JOB;X-UNTIL=2026-11-30:Acme\\, Inc.;CIO\\; CTO\r\n"
        "X-OUTREACH-PAST-JOB:Initech;\r\nX-OUTREACH-ALIAS:old-uid\r\nEND:VCARD\r\n"
    )
    joan = card.contact
    assert joan.past_jobs[0] == PastJob("Acme, Inc.", "CIO; CTO", joan.past_jobs[0].until)
    assert joan.past_jobs[0].until.isoformat() == "2026-11-30"
    assert joan.past_jobs[1] == PastJob("Initech", "", None) and joan.aliases == ["old-uid"]
    assert parse_vcards(dump_contact(joan))[0].contact == joan
    with pytest.raises(InputError, match=r"^book.vcf:3: X-OUTREACH-PAST-JOB: X-UNTIL is not"):
        parse_vcards(
            "BEGIN:VCARD\r\nVERSION:3.0\r\nX-OUTREACH-PAST-JOB;X-UNTIL=soon:A;B\r\nEND:VCARD\r\n",
            "book.vcf",
        )


def test_prefer_incoming_takes_every_differing_value(run_cli, workspace, tmp_path: Path) -> None:
    first = tmp_path / "old.vcf"
    first.write_text(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:u-1\r\nFN:Robert Smith\r\nN:Smith;Robert;;;\r\n"
        "ORG:Acme\r\nTITLE:Engineer\r\nBDAY:1980-03-15\r\nEMAIL:bob@acme.example\r\nEND:VCARD\r\n"
    )
    newer = tmp_path / "new.vcf"
    newer.write_text(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:u-1\r\nFN:Bob Smith\r\nN:Smith;Robert;;;\r\n"
        "ORG:Acme\r\nTITLE:Staff Engineer\r\nBDAY:1980-03-16\r\nEMAIL:bob@acme.example\r\n"
        "END:VCARD\r\n"
    )
    run_cli("contacts", "import", str(first))
    before = tree_digest(workspace.root)
    kept = run_cli("contacts", "import", str(newer))
    assert kept.output.count("conflict: ") == 3 and tree_digest(workspace.root) == before
    taken = run_cli("contacts", "import", str(newer), "--prefer", "incoming")
    assert "job change: Bob Smith: Acme, Engineer -> Acme, Staff Engineer" in taken.output
    bob = json.loads(run_cli("contacts", "show", "u-1", "--json").output)
    assert (bob["name"], bob["title"], bob["birthday"]) == (
        "Bob Smith",
        "Staff Engineer",
        "1980-03-16",
    )
    assert bob["past_jobs"][0]["title"] == "Engineer"
