"""LinkedIn, Google, Outlook and mapped CSV files, each as the tool writes it."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from outreach.contact import Birthday, Contact, Name
from outreach.errors import InputError
from outreach.importer import detect_format, read_contacts
from outreach.pluginhost import get_host

FIXTURES = Path(__file__).parent / "fixtures"
CSV = FIXTURES / "csv"


def read(name: str, fmt: str = "auto", **options: object):
    return read_contacts(CSV / name, get_host(), fmt, options=options)


def contacts(name: str, **options: object) -> list[Contact]:
    return [r.contact for r in read(name, **options).records]


def fields(contact: Contact) -> dict[str, str]:
    """The X-OUTREACH-FIELD properties (columns outreach has no field for) by label."""
    return {r.params[0][1][0]: r.value for r in contact.extra if r.name == "X-OUTREACH-FIELD"}


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("linkedin-connections.csv", "linkedin"),
        ("linkedin-old.csv", "linkedin"),
        ("google-current.csv", "google"),
        ("google-legacy.csv", "google"),
        ("outlook.csv", "outlook"),
        ("outlook-semicolon.csv", "outlook"),
        ("mailmerge.csv", "csv"),
        ("generic.csv", "csv"),
    ],
)
def test_format_auto_sniffs_each_file(name: str, fmt: str) -> None:
    assert detect_format(CSV / name, get_host()) == fmt


def test_format_auto_sniffs_vcard_and_refuses_the_unknown(tmp_path: Path) -> None:
    assert detect_format(FIXTURES / "vcard" / "bom.vcf", get_host()) == "vcard"
    mystery = tmp_path / "notes.txt"
    mystery.write_text("just some words\n")
    with pytest.raises(InputError, match="cannot tell the format; name it with --format"):
        detect_format(mystery, get_host())


# -- LinkedIn -------------------------------------------------------------------------------


def test_format_auto_sniffs_a_utf16_export(tmp_path: Path) -> None:
    # Outlook's "Unicode" export is UTF-16 with a byte-order mark: the importers read it,
    # so detection must see its header too rather than fall back on the generic CSV.
    utf16 = tmp_path / "contacts.csv"
    utf16.write_bytes((CSV / "outlook.csv").read_bytes().decode("cp1252").encode("utf-16"))
    assert detect_format(utf16, get_host()) == "outlook"
    imported = read_contacts(utf16, get_host())
    assert [r.contact for r in imported.records] == contacts("outlook.csv")


def test_linkedin_finds_the_header_after_the_notes_preamble() -> None:
    result = read("linkedin-connections.csv")
    rows = [(r.line, r.contact.display_name) for r in result.records]
    # The header is on line 4; the empty row on line 8 is a member who left.
    assert rows == [
        (5, "Priya Raman"),
        (6, "Tomás Álvarez"),
        (7, "Grace Kim, PhD"),
        (9, "Aiko Suzuki"),
        (10, "Jean-Luc O'Neill 🚀"),
    ]
    priya, tomas, grace, aiko, jl = (r.contact for r in result.records)
    assert priya.emails == [] and priya.org == "Stripe, Inc."
    assert priya.title == "Engineering Manager"
    assert priya.linkedin == "https://www.linkedin.com/in/priya-raman-4b2a1c"
    assert [e.address for e in tomas.emails] == ["tomas.alvarez@example.es"]
    assert tomas.title == "Director, Platform"
    assert (grace.name.family, grace.name.suffix) == ("Kim", "PhD")
    assert jl.org == 'Ships "R" Us'
    # The row of empty cells is counted, not dropped unmentioned.
    assert [(s.line, s.reason) for s in result.skipped] == [(8, "empty row")]
    assert [r.connected_on for r in result.records] == [
        date(2024, 3, 15),
        date(2023, 1, 3),
        date(2022, 2, 7),
        date(2019, 11, 21),
        date(2021, 8, 1),
    ]
    assert aiko.org == ""


def test_linkedin_without_preamble_or_url_column() -> None:
    maria, ben = contacts("linkedin-old.csv")
    assert maria.primary_email == "maria.lopez@example.com" and maria.org == "Contoso"
    assert ben.emails == [] and ben.title == "Analyst"


def test_linkedin_connected_on_becomes_a_touch(run_cli) -> None:
    result = run_cli("contacts", "import", str(CSV / "linkedin-connections.csv"))
    assert result.exit_code == 0, result.output
    assert "5 connection dates recorded as touches" in result.output
    listing = json.loads(run_cli("contacts", "list", "--json").output)
    last = {c["name"]: c["last_touch"] for c in listing}
    assert last["Priya Raman"] == "2024-03-15" and last["Aiko Suzuki"] == "2019-11-21"
    again = run_cli("contacts", "import", str(CSV / "linkedin-connections.csv"))
    assert "connection dates" not in again.output
    shown = json.loads(run_cli("contacts", "show", "Priya Raman", "--json").output)
    assert shown["touches"] == [
        {"date": "2024-03-15", "via": "linkedin", "note": "connected", "campaign": None}
    ]


def test_linkedin_bad_date_names_file_and_line() -> None:
    with pytest.raises(InputError, match=r"linkedin-bad-date.csv:6: Connected On: '32 Foo 2024'"):
        read("linkedin-bad-date.csv")


# -- Google ---------------------------------------------------------------------------------


def test_google_current_columns() -> None:
    amara, lukas, contoso, li = contacts("google-current.csv")
    assert amara.name.nickname == "Mara"
    assert (amara.org, amara.title, amara.department) == (
        "Lagos Fintech Ltd",
        "CTO",
        "Engineering",
    )
    assert amara.birthday == Birthday(5, 17, None)
    assert amara.notes == "Met at PyCon Africa.\nIntroduced me to Kemi."
    # "* myContacts" is dropped; the starred system group becomes a plain tag.
    assert amara.tags == ["Former colleagues", "starred"]
    # One cell, several values joined by " ::: ", sharing the label.
    assert [(e.address, e.types) for e in amara.emails] == [
        ("amara@lagosfintech.example", ("WORK", "pref")),
        ("amara.nwosu@example.com", ("HOME",)),
        ("mara@example.net", ("HOME",)),
    ]
    assert [(p.number, p.kind) for p in amara.phones] == [
        ("+234 803 555 0101", "cell"),
        ("+234 1 555 0102", "work"),
        ("+234 1 555 0103", "work"),
    ]
    (work,) = amara.addresses
    assert (work.street, work.locality, work.country_code) == (("12 Marina Road",), "Lagos", "NG")
    assert amara.linkedin == "https://www.linkedin.com/in/amara-nwosu"
    assert fields(amara) == {
        "Website: Blog": "https://amara.example/blog",
        "Event: Anniversary": "2012-09-01",
        "Employee ID": "E-1042",
    }
    assert lukas.tags == ["coworkers", "Holiday cards"]
    assert lukas.emails[0].preferred
    home, vacation = lukas.addresses
    assert home.street == ("Königstraße 12", "Hinterhaus") and home.country_code == "DE"
    # Only the formatted address was given: its lines are kept.
    assert vacation.street == ("Chalet Edelweiss", "Zermatt", "Switzerland")
    assert fields(lukas)["Relation: Spouse"] == "Mia Becker"
    assert fields(lukas)["Photo"] == "https://lh3.googleusercontent.com/contacts/ABC123"
    # "* Other Contacts" is a system group too; an organisation alone is a contact.
    assert contoso.display_name == "Contoso Travel" and contoso.tags == []
    assert li.display_name == "李 娜" and li.tags == ["同事"]
    assert li.phones[0].types == ("Google Voice",)


def test_google_legacy_columns() -> None:
    sofia, kwame = contacts("google-legacy.csv")
    assert sofia.display_name == "Dr. Sofia Marchetti"
    assert (sofia.name.prefix, sofia.name.given, sofia.name.family) == ("Dr.", "Sofia", "Marchetti")
    assert sofia.org == "Ospedale San Giovanni" and sofia.title == "Head of Cardiology"
    assert sofia.department == "Cardiology"
    assert sofia.tags == ["Mentors"]
    assert [(e.address, e.kind, e.preferred) for e in sofia.emails] == [
        ("s.marchetti@ospedale.example", "work", True),
        ("sofia@example.it", "home", False),
    ]
    assert sofia.addresses[0].country_code == "IT" and sofia.addresses[0].region == "TO"
    assert sofia.linkedin == "http://it.linkedin.com/in/sofiamarchetti"
    assert sofia.birthday == Birthday(4, 30, 1975)
    assert fields(sofia) == {"Occupation": "Cardiologist", "Organization 1 - Type": "Work"}
    assert kwame.tags == [] and kwame.emails[0].types == ()


# -- Outlook --------------------------------------------------------------------------------


def test_outlook_cp1252_addresses_emails_categories_notes() -> None:
    raw = (CSV / "outlook.csv").read_bytes()
    assert "Dupré".encode("cp1252") in raw and "Dupré".encode() not in raw
    francois, zoe, sam = contacts("outlook.csv")
    assert francois.display_name == "Mr. François Dupré"
    assert francois.org == "Société Générale d'Études" and francois.title == "Responsable"
    business, home = francois.addresses
    assert business.street == ("14 rue de Rivoli", "Bâtiment B")
    assert (business.kind, business.country_code, home.kind, home.locality) == (
        "work",
        "FR",
        "home",
        "Lyon",
    )
    assert [e.address for e in francois.emails] == [
        "f.dupre@sge.example",
        "francois@example.fr",
        "fdupre@example.net",
    ]
    assert francois.tags == ["Colleagues", "Holiday cards"]
    assert (
        francois.notes == "Prefers calls before 10.\nSpeaks German too.\nÉcrit à la main — merci!"
    )
    # 1604 is Outlook's "year unknown".
    assert francois.birthday == Birthday(5, 17, None)
    assert francois.linkedin == "https://www.linkedin.com/in/francois-dupre"
    assert {(p.number, p.kind) for p in francois.phones} == {
        ("+33 1 55 55 01 02", "work"),
        ("+33 6 55 55 01 03", "cell"),
        ("+33 1 55 55 01 09", "work"),
    }
    # Outlook's fill-ins (Sensitivity "Normal", birthday 0/0/00) are not data.
    assert fields(francois) == {"Spouse": "Hélène"}
    # An Exchange directory name is not an email address, but it is kept.
    assert [e.address for e in zoe.emails] == ["zoe@nordic.example"]
    assert fields(zoe)["E-mail Address (Exchange)"].startswith("/o=ExchangeLabs/")
    assert fields(zoe)["Sensitivity"] == "Private"
    (other,) = zoe.addresses
    assert (other.kind, other.country_code) == ("other", "SE")
    assert sam.birthday == Birthday(7, 4, 1976)
    assert sam.addresses[0].country_code == "US"


def test_outlook_semicolons_and_day_first_dates() -> None:
    juergen, anna = contacts("outlook-semicolon.csv")
    assert juergen.display_name == "Jürgen Weiß"
    assert juergen.birthday == Birthday(5, 17, 1980)
    assert anna.birthday == Birthday(4, 3, 1990)
    assert juergen.addresses[0].country_code == "DE"
    # Slashes with a day over 12 somewhere in the file: every date is day first.
    oliver, emily = contacts("outlook-day-first.csv")
    assert oliver.birthday == Birthday(4, 3, 1985)
    assert emily.birthday == Birthday(12, 25, 1990)


# -- generic CSV ----------------------------------------------------------------------------


def test_generic_csv_recognises_usual_column_names() -> None:
    hana, piotr = contacts("generic.csv")
    assert (hana.name.given, hana.name.family) == ("Hana", "Novak")
    assert hana.org == "Škoda Works" and hana.tags == ["friends", "holiday"]
    assert hana.addresses[0].country_code == "CZ"
    assert piotr.addresses[0].country_code == "PL"
    assert fields(hana) == {"Shoe size": "38"}


def test_generic_csv_splits_whole_names_family_first_or_with_credentials(
    tmp_path: Path,
) -> None:
    people = tmp_path / "people.csv"
    people.write_text(
        'Name,Email\n"Lovelace, Ada",ada@example.com\n"Grace Kim, PhD",grace@example.kr\n'
        "Jane Q. Doe,jane@example.com\n"
    )
    names = [
        (c.name.given, c.name.family, c.name.suffix, c.display_name)
        for c in (r.contact for r in read_contacts(people, get_host()).records)
    ]
    assert names == [
        ("Ada", "Lovelace", "", "Ada Lovelace"),
        ("Grace", "Kim", "PhD", "Grace Kim, PhD"),
        ("Jane Q.", "Doe", "", "Jane Q. Doe"),
    ]


def test_generic_csv_with_a_column_map(run_cli) -> None:
    result = run_cli(
        "contacts",
        "import",
        str(CSV / "generic-mapped.csv"),
        "--map",
        "Vorname=given",
        "--map",
        "Nachname=family",
        "--map",
        "Firma=org",
        "--map",
        "Ort=locality",
        "--map",
        "Land=country",
        "--map",
        "Notiz=notes",
    )
    assert result.exit_code == 0, result.output
    (klara,) = json.loads(run_cli("contacts", "list", "--json").output)
    assert (klara["name"], klara["org"], klara["emails"]) == (
        "Klara Vogel",
        "Vogel AG",
        ["klara@vogel.example"],
    )
    assert klara["notes"] == "Lieblingskaffee: Cortado"
    assert klara["addresses"][0]["country_code"] == "CH"


def test_column_map_errors_are_clear(run_cli) -> None:
    unknown = run_cli("contacts", "import", str(CSV / "generic.csv"), "--map", "City=town")
    assert unknown.exit_code == 2
    assert "--map 'City=town': unknown field 'town' (fields: uid, name" in unknown.output
    missing = run_cli("contacts", "import", str(CSV / "generic.csv"), "--map", "Stadt=locality")
    assert missing.exit_code == 2
    assert "generic.csv:1: no column 'Stadt' (columns: Full Name, E-mail" in missing.output
    wrong = run_cli(
        "contacts", "import", str(CSV / "generic.csv"), "--format", "vcard", "--map", "a=name"
    )
    assert wrong.exit_code == 2 and "do not apply to --format vcard" in wrong.output


def test_mailmerge_preset_keeps_every_template_field(run_cli) -> None:
    result = run_cli("contacts", "import", str(CSV / "mailmerge.csv"), "--preset", "mailmerge")
    assert result.exit_code == 0, result.output
    (myself, bob) = contacts("mailmerge.csv", preset="mailmerge")
    assert myself.primary_email == "myself@mydomain.example" and myself.display_name == "Myself"
    assert (bob.name.given, bob.name.family) == ("Bob", "Jones")
    assert fields(bob) == {"number": "42"}
    listing = json.loads(run_cli("contacts", "list", "--json").output)
    assert sorted(c["name"] for c in listing) == ["Bob Jones", "Myself"]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("bad-email.csv", r"bad-email.csv:3: Email: 'not-an-address' is not an email address"),
        ("broken-quotes.csv", r"broken-quotes.csv:3: broken quoting"),
        ("too-many-values.csv", r"too-many-values.csv:3: 4 values but the header has 2 columns"),
    ],
)
def test_bad_rows_name_file_and_line(name: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        read(name)


def test_skip_bad_lists_each_skipped_row() -> None:
    result = read_contacts(CSV / "linkedin-bad-date.csv", get_host(), skip_bad=True)
    assert [r.contact.display_name for r in result.records] == ["Ada Good", "Cy Fine"]
    assert [(s.line, s.reason) for s in result.skipped] == [
        (6, "Connected On: '32 Foo 2024' is not a date")
    ]
    # Broken quoting makes the rest of the file untrustworthy: not even --skip-bad reads on.
    with pytest.raises(InputError, match="broken quoting"):
        read_contacts(CSV / "broken-quotes.csv", get_host(), skip_bad=True)


def test_explicit_encoding(tmp_path: Path) -> None:
    latin = tmp_path / "latin.csv"
    latin.write_bytes("Name,Email\nRenée Lefèvre,renee@example.fr\n".encode("latin-1"))
    (renee,) = [
        r.contact
        for r in read_contacts(latin, get_host(), "csv", options={"encoding": "latin-1"}).records
    ]
    assert renee.display_name == "Renée Lefèvre"


def test_credentials_keep_their_commas_in_every_importer(tmp_path: Path) -> None:
    linkedin = tmp_path / "Connections.csv"
    linkedin.write_text(
        "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
        'Priya,"Nayak MSc, MBA, PHR",https://www.linkedin.com/in/pnayak,,Acme,HR Lead,'
        "01 Jan 2024\n,,,,,,\n",
        encoding="utf-8",
    )
    generic = tmp_path / "people.csv"
    generic.write_text(
        'Name,Email\n"Priya Nayak MSc, MBA, PHR",priya@example.com\n'
        '"Doe, Jane, PhD",jane@example.com\n',
        encoding="utf-8",
    )
    result = read_contacts(linkedin, get_host())
    (priya,) = (r.contact for r in result.records)
    assert (priya.name.family, priya.name.suffix) == ("Nayak", "MSc, MBA, PHR")
    assert priya.display_name == "Priya Nayak MSc, MBA, PHR"
    assert [(s.line, s.reason) for s in result.skipped] == [(3, "empty row")]
    again, jane = (r.contact for r in read_contacts(generic, get_host()).records)
    assert again.name == Name(
        given="Priya", family="Nayak", suffix="MSc, MBA, PHR", formatted="Priya Nayak MSc, MBA, PHR"
    )
    assert (jane.name.given, jane.name.family, jane.name.suffix) == ("Jane", "Doe", "PhD")
    assert jane.display_name == "Jane Doe, PhD"


def test_control_characters_in_a_csv_never_reach_the_book_or_the_terminal(
    run_cli, workspace, tmp_path: Path
) -> None:
    # The vCard reader removes them from names and single-line fields; every other importer's
    # records go through the same cleaning, and the summary says so (given and formatted
    # name both held the ESC: four removed).
    csv_file = tmp_path / "people.csv"
    csv_file.write_text(
        "Full Name,E-mail,Company,City\n"
        "Ann\x1b[31m Lee,ann@example.org,Acme\x07 Corp,Sp\x00ringfield\n",
        encoding="utf-8",
    )
    result = run_cli("contacts", "import", "--format", "csv", str(csv_file))
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert "4 control characters (NUL and the like) removed from 1 records (line 2)" in (
        result.output
    )
    stored = workspace.book_path.read_bytes()
    assert not any(ch in stored for ch in (b"\x1b", b"\x07", b"\x00"))
    (ann,) = json.loads(run_cli("contacts", "list", "--json").output)
    assert (ann["name"], ann["org"]) == ("Ann[31m Lee", "Acme Corp")
    assert ann["addresses"][0]["locality"] == "Springfield"
