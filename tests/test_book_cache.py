"""The parse cache: contacts read from it equal those parsed, and a stale layout is ignored."""

from __future__ import annotations

import pickle
from pathlib import Path

from outreach.addressbook import CACHE_VERSION, AddressBook
from outreach.workspace import Workspace

FIXTURES = Path(__file__).parent / "fixtures" / "vcard"


def test_cached_contacts_equal_parsed_ones(run_cli, workspace: Workspace) -> None:
    files = [str(p) for p in sorted(FIXTURES.glob("*.vcf")) if not p.name.startswith("broken")]
    assert run_cli("contacts", "import", *files).exit_code == 0
    parsed = AddressBook.open(workspace.book_path).contacts
    cached = workspace.open_book().contacts
    (cache_file,) = workspace.cache_dir.glob("book-*.pickle")
    version, entries = pickle.loads(cache_file.read_bytes())
    assert version[0] == CACHE_VERSION
    assert entries[""][2] == cached == parsed


def test_a_cache_from_another_model_layout_is_not_used(run_cli, workspace: Workspace) -> None:
    assert run_cli("contacts", "import", str(FIXTURES / "escaped.vcf")).exit_code == 0
    (cache_file,) = workspace.cache_dir.glob("book-*.pickle")
    version, entries = pickle.loads(cache_file.read_bytes())
    # Same file signature, but written when a model class had other fields.
    entries[""][2][0].name.given = "Stale"
    stale = ((CACHE_VERSION, "Name:given,family"), entries)
    cache_file.write_bytes(pickle.dumps(stale))
    assert workspace.open_book().contacts[0].name.given == "Ana"
