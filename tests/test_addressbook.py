"""The address book: single file and vdir, atomic conflict-safe saves, and the parse cache."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from conftest import make_contact

from outreach.addressbook import READ_ATTEMPTS, AddressBook, vdir_filename
from outreach.contact import Contact, Name, RawProperty
from outreach.errors import BookConflictError, ContactNotFound, InputError


def person(uid: str, name: str, email: str | None = None) -> Contact:
    given, _, family = name.partition(" ")
    return make_contact(uid, given, family, email=email)


@pytest.fixture(params=["file", "vdir"])
def book_path(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    return tmp_path / ("book.vcf" if request.param == "file" else "book")


def test_save_and_reopen(book_path: Path, tmp_path: Path) -> None:
    book = AddressBook.open(book_path, tmp_path / "cache")
    book.add(person("a", "Ann Lee", "ann@example.com"))
    book.add(person("b", "Bo Chen"))
    book.save()
    again = AddressBook.open(book_path, tmp_path / "cache")
    assert [c.uid for c in again] == ["a", "b"]
    assert again.get("a") == book.get("a")


def test_vdir_uses_one_file_per_uid(tmp_path: Path) -> None:
    book = AddressBook.open(tmp_path / "book")
    book.add(person("a/b:c", "Ann Lee"))
    book.save()
    assert (tmp_path / "book" / vdir_filename("a/b:c")).exists()
    assert vdir_filename("a/b:c") == "a_b_c.vcf"
    book.remove("a/b:c")
    book.save()
    assert list((tmp_path / "book").glob("*.vcf")) == []


def test_new_files_are_private(book_path: Path) -> None:
    book = AddressBook.open(book_path)
    book.add(person("a", "Ann Lee"))
    book.save()
    file = book_path if book_path.suffix else next(book_path.glob("*.vcf"))
    assert file.stat().st_mode & 0o077 == 0


def test_external_change_is_never_overwritten(book_path: Path) -> None:
    book = AddressBook.open(book_path)
    book.add(person("a", "Ann Lee"))
    book.save()
    mine = AddressBook.open(book_path)
    theirs = AddressBook.open(book_path)
    contact = theirs.get("a")
    assert contact is not None
    contact.title = "CTO"
    theirs.update(contact)
    theirs.save()
    file = book_path if book_path.suffix else next(book_path.glob("*.vcf"))
    before = file.read_bytes()
    mine_contact = mine.get("a")
    assert mine_contact is not None
    mine_contact.title = "Intern"
    mine.update(mine_contact)
    with pytest.raises(BookConflictError, match="changed on disk"):
        mine.save()
    assert file.read_bytes() == before


def test_same_size_edit_within_one_mtime_is_caught(tmp_path: Path) -> None:
    path = tmp_path / "book.vcf"
    book = AddressBook.open(path)
    book.add(person("a", "Ann Lee"))
    book.save()
    mine = AddressBook.open(path)
    stat = path.stat()
    data = path.read_bytes().replace(b"Ann", b"Ana")
    path.write_bytes(data)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    mine.add(person("b", "Bo Chen"))
    with pytest.raises(BookConflictError):
        mine.save()


def test_conflict_in_vdir_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "book"
    book = AddressBook.open(path)
    book.add(person("a", "Ann Lee"))
    book.add(person("b", "Bo Chen"))
    book.save()
    mine = AddressBook.open(path)
    (path / "b.vcf").write_bytes((path / "b.vcf").read_bytes().replace(b"Bo", b"Bob"))
    for uid in ("a", "b"):
        contact = mine.get(uid)
        assert contact is not None
        contact.title = "changed"
        mine.update(contact)
    before = {p.name: p.read_bytes() for p in path.iterdir()}
    with pytest.raises(BookConflictError):
        mine.save()
    assert {p.name: p.read_bytes() for p in path.iterdir()} == before


def test_failed_write_leaves_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "book.vcf"
    book = AddressBook.open(path)
    book.add(person("a", "Ann Lee"))
    book.save()
    before = path.read_bytes()
    book.add(person("b", "Bo Chen"))

    def broken_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        book.save()
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["book.vcf"]


def test_cache_is_used_and_never_stale(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "book.vcf"
    cache = tmp_path / "cache"
    book = AddressBook.open(path, cache)
    book.add(person("a", "Ann Lee"))
    book.save()
    calls = []
    import outreach.addressbook as module

    real = module.parse_vcards

    def counting(text: str, source: str = "") -> list:  # type: ignore[type-arg]
        calls.append(source)
        return real(text, source)

    monkeypatch.setattr(module, "parse_vcards", counting)
    assert AddressBook.open(path, cache).get("a") is not None
    assert calls == []  # warm: served from the cache
    path.write_bytes(path.read_bytes().replace(b"Ann Lee", b"Ann Li "))
    reopened = AddressBook.open(path, cache)
    assert calls == [str(path)]
    contact = reopened.get("a")
    assert contact is not None and contact.name.formatted == "Ann Li"


def test_corrupt_cache_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "book.vcf"
    cache = tmp_path / "cache"
    book = AddressBook.open(path, cache)
    book.add(person("a", "Ann Lee"))
    book.save()
    for file in cache.iterdir():
        file.write_bytes(b"not a cache")
    assert AddressBook.open(path, cache).get("a") is not None


def test_duplicate_uid_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "book.vcf"
    card = "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:same\r\nFN:X\r\nEND:VCARD\r\n"
    path.write_text(card * 2, encoding="utf-8")
    with pytest.raises(InputError, match="duplicate contact UID 'same'"):
        AddressBook.open(path)


def test_not_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "book.vcf"
    path.write_bytes(b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:J\xf6rg\r\nEND:VCARD\r\n")
    with pytest.raises(InputError, match=r"book.vcf:3: not UTF-8"):
        AddressBook.open(path)


def test_find_by_uid_email_or_name(tmp_path: Path) -> None:
    book = AddressBook.open(tmp_path / "book.vcf")
    book.add(person("u1", "Ann Lee", "ann@example.com"))
    book.add(person("u2", "Ann Leeds"))
    book.add(person("u3", "Bo Chen", "bo@example.com"))
    assert book.find("u3").uid == "u3"
    assert book.find("ANN@example.com").uid == "u1"
    assert book.find("ann lee").uid == "u1"
    assert book.find("Chen").uid == "u3"
    with pytest.raises(ContactNotFound, match="matches 2 contacts"):
        book.find("Ann")
    with pytest.raises(ContactNotFound, match="no contact matches"):
        book.find("Zed")


def test_unknown_properties_survive_a_save(tmp_path: Path) -> None:
    path = tmp_path / "book.vcf"
    book = AddressBook.open(path)
    contact = Contact(uid="a", name=Name(formatted="Ann"))
    contact.extra.append(RawProperty("X-KHARD-FAVORITE", "yes"))
    book.add(contact)
    book.save()
    text = path.read_text(encoding="utf-8")
    assert "X-KHARD-FAVORITE:yes" in text


def test_nothing_to_save_touches_nothing(tmp_path: Path) -> None:
    path = tmp_path / "book.vcf"
    book = AddressBook.open(path)
    book.save()
    assert not path.exists()


def _saved_by_another_process_while_read(
    book_path: Path, monkeypatch: pytest.MonkeyPatch, saves: int
) -> list[str]:
    """Make the next ``saves`` parses of a book file see it replaced, as another process's
    save (a whole-file rename) does when it lands mid-read; the names given each time."""
    names: list[str] = []
    real = AddressBook._parse_file
    saving: list[bool] = []

    def parse_then_replace(self: AddressBook, file: Path) -> Any:
        parsed = real(self, file)
        if len(names) < saves and not saving:
            saving.append(True)  # the other process's own read is a plain one
            other = AddressBook.open(book_path)
            (contact,) = other
            contact.name = Name(given=f"Ann{len(names)}", family="Lee")
            other.update(contact)
            other.save()
            names.append(contact.display_name)
            saving.clear()
        return parsed

    monkeypatch.setattr(AddressBook, "_parse_file", parse_then_replace)
    return names


def test_a_book_saved_while_it_is_read_is_read_again(
    book_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    book = AddressBook.open(book_path)
    book.add(person("a", "Ann Lee", "ann@example.com"))
    book.save()
    names = _saved_by_another_process_while_read(book_path, monkeypatch, saves=2)
    again = AddressBook.open(book_path)
    # Read three times; what it holds is the book as the last save left it, and saving it
    # again is no conflict.
    assert names == ["Ann0 Lee", "Ann1 Lee"]
    (contact,) = again
    assert contact.display_name == "Ann1 Lee"
    contact.add_tag("mentor")
    again.update(contact)
    again.save()


def test_a_book_rewritten_all_the_time_is_one_clear_error(
    book_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    book = AddressBook.open(book_path)
    book.add(person("a", "Ann Lee"))
    book.save()
    _saved_by_another_process_while_read(book_path, monkeypatch, saves=READ_ATTEMPTS)
    with pytest.raises(BookConflictError) as caught:
        AddressBook.open(book_path)
    message = str(caught.value)
    assert "changed while it was being read" in message
    assert f"{READ_ATTEMPTS} times in a row" in message


def test_a_card_removed_from_a_folder_while_it_is_read_is_not_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "book"
    book = AddressBook.open(folder)
    for uid, name in (("a", "Ann Lee"), ("b", "Bo Chen")):
        book.add(person(uid, name))
    book.save()
    real = AddressBook._vdir_names
    removed: list[str] = []

    def names_then_remove(self: AddressBook) -> list[str]:
        names = real(self)
        if not removed:
            # Listed, then removed by another process before it is read.
            (folder / vdir_filename("b")).unlink()
            removed.append("b")
        return names

    monkeypatch.setattr(AddressBook, "_vdir_names", names_then_remove)
    assert [c.uid for c in AddressBook.open(folder)] == ["a"]
