"""The library: a contact changed in code is saved, and the docs' example runs."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import make_contact

from outreach.addressbook import AddressBook

DOC = Path(__file__).resolve().parent.parent / "docs" / "address-book.md"


def test_a_contact_changed_in_place_is_saved_without_update(tmp_path: Path) -> None:
    for path in (tmp_path / "book.vcf", tmp_path / "vdir"):
        book = AddressBook.open(path, tmp_path / f"cache-{path.name}")
        book.add(make_contact("u-1", "Ada", "Lovelace", email="ada@example.com"))
        book.add(make_contact("u-2", "Mary", "Somerville"))
        book.save()
        for cache in (tmp_path / f"cache-{path.name}", None):
            book = AddressBook.open(path, cache)
            ada = book.get("u-1")
            ada.title = f"Analyst {cache is None}"
            book.save()
            again = AddressBook.open(path)
            assert again.get("u-1").title == ada.title
            assert again.get("u-2") == book.get("u-2")


def test_saving_an_unchanged_book_writes_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "vdir"
    book = AddressBook.open(folder, tmp_path / "cache")
    book.add(make_contact("u-1", "Ada", "Lovelace"))
    book.save()
    stamp = (folder / "u-1.vcf").stat().st_mtime_ns
    AddressBook.open(folder, tmp_path / "cache").save()
    assert (folder / "u-1.vcf").stat().st_mtime_ns == stamp


def test_the_documented_example_runs(tmp_path: Path) -> None:
    text = DOC.read_text(encoding="utf-8")
    (code,) = re.findall(r"```python\n(.*?)```", text, re.S)
    exec(compile(code, str(DOC), "exec"), {"workspace_dir": str(tmp_path / "ws")})
