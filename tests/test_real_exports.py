"""Real exports from other contact projects' test suites (see fixtures/real/README.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from filetree import tree_digest

from outreach.cli import cli
from outreach.importer import read_contacts
from outreach.pluginhost import get_host
from outreach.vcard import _logical_lines, _normalise_params, _tokenise, parse_vcards
from outreach.workspace import Workspace

REAL = Path(__file__).parent / "fixtures" / "real"
CARDS = sorted(p for p in REAL.glob("*.vcf") if p.name != "khard-unparsable.vcf")
#: Replaced on every write, or decoded away (2.1 transfer encodings and character sets).
_REWRITTEN = {"VERSION", "PRODID"}
_DECODED_PARAMS = {"ENCODING", "CHARSET"}


Prop = tuple[str, str, dict[str, set[str]]]


def inventory(text: str) -> list[Prop]:
    """Every property of a vCard text: (group, name, parameters with their values)."""
    found: list[Prop] = []
    for logical, _ in _logical_lines(text):
        tokens = _tokenise(logical)
        assert tokens is not None, logical
        group, name, raw, _value, parsed = tokens
        upper = name.upper()
        if upper in _REWRITTEN or upper in ("BEGIN", "END"):
            continue
        params = _normalise_params(parsed, raw) if parsed else ()
        # TYPE=CELL;TYPE=PREF and TYPE=CELL,PREF say the same.
        merged: dict[str, set[str]] = {}
        for key, values in params:
            if key not in _DECODED_PARAMS:
                merged.setdefault(key, set()).update(v.lower() for v in values)
        found.append((group.lower(), upper, merged))
    return found


def lost(original: list[Prop], written: list[Prop]) -> list[Prop]:
    """The original properties with no written one of the same group and name that has
    at least all their parameters (outreach may add its own, such as X-OUTREACH-COUNTRY)."""
    left = list(written)
    missing = []
    for group, name, params in original:
        match = next(
            (
                i
                for i, (g, n, p) in enumerate(left)
                if (g, n) == (group, name) and all(p.get(k, set()) >= v for k, v in params.items())
            ),
            None,
        )
        if match is None:
            missing.append((group, name, params))
        else:
            left.pop(match)
    return missing


def listing(home: Path) -> list[dict[str, object]]:
    result = CliRunner().invoke(cli, ["--home", str(home), "contacts", "list", "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@pytest.mark.parametrize("path", CARDS, ids=lambda p: p.name)
def test_a_real_export_imports_exports_and_reimports_unchanged(
    run_cli, workspace, tmp_path: Path, path: Path
) -> None:
    imported = run_cli("contacts", "import", str(path))
    assert imported.exit_code == 0, imported.output
    first = listing(workspace.root)
    assert first and all(c["name"] for c in first)
    out = tmp_path / "export.vcf"
    assert run_cli("contacts", "export", str(out)).exit_code == 0
    exported = out.read_text(encoding="utf-8")
    # Every property, with every parameter and group, is in the export, as often as before.
    original = inventory(path.read_bytes().decode("utf-8", "replace"))
    written = inventory(exported)
    missing = lost(original, written)
    assert not missing, f"lost in the export: {missing}"
    # A card read as 4.0 is written as 4.0; anything else as 3.0.
    versions = {
        card.version[:1] for card in parse_vcards(path.read_bytes().decode("utf-8", "replace"))
    }
    assert ("VERSION:4.0" in exported) == ("4" in versions)
    # The export reads back as the same contacts, in a fresh workspace and the same one.
    fresh = Workspace.init(tmp_path / "fresh")
    again = CliRunner().invoke(cli, ["--home", str(fresh.root), "contacts", "import", str(out)])
    assert again.exit_code == 0, again.output
    assert listing(fresh.root) == first
    before = tree_digest(workspace.root)
    same = run_cli("contacts", "import", str(out))
    assert " 0 added, 0 merged" in same.output, same.output
    assert tree_digest(workspace.root) == before


def test_what_the_real_exports_say_is_read_into_the_right_fields(run_cli, workspace) -> None:
    files = [
        "ezvcard-John_Doe_IPHONE.vcf",
        "ezvcard-thunderbird-MoreFunctionsForAddressBook-extension.vcf",
        "khard-altid.vcf",
        "ezvcard-rfc6350-example.vcf",
        "ezvcard-John_Doe_ANDROID.vcf",
    ]
    result = run_cli("contacts", "import", *(str(REAL / f) for f in files))
    assert result.exit_code == 0, result.output
    people = {c["uid"]: c for c in listing(workspace.root)}
    iphone = next(c for c in people.values() if c["title"] == "Money Counter")
    # The iPhone export ends its lines in CR CR LF.
    assert iphone["name"] == "Mr. John Richter James Doe Sr." and iphone["org"] == "IBM"
    assert iphone["emails"] == ["john.doe@ibm.com"] and len(iphone["phones"]) == 7
    assert iphone["addresses"][1]["street_lines"] == ["Street4", "Building 6", "Floor 8"]
    thunderbird = next(c for c in people.values() if c["emails"][:1] == ["doe.john@hotmail.com"])
    # Thunderbird writes the street in the extended-address component.
    work = thunderbird["addresses"][0]
    assert work["street_lines"] == ["222 Broadway", "Suite 100"]
    assert (work["locality"], work["region"], work["country_code"]) == ("New York", "NY", "US")
    rfc = next(c for c in people.values() if c["family"] == "Perreault")
    assert rfc["emails"] == ["simon.perreault@viagenie.ca"]
    assert rfc["phones"] == ["+1-418-656-9254", "+1-418-262-6501"]
    book = workspace.book_path.read_bytes().decode("utf-8")
    assert "TEL;VALUE=uri;TYPE=work,voice;PREF=1:tel:+1-418-656-9254;ext=102\r\n" in book
    assert "N;ALTID=1:representation;one;;;\r\n" in book
    android = [c for c in people.values() if c["name"].startswith("Ñ")]
    assert len(android) == 4


def test_a_malformed_real_file_is_refused_naming_file_and_line(run_cli, workspace) -> None:
    before = tree_digest(workspace.root)
    bad = REAL / "khard-unparsable.vcf"
    result = run_cli("contacts", "import", str(REAL / "khard-org.vcf"), str(bad))
    assert result.exit_code == 2
    assert f"outreach: error: {bad}:1: card never ends (no END:VCARD)" in result.output
    assert tree_digest(workspace.root) == before


def test_google_shared_contacts_csv_keeps_every_column(run_cli, workspace) -> None:
    path = REAL / "google-shared-contacts.csv"
    result = run_cli("contacts", "import", str(path))
    assert result.exit_code == 0, result.output
    assert "3 records read: 3 added, 0 merged, 0 unchanged, 0 skipped" in result.output
    assert f"{path}: columns with no contact field, kept in the card as they are: Action, ID" in (
        result.output
    )
    second = next(c for c in listing(workspace.root) if c["name"] == "Name Test 2")
    assert (second["org"], second["title"], second["notes"]) == (
        "Test Company 2",
        "CFO",
        "Test notes 2",
    )
    assert second["emails"] == ["testmail1@test.com"]
    assert second["phones"] == ["(111) 222-3333", "(111) 111-2222", "(333) 555-6666"]
    assert second["addresses"][0]["street"] == "Address #1 RR1, East Aylesford, NS B0P 1"
    assert second["addresses"][0]["kind"] == "work"


def test_google_numbered_columns_without_label_columns_are_google(
    run_cli, workspace, tmp_path: Path
) -> None:
    path = tmp_path / "workspace-directory.csv"
    path.write_text(
        "First Name,Last Name,Organization Name,E-mail 1 - Type,E-mail 1 - Value,"
        "E-mail 2 - Type,E-mail 2 - Value,Phone 1 - Type,Phone 1 - Value,Address 1 - Type,"
        "Address 1 - Street,Address 1 - City,Address 1 - Postal Code,Address 1 - Country\n"
        "Kofi,Mensah,Accra Labs,Work,kofi@accralabs.example,Home,kofi@home.example,Mobile,"
        "+233 20 000 0000,Work,1 Independence Ave,Accra,GA-000,Ghana\n",
        encoding="utf-8",
    )
    result = run_cli("contacts", "import", str(path))
    assert result.exit_code == 0, result.output
    assert "1 records read: 1 added" in result.output
    (kofi,) = listing(workspace.root)
    assert kofi["emails"] == ["kofi@accralabs.example", "kofi@home.example"]
    assert kofi["phones"] == ["+233 20 000 0000"] and kofi["org"] == "Accra Labs"
    (office,) = kofi["addresses"]
    assert (office["street"], office["locality"], office["country_code"]) == (
        "1 Independence Ave",
        "Accra",
        "GH",
    )
    book = workspace.book_path.read_bytes().decode("utf-8")
    assert "EMAIL;TYPE=WORK:kofi@accralabs.example\r\n" in book
    assert "TEL;TYPE=CELL:+233 20 000 0000\r\n" in book
    # The generic importer reads the same columns the same way.
    generic = read_contacts(path, get_host(), "csv").records[0].contact
    assert [e.address for e in generic.emails] == kofi["emails"]
    assert [a.locality for a in generic.addresses] == ["Accra"]
