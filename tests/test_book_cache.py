"""The parse cache: plain JSON, equal to what parsing gives, and never trusted blindly.

A cache file can be planted (by an archive, a sync tool, a shared folder): whatever it holds,
loading it runs no code, and one that does not match the book on disk is just a miss.
"""

from __future__ import annotations

import json
import os
import pickle
from datetime import date
from pathlib import Path

import pytest

from outreach.addressbook import AddressBook
from outreach.bookcache import LAYOUT, dump_entries, load_entries
from outreach.cadence import Cadence
from outreach.contact import (
    Address,
    Birthday,
    Contact,
    Email,
    Name,
    PastJob,
    Phone,
    PropertyMeta,
    RawProperty,
    model_layout,
)
from outreach.fsutil import FileSignature
from outreach.workspace import Workspace

FIXTURES = Path(__file__).parent / "fixtures" / "vcard"


def _cache_file(workspace: Workspace) -> Path:
    (cache_file,) = workspace.cache_dir.glob("book-*.json")
    return cache_file


def test_cached_contacts_equal_parsed_ones(run_cli, workspace: Workspace) -> None:
    files = [str(p) for p in sorted(FIXTURES.glob("*.vcf")) if not p.name.startswith("broken")]
    assert run_cli("contacts", "import", *files).exit_code == 0
    parsed = AddressBook.open(workspace.book_path).contacts
    cached = workspace.open_book().contacts
    entries = load_entries(_cache_file(workspace).read_bytes(), str(workspace.book_path.resolve()))
    assert entries[""][2] == cached == parsed
    assert len(parsed) >= 20


def test_the_codec_covers_every_field_of_the_model() -> None:
    # A new model field must be taught to the codec (and LAYOUT updated) before the cache
    # is used again; this round trip sets every field to something other than its default.
    assert model_layout() == LAYOUT
    contact = Contact(
        uid="u-1",
        name=Name("Ann", "Lee", "Q", "Dr.", "Jr.", "Dr. Ann Q. Lee Jr.", "Annie"),
        emails=[Email("ann@example.org", ("WORK", "pref"), "item1", (("X-A", ("1", "2")),))],
        phones=[Phone("+1 555 0100", ("CELL",), "item2", (("X-B", ("y",)),), ";ext=102", True)],
        addresses=[
            Address(
                ("1 Main St", "Apt 2"),
                "Springfield",
                "IL",
                "62701",
                "United States",
                "US",
                "PO 9",
                "Floor 3",
                ("HOME",),
                "item3",
                (("LABEL", ("Home",)),),
                "fingerprint",
            )
        ],
        org="Acme",
        department="R&D",
        title="Engineer",
        linkedin="https://www.linkedin.com/in/annlee",
        tags=["colleague", "mentor"],
        notes="met at PyCon",
        relationship="former manager",
        cadence=Cadence.parse("P6W"),
        birthday=Birthday(5, 17, 1980),
        snooze_until=date(2027, 1, 31),
        card_note="See you in spring!",
        extra=[RawProperty("X-SOCIAL", "value\\,escaped", (("TYPE", ("x",)),), "item4")],
        past_jobs=[PastJob("Initech", "Analyst", date(2024, 3, 1)), PastJob("Globex", "", None)],
        aliases=["old-uid-1", "old-uid-2"],
        version="4.0",
        meta={
            "fn": PropertyMeta("FN", (("ALTID", ("1",)),), "g1"),
            "linkedin": PropertyMeta("URL"),
        },
    )
    signature = FileSignature(10, 20, 30, 40)
    data = dump_entries("/book.vcf", {"": (signature, "digest", [contact])})
    assert load_entries(data, "/book.vcf") == {"": (signature, "digest", [contact])}
    # The same cache for another book is not this book's.
    assert load_entries(data, "/other.vcf") == {}


def test_a_cache_from_another_model_layout_is_not_used(run_cli, workspace: Workspace) -> None:
    assert run_cli("contacts", "import", str(FIXTURES / "escaped.vcf")).exit_code == 0
    cache_file = _cache_file(workspace)
    payload = json.loads(cache_file.read_bytes())
    # Same file signature, but written when a model class had other fields.
    payload["entries"][""][2][0][1][0] = "Stale"
    payload["layout"] = "Name:given,family"
    cache_file.write_text(json.dumps(payload), encoding="utf-8")
    assert workspace.open_book().contacts[0].name.given == "Ana"


def test_a_cache_whose_signature_differs_is_a_miss(run_cli, workspace: Workspace) -> None:
    assert run_cli("contacts", "import", str(FIXTURES / "escaped.vcf")).exit_code == 0
    cache_file = _cache_file(workspace)
    payload = json.loads(cache_file.read_bytes())
    payload["entries"][""][2][0][1][0] = "Planted"
    payload["entries"][""][0][3] += 1  # another inode: not the file on disk
    cache_file.write_text(json.dumps(payload), encoding="utf-8")
    assert workspace.open_book().contacts[0].name.given == "Ana"


def test_a_planted_pickle_is_never_loaded(run_cli, workspace: Workspace, tmp_path: Path) -> None:
    assert run_cli("contacts", "import", str(FIXTURES / "escaped.vcf")).exit_code == 0
    marker = tmp_path / "code-ran"

    class Exploit:
        def __reduce__(self):  # noqa: ANN204
            return (os.system, (f"touch {marker}",))

    evil = pickle.dumps(Exploit())
    # Under the old cache's name and under the current one: neither runs anything.
    cache_file = _cache_file(workspace)
    cache_file.with_suffix(".pickle").write_bytes(evil)
    cache_file.write_bytes(evil)
    result = run_cli("contacts", "list", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)[0]["given"] == "Ana"
    assert not marker.exists()


def test_wrongly_shaped_json_is_a_miss(tmp_path: Path) -> None:
    book = "/book.vcf"
    base = json.loads(dump_entries(book, {}))
    shapes = [
        b"[]",
        b"null",
        b"{",
        json.dumps({**base, "entries": {"": [[1, 2, 3, 4], "d", [["only the uid"]]]}}).encode(),
        json.dumps({**base, "entries": {"": [[1, 2], "d", []]}}).encode(),
        json.dumps({**base, "entries": []}).encode(),
        json.dumps({**base, "version": 0}).encode(),
    ]
    for data in shapes:
        assert load_entries(data, book) == {}, data


def test_properties_many_cards_share_are_written_once(tmp_path: Path) -> None:
    label = RawProperty("X-ABLabel", "_$!<Work>!$_", (), "item1")
    url = PropertyMeta("URL", (("TYPE", ("pref",)),), "item3")
    contacts = [
        Contact(uid=f"u{i}", extra=[label, RawProperty("NOTE-X", f"n{i}")], meta={"linkedin": url})
        for i in range(50)
    ]
    signature = FileSignature(1, 2, 3, 4)
    data = dump_entries("/b.vcf", {"": (signature, "d", contacts)})
    payload = json.loads(data)
    assert len(payload["raw"]) == 51 and len(payload["meta"]) == 1
    assert load_entries(data, "/b.vcf")[""][2] == contacts


def _every_field(uid: str) -> Contact:
    """A contact with every model field set, as a script or an edit makes one (values not
    yet in the form a card reads back as: two spaces in a title, a line break in an org)."""
    home = Address(
        ("1 Main St", "Apt 2"),
        "Springfield",
        "IL",
        "62701",
        "United States",
        "US",
        "PO 9",
        "Floor 3",
        ("HOME",),
        "item3",
        (("LABEL", ("Home",)),),
    )
    home.returned = True
    return Contact(
        uid=uid,
        name=Name("Ann", "Lee", "Q", "Dr.", "Jr.", "Dr. Ann Q. Lee Jr.", "Annie"),
        emails=[Email("ann@example.org", ("WORK", "pref"), "item1", (("X-A", ("1", "2")),))],
        phones=[Phone("+1 555 0100", ("CELL",), "item2", (("X-B", ("y",)),), ";ext=102", True)],
        addresses=[home],
        org="Acme\nLabs",
        department="R&D",
        title="VP  Engineering",
        linkedin="https://www.linkedin.com/in/annlee",
        tags=["colleague", "mentor"],
        notes="met at PyCon",
        relationship="former manager",
        cadence=Cadence.parse("P6W"),
        birthday=Birthday(5, 17, 1980),
        snooze_until=date(2027, 1, 31),
        card_note="See you in spring!",
        extra=[RawProperty("X-SOCIAL", "value\\,escaped", (("TYPE", ("x",)),), "item4")],
        past_jobs=[PastJob("Initech", "Analyst", date(2024, 3, 1)), PastJob("Globex", "", None)],
        aliases=["old-uid-1", "old-uid-2"],
        version="4.0",
        meta={"fn": PropertyMeta("FN", (("ALTID", ("1",)),), "g1")},
    )


@pytest.mark.parametrize("layout", ["contacts.vcf", "cards"])
def test_a_warm_read_equals_a_cold_read_after_every_kind_of_save(
    run_cli, workspace: Workspace, layout: str
) -> None:
    # The cache written by a save must hold what the saved cards read back as, not the
    # objects the save was given: a warm read and a cold one show the same book.
    if layout != "contacts.vcf":
        workspace.config_path.write_text(
            workspace.config_path.read_text().replace('"contacts.vcf"', f'"{layout}"')
        )
        workspace = Workspace.load(workspace.root)
    with workspace.edit_book() as book:
        book.add(_every_field("u-1"))
        book.add(_every_field("u-2"))
    edited = run_cli("contacts", "set", "u-2", "--title", "Chief  Architect", "--tag", "new")
    assert edited.exit_code == 0, edited.output
    warm = workspace.open_book().contacts
    assert load_entries(_cache_file(workspace).read_bytes(), str(workspace.book_path.resolve()))
    cold = AddressBook.open(workspace.book_path).contacts
    assert warm == cold
    assert [c.title for c in cold] == ["VP Engineering", "Chief Architect"]
    assert cold[0].past_jobs and cold[0].aliases and cold[0].version == "4.0"
    assert cold[0].addresses[0].returned and cold[0].meta["fn"].params
