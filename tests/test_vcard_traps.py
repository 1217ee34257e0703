"""Each vCard trap has a fixture written the way the exporting tool writes it, and a test.

vobject's component layer gets these wrong (truncates unescaped commas, drops 2.1's bare
parameters, trips on the BOM, quoted-printable soft breaks and data: URIs); outreach reads
them with its own decoding and writes every property it does not model back unchanged.
"""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from outreach.contact import Birthday, Contact
from outreach.errors import InputError
from outreach.importer import decode_text, read_contacts
from outreach.pluginhost import get_host
from outreach.vcard import dump_contacts, parse_vcards

FIXTURES = Path(__file__).parent / "fixtures" / "vcard"


def read(name: str) -> list[Contact]:
    result = read_contacts(FIXTURES / name, get_host())
    assert result.format == "vcard"
    return [r.contact for r in result.records]


def round_trip(contacts: list[Contact]) -> list[Contact]:
    """Write as vCard 3.0 and read back."""
    return [c.contact for c in parse_vcards(dump_contacts(contacts))]


def test_quoted_printable_soft_line_breaks_and_charsets() -> None:
    joerg, renee = read("qp-21.vcf")
    assert (joerg.name.given, joerg.name.family, joerg.name.prefix) == ("Jörg", "Müller", "Dr.")
    assert joerg.org == "Bäckerei Krümel GmbH" and joerg.department == "Vertrieb"
    # Soft line breaks join the lines; =0D=0A is a real line break.
    assert joerg.notes == (
        "Kennengelernt auf der Messe in Köln.\nZweite Zeile mit einem sehr langen Text, der "
        "über mehrere Zeilen gebrochen wurde, weil das Telefon es so wollte."
    )
    assert joerg.addresses[0].street == ("Straße des 17. Juni 1", "Hinterhaus")
    assert joerg.addresses[0].country_code == "DE"
    # CHARSET=ISO-8859-1 bytes decode as Latin-1, not as UTF-8.
    assert renee.display_name == "Renée Lefèvre"
    # A quoted-printable list keeps its commas as separators.
    assert renee.tags == ["Collègues", "Cartes de vœux"]
    assert round_trip([joerg, renee]) == [joerg, renee]


def test_apple_item_groups_keep_labels_and_country_codes() -> None:
    (chidi,) = read("apple-groups.vcf")
    assert [(e.address, e.group) for e in chidi.emails] == [
        ("chidi@acme.example", "item1"),
        ("chidi.okafor@school.example", "item2"),
    ]
    labels = {(r.group, r.value) for r in chidi.extra if r.name == "X-ABLabel"}
    assert ("item2", "alumni") in labels and ("item5", "_$!<HomePage>!$_") in labels
    home, work = chidi.addresses
    assert (home.country_code, home.group) == ("GB", "item3")
    # Apple's X-ABADR gives the country when the address names none.
    assert (work.country, work.country_code) == ("", "AT")
    text = dump_contacts([chidi])
    assert "item2.EMAIL;TYPE=INTERNET:chidi.okafor@school.example\r\n" in text
    assert "item2.X-ABLabel:alumni\r\n" in text
    assert "item5.URL;TYPE=pref:https://chidi.example/blog\r\n" in text
    assert round_trip([chidi]) == [chidi]


def test_apple_company_card_is_the_company_not_a_person() -> None:
    (card,) = read("apple-company.vcf")
    assert card.display_name == "Northwind Traders"
    assert card.name.formatted == "" and card.name.given == ""
    assert any(r.name == "X-ABShowAs" and r.value == "COMPANY" for r in card.extra)
    assert "X-ABShowAs:COMPANY\r\n" in dump_contacts([card])
    assert round_trip([card]) == [card]


def test_group_cards_are_skipped_and_reported(run_cli) -> None:
    result = read_contacts(FIXTURES / "apple-group-card.vcf", get_host())
    assert [r.contact.display_name for r in result.records] == ["Layla Haddad"]
    assert [(s.line, s.reason) for s in result.skipped] == [
        (1, "group card 'Holiday cards' is a list of people, not a person"),
        (11, "group card 'Book club' is a list of people, not a person"),
    ]
    cli = run_cli("contacts", "import", str(FIXTURES / "apple-group-card.vcf"))
    assert cli.exit_code == 0, cli.output
    assert "apple-group-card.vcf:1: group card 'Holiday cards'" in cli.output
    assert "1 added" in cli.output and "2 skipped" in cli.output


def test_birthdays_with_the_year_left_out() -> None:
    apple, v4, full, text = read("birthday-no-year.vcf")
    assert apple.birthday == Birthday(3, 15, None)
    assert v4.birthday == Birthday(7, 4, None)
    assert full.birthday == Birthday(11, 2, 1983)
    # A birthday that is not a date is kept as written.
    assert text.birthday is None
    assert [(r.name, r.value) for r in text.extra] == [("BDAY", "circa 1950")]
    assert "BDAY;X-APPLE-OMIT-YEAR=1604:1604-03-15\r\n" in dump_contacts([apple])
    assert "BDAY:--0704\r\n" in dump_contacts([v4])
    assert round_trip([apple, v4, full, text]) == [apple, v4, full, text]


def test_byte_order_marks_at_the_start_and_in_the_middle() -> None:
    assert (FIXTURES / "bom.vcf").read_bytes().startswith(b"\xef\xbb\xbfBEGIN:VCARD")
    first, second = read("bom.vcf")
    assert first.display_name == "Guðrún Ólafsdóttir"
    assert second.display_name == "Einar Þórsson"


def test_escaped_commas_and_semicolons() -> None:
    (ana,) = read("escaped.vcf")
    assert ana.name.family == "García, Jr."
    assert ana.org == "Smith, Jones ; Partners" and ana.department == "Legal, Tax"
    assert ana.title == "Partner; Head of Tax"
    address = ana.addresses[0]
    assert address.extended == "Suite 5, Floor 2" and address.street == ("1 Canal St; Unit B",)
    assert ana.notes == "Line one\nLine two, with a comma; and a semicolon\\ and a backslash"
    assert ana.tags == ["clients, 2023", "holiday"]
    assert round_trip([ana]) == [ana]


def test_embedded_photos_are_kept_not_decoded() -> None:
    luc, sooah = read("photo.vcf")
    expected = (FIXTURES / "photo.jpeg.b64").read_text()
    for contact in (luc, sooah):
        (photo,) = [r for r in contact.extra if r.name == "PHOTO"]
        assert photo.value == expected
        assert base64.b64decode(photo.value) == bytes(range(256)) * 3
        assert ("ENCODING", ("b",)) in photo.params
    # The 2.1 card's unindented base64 lines did not swallow the properties after them.
    assert luc.emails[0].address == "luc@example.fr" and luc.uid == "photo-21"
    assert round_trip([luc, sooah]) == [luc, sooah]


def test_unescaped_commas_are_not_truncated() -> None:
    (olivia,) = read("unescaped-commas.vcf")
    assert olivia.org == "Brown, Brown & Associates"
    assert olivia.title == "VP, Sales, EMEA"
    assert olivia.notes == "Met in Lisbon, 2019, at the partner summit"
    raw = {r.name: r.value for r in olivia.extra}
    assert raw["X-SPOUSE"] == "Sam, the architect"
    assert raw["X-MS-IMADDRESS"] == "olivia@im.example,olivia.b@im.example"
    text = dump_contacts([olivia])
    assert "X-MS-IMADDRESS:olivia@im.example,olivia.b@im.example\r\n" in text
    assert round_trip([olivia]) == [olivia]


def test_data_uris_and_tel_uris_of_vcard_4() -> None:
    (marco,) = read("data-uri-40.vcf")
    source = (FIXTURES / "data-uri-40.vcf").read_text()
    photo_line = next(line for line in source.splitlines() if line.startswith("PHOTO:"))
    (photo,) = [r for r in marco.extra if r.name == "PHOTO"]
    assert f"PHOTO:{photo.value}" == photo_line
    assert marco.phones[0].number == "+39-06-5550-1234"
    assert {t.lower() for t in marco.phones[0].types} == {"voice", "cell"}
    assert marco.uid == "urn:uuid:4fbe8971-0bc3-424c-9c26-36c3e1eff6b1"
    assert photo_line + "\r\n" in dump_contacts([marco]).replace("\r\n ", "")
    assert round_trip([marco]) == [marco]


def test_nameless_parameters() -> None:
    (olga,) = read("nameless-params.vcf")
    assert [(p.number, p.types) for p in olga.phones] == [
        ("+7 495 555 01 23", ("WORK", "VOICE")),
        ("+7 916 555 44 33", ("CELL",)),
    ]
    assert olga.emails[0].preferred and olga.primary_email == "olga@example.ru"
    assert olga.addresses[0].kind == "work"
    # A parameter with no name at all does not lose the line.
    assert [(r.name, r.value) for r in olga.extra] == [("X-NOKIA-NOTE", "kept")]
    assert round_trip([olga]) == [olga]


def test_unknown_properties_round_trip_untouched() -> None:
    (hanna,) = read("unknown-props.vcf")
    text = dump_contacts([hanna]).replace("\r\n ", "")
    for line in (
        "X-ANNIVERSARY:2015-06-20",
        # vobject's parseLine would rename this property X-LOTUS-FIELD.
        "X_LOTUS_FIELD:underscore name",
        'X-CUSTOM;X-EMPTY=;X-QUOTED="a:b;c":value with \\, escapes and, commas',
        "item7.X-TWITTER:@hanna",
        "item7.X-ABLabel:twitter",
        "IMPP;X-SERVICE-TYPE=Skype;TYPE=HOME:skype:hanna.fischer",
        'X-MS-OL-DESIGN;CHARSET=utf-8:<card xmlns="http://schemas.microsoft.com/office/outlook/'
        '12/electronicbusinesscards"/>',
        "REV:2023-01-15T10:20:30Z",
    ):
        assert line + "\r\n" in text
    assert round_trip([hanna]) == [hanna]


def test_line_separators_inside_a_value_do_not_split_it() -> None:
    (wei,) = read("line-separators.vcf")
    assert wei.notes == "first\u2028second\u0085third\x0cfourth"
    assert round_trip([wei]) == [wei]


def test_an_email_value_that_is_no_address_is_never_used_as_one() -> None:
    text = (
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Eve\\nBcc: all@example.com\r\n"
        "N:Doe\\nX-Injected: yes;Eve;;;\r\n"
        "EMAIL:eve@example.com\\nBcc: all@example.com\r\n"
        "EMAIL;TYPE=WORK:Eve Doe <eve.doe@example.com>\r\nUID:eve\r\nEND:VCARD\r\n"
    )
    (card,) = parse_vcards(text)
    eve = card.contact
    assert [e.address for e in eve.emails] == ["eve.doe@example.com"]
    assert [r.name for r in eve.extra] == ["EMAIL"]
    assert (
        eve.name.family == "Doe X-Injected: yes"
        and eve.name.formatted == "Eve Bcc: all@example.com"
    )
    assert round_trip([eve]) == [eve]


def test_windows_1252_file() -> None:
    (renee,) = read("cp1252-21.vcf")
    assert renee.display_name == "Renée Dvorák"
    assert renee.org == "Café Société"
    assert renee.notes == "Price: 20 € – agreed"


def test_cards_without_uid_get_the_same_uid_every_time() -> None:
    first = read("cp1252-21.vcf")[0].uid
    assert read("cp1252-21.vcf")[0].uid == first
    assert len(first) == 36


@pytest.mark.parametrize(
    ("name", "where"),
    [
        ("broken-no-end.vcf", "broken-no-end.vcf:7: card never ends"),
        ("broken-bad-line.vcf", "broken-bad-line.vcf:9: not a vCard line"),
    ],
)
def test_broken_files_name_file_and_line(name: str, where: str) -> None:
    with pytest.raises(InputError, match=where):
        read_contacts(FIXTURES / name, get_host())


def test_undecodable_bytes_are_an_error_not_garbage(tmp_path: Path) -> None:
    bad = tmp_path / "bad.vcf"
    bad.write_bytes(b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:A\x81B\r\nEND:VCARD\r\n")
    with pytest.raises(
        InputError, match=r"bad.vcf:3: not UTF-8 or Windows-1252 text \(byte 0x81\)"
    ):
        decode_text(bad.read_bytes(), bad)
