"""vCard in and out: every modelled field round-trips, and unknown properties survive."""

from __future__ import annotations

from datetime import date

import pytest
import vobject

from outreach.cadence import Cadence
from outreach.contact import Address, Birthday, Contact, Email, Name, Phone
from outreach.errors import InputError
from outreach.vcard import dump_contact, dump_contacts, escape_text, parse_vcards, unescape_text


def full_contact() -> Contact:
    return Contact(
        uid="urn:uuid:5f8e",
        name=Name(
            given="Zoë",
            family="O'Brien; Smith",
            additional="Anne,Marie",
            prefix="Dr.",
            suffix="PhD",
            formatted="Dr. Zoë O'Brien, PhD",
            nickname="Zo",
        ),
        emails=[Email("zoe@example.ie", ("INTERNET", "WORK", "pref"))],
        phones=[Phone("+353 1 234 5678", ("CELL",))],
        addresses=[
            Address(
                street=("Flat 2", "12 Harcourt St."),
                locality="Dublin",
                region="Leinster",
                postal_code="D02 XY45",
                country="Ireland",
                country_code="IE",
                types=("HOME",),
            )
        ],
        org="Acme, Inc.",
        department="R&D;Platform",
        title="VP, Engineering",
        linkedin="https://www.linkedin.com/in/zoe-obrien/",
        tags=["colleague", "former-boss", "with,comma"],
        notes="Met at PyCon 2019.\nLikes: tea; books\\pens",
        relationship="my manager at Acme",
        cadence=Cadence.parse("quarterly"),
        birthday=Birthday(2, 29),
        snooze_until=date(2027, 1, 15),
        card_note="So glad we met again in Lisbon!",
    )


def test_every_modelled_field_round_trips() -> None:
    original = full_contact()
    original.addresses[0].returned = True
    (card,) = parse_vcards(dump_contact(original))
    assert card.contact == original
    assert card.version == "3.0"


def test_output_is_valid_vcard_3_for_other_tools() -> None:
    text = dump_contact(full_contact())
    parsed = vobject.readOne(text)
    assert parsed.fn.value == "Dr. Zoë O'Brien, PhD"
    assert parsed.n.value.family == "O'Brien; Smith"
    assert parsed.adr.value.city == "Dublin"
    assert parsed.email.value == "zoe@example.ie"
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))


def test_unknown_properties_survive_untouched() -> None:
    text = (
        "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:x1\r\nFN:A B\r\nN:B;A;;;\r\n"
        "X-CUSTOM;FOO=bar;TYPE=a,b:some\\;value,with\\,commas\r\n"
        "item1.X-ABLabel:_$!<Other>!$_\r\n"
        "item1.EMAIL;type=INTERNET:a@example.com\r\n"
        "PHOTO;ENCODING=b;TYPE=JPEG:aGVsbG8gd29ybGQ=\r\n"
        "X-FOO:a,b\\,c\r\n"
        "ROLE:Chief tea maker\r\n"
        "END:VCARD\r\n"
    )
    (card,) = parse_vcards(text)
    written = dump_contact(card.contact)
    for line in (
        "X-CUSTOM;FOO=bar;TYPE=a,b:some\\;value,with\\,commas",
        "item1.X-ABLabel:_$!<Other>!$_",
        "item1.EMAIL;TYPE=INTERNET:a@example.com",
        "PHOTO;ENCODING=b;TYPE=JPEG:aGVsbG8gd29ybGQ=",
        "X-FOO:a,b\\,c",
        "ROLE:Chief tea maker",
    ):
        assert line in written
    (again,) = parse_vcards(written)
    assert dump_contact(again.contact) == written


def test_reads_vcard_2_1_quoted_printable_and_bare_parameters() -> None:
    text = (
        "BEGIN:VCARD\r\nVERSION:2.1\r\n"
        "N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:D=C3=BCrr;J=C3=B6rg=\r\n"
        "en;;;\r\n"
        "TEL;HOME;VOICE:+49 30 1234\r\n"
        "EMAIL;INTERNET;PREF:j@example.de\r\n"
        "END:VCARD\r\n"
    )
    (card,) = parse_vcards(text)
    assert card.contact.name.family == "Dürr"
    assert card.contact.name.given == "Jörgen"
    assert card.contact.phones[0].types == ("HOME", "VOICE")
    assert card.contact.emails[0].preferred


def test_reads_vcard_4_0() -> None:
    text = (
        "BEGIN:VCARD\nVERSION:4.0\nUID:urn:uuid:abc\nFN:Kenji Sato\nN:Sato;Kenji;;;\n"
        'EMAIL;TYPE="work,pref":kenji@example.jp\nBDAY:--0517\n'
        "ADR;TYPE=work:;;1-2-3 Marunouchi;Chiyoda-ku;Tokyo;100-0005;Japan\nEND:VCARD\n"
    )
    (card,) = parse_vcards(text)
    contact = card.contact
    assert contact.emails[0].types == ("work", "pref")
    assert contact.birthday == Birthday(5, 17)
    assert contact.addresses[0].country_code == "JP"


def test_folded_lines_and_bom() -> None:
    text = "\ufeffBEGIN:VCARD\r\nVERSION:3.0\r\nFN:A very long\r\n  name\r\nEND:VCARD\r\n"
    (card,) = parse_vcards(text)
    assert card.contact.name.formatted == "A very long name"


def test_missing_uid_gets_one() -> None:
    card = "BEGIN:VCARD\nVERSION:3.0\nFN:No Uid\nEND:VCARD\n"
    (first,) = parse_vcards(card)
    assert first.contact.uid
    # Derived from the card, so the same card reads the same; a twin in one file differs.
    again, twin = parse_vcards(card * 2)
    assert again.contact.uid == first.contact.uid
    assert twin.contact.uid == f"{first.contact.uid}-2"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("BEGIN:VCARD\nVERSION:3.0\nFN:x\n", "book.vcf:1: card never ends"),
        ("FN:x\n", "book.vcf:1: text outside a card"),
        ("BEGIN:VCARD\nVERSION:3.0\nthis is not a property\nEND:VCARD\n", "book.vcf:3: not a"),
        ("BEGIN:VCARD\nBEGIN:VCARD\n", "book.vcf:2: BEGIN:VCARD inside a card"),
        ("BEGIN:VCARD\nX-OUTREACH-CADENCE:often\nEND:VCARD\n", "book.vcf:2: not a cadence"),
    ],
)
def test_malformed_input_names_file_and_line(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_vcards(text, "book.vcf")


def test_escaping_is_reversible() -> None:
    for value in ["plain", "a,b;c\\d", "two\nlines", "trailing\\"]:
        assert unescape_text(escape_text(value)) == value


def test_many_contacts_in_one_file_keep_their_order() -> None:
    contacts = [Contact(uid=f"u{i}", name=Name(formatted=f"Person {i}")) for i in range(50)]
    parsed = parse_vcards(dump_contacts(contacts))
    assert [c.contact.uid for c in parsed] == [f"u{i}" for i in range(50)]


def test_a_contact_without_a_name_does_not_read_back_named_by_its_uid() -> None:
    # FN is required, so the writer fills it with the UID; that is no name to search for.
    (card,) = parse_vcards(dump_contact(Contact(uid="nameless")))
    assert card.contact.name.formatted == "" and card.contact.display_name == "nameless"
