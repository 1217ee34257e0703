"""The kept listing (``outreach.viewcache``): a whole ``contacts list --json`` served from it
prints exactly what reading the book prints, and any change to the book, the journal or the
file itself is seen.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest
from bookgen import distinct_cards
from click.testing import Result

from outreach import viewcache
from outreach.addressbook import AddressBook
from outreach.workspace import Workspace

FIXTURES = Path(__file__).parent / "fixtures"
REAL = sorted((FIXTURES / "real").glob("*.vcf"))


def _view_file(workspace: Workspace) -> Path:
    (view,) = workspace.cache_dir.glob("list-*.json")
    return view


def _listing(run_cli: Callable[..., Result], *args: str) -> bytes:
    result = run_cli("contacts", "list", "--json", *args)
    assert result.exit_code == 0, result.output
    return result.stdout_bytes


def _kept_listing(run_cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch) -> bytes:
    """A whole listing that must be served from the kept one: reading the book fails."""

    def no_reading(*_: object, **__: object) -> None:
        raise AssertionError("the listing read the book")

    with monkeypatch.context() as patch:
        patch.setattr(AddressBook, "open", no_reading)
        return _listing(run_cli)


def _read_book_listing(
    run_cli: Callable[..., Result], workspace: Workspace, *args: str
) -> bytes:
    """The listing made by reading the book: no kept listing to serve it from."""
    for view in workspace.cache_dir.glob("list-*.json"):
        view.unlink()
    return _listing(run_cli, *args)


@pytest.fixture
def rich_book(run_cli: Callable[..., Result], workspace: Workspace) -> Workspace:
    """A book of real exports (non-ASCII names, addresses, notes with newlines) with touches."""
    assert REAL, "tests/fixtures/real holds the real vCard samples"
    good = [str(p) for p in REAL if "malformed" not in p.name and "broken" not in p.name]
    result = run_cli("contacts", "import", "--skip-bad", *good)
    assert result.exit_code == 0, result.output
    uids = [c.uid for c in workspace.open_book()][:3]
    for day, uid in zip(("2026-03-01", "2026-04-02", "2026-05-03"), uids, strict=True):
        touched = run_cli("touch", uid, "--via", "lunch", "--date", day)
        assert touched.exit_code == 0, touched.output
    return workspace


def test_a_kept_listing_prints_what_reading_the_book_prints(
    run_cli: Callable[..., Result], rich_book: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    read = _read_book_listing(run_cli, rich_book)
    assert _view_file(rich_book).exists()
    kept = _kept_listing(run_cli, monkeypatch)
    assert kept == read
    people = orjson.loads(kept)
    assert len(people) == len(rich_book.open_book()) > 20
    assert sorted(p["last_touch"] for p in people if p["last_touch"]) == [
        "2026-03-01",
        "2026-04-02",
        "2026-05-03",
    ]


def test_a_folder_book_is_kept_and_checked_file_by_file(
    run_cli: Callable[..., Result], rich_book: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run_cli("contacts", "move-book", str(rich_book.root / "people")).exit_code == 0
    moved = Workspace.load(rich_book.root)
    read = _read_book_listing(run_cli, moved)
    assert _kept_listing(run_cli, monkeypatch) == read
    # A card dropped into the folder by a sync tool is in the next listing.
    (moved.book_path / "dropped-by-sync.vcf").write_text(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:dropped-by-sync\r\nFN:Zoë Park\r\n"
        "N:Park;Zoë;;;\r\nEMAIL:zoe@example.org\r\nEND:VCARD\r\n",
        encoding="utf-8",
    )
    after = orjson.loads(_listing(run_cli))
    assert "dropped-by-sync" in [p["uid"] for p in after]
    assert len(after) == len(orjson.loads(read)) + 1


def test_a_change_to_the_book_is_in_the_next_listing(
    run_cli: Callable[..., Result], rich_book: Workspace
) -> None:
    _listing(run_cli)
    uid = orjson.loads(_listing(run_cli))[0]["uid"]
    assert run_cli("contacts", "set", uid, "--org", "Lumen Labs").exit_code == 0
    (first,) = [p for p in orjson.loads(_listing(run_cli)) if p["uid"] == uid]
    assert first["org"] == "Lumen Labs"


def test_an_edit_that_keeps_size_and_time_is_still_seen(
    run_cli: Callable[..., Result], workspace: Workspace
) -> None:
    card = "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:u1\r\nFN:Ann Lee\r\nN:Lee;Ann;;;\r\nEND:VCARD\r\n"
    workspace.book_path.write_text(card)
    _listing(run_cli)
    _listing(run_cli)
    stat = workspace.book_path.stat()
    # Same size, modification time set back: the change time and the bytes still differ.
    workspace.book_path.write_text(card.replace("Ann Lee", "Bea Lee").replace(";Ann;", ";Bea;"))
    os.utime(workspace.book_path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    (person,) = orjson.loads(_listing(run_cli))
    assert person["name"] == "Bea Lee"


def test_a_touch_recorded_later_is_in_the_kept_listing(
    run_cli: Callable[..., Result], rich_book: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    people = orjson.loads(_listing(run_cli))
    untouched = next(p for p in people if p["last_touch"] is None)
    touched = run_cli("touch", untouched["uid"], "--via", "call", "--date", "2026-11-30")
    assert touched.exit_code == 0, touched.output
    again = {p["uid"]: p for p in orjson.loads(_kept_listing(run_cli, monkeypatch))}
    assert again[untouched["uid"]]["last_touch"] == "2026-11-30"
    assert _listing(run_cli) == _read_book_listing(run_cli, rich_book)


@pytest.mark.parametrize(
    "damage",
    [
        "control-character",
        "line-missing",
        "header-garbage",
        "other-signatures",
        "other-version",
        "empty",
        "not-json",
        "another-shape",
        "two-in-a-line",
        "another-uid",
    ],
)
def test_a_damaged_or_planted_kept_listing_is_not_used(
    run_cli: Callable[..., Result],
    rich_book: Workspace,
    monkeypatch: pytest.MonkeyPatch,
    damage: str,
) -> None:
    truth = _read_book_listing(run_cli, rich_book)
    view = _view_file(rich_book)
    head, _, body = view.read_bytes().partition(b"\n")
    header = orjson.loads(head)
    planted = b'{"uid":"planted","name":"\x1b[31mPlanted"}'
    if damage == "control-character":
        data = head + b"\n" + planted + body[body.index(b"\n") :]
    elif damage == "line-missing":
        data = head + b"\n" + body[body.index(b"\n") + 1 :]
    elif damage == "header-garbage":
        data = b"[1, 2\n" + body
    elif damage == "other-signatures":
        header["files"] = {name: [1, 2, 3, 4] for name in header["files"]}
        data = orjson.dumps(header) + b"\n" + body
    elif damage == "other-version":
        header["version"] = viewcache.VERSION + 1
        data = orjson.dumps(header) + b"\n" + body
    elif damage == "empty":
        data = b""
    else:
        # A header copied from the real file (anyone who can read the book's folder can
        # make it) over lines that are not what the listing writes.
        first, rest = body.split(b"\n", 1)
        item = orjson.loads(first)
        forged = {
            "not-json": b'{"uid":"x","emails":["attacker@example.com"]}]} not json [',
            "another-shape": orjson.dumps({"uid": item["uid"], "emails": ["a@example.com"]}),
            "two-in-a-line": first + b"," + first,
            "another-uid": orjson.dumps({**item, "uid": "someone-else"}),
        }[damage]
        data = head + b"\n" + forged + b"\n" + rest
    view.write_bytes(data)
    assert _listing(run_cli) == truth
    # That listing read the book and kept it again, whole: the next one is served from it.
    assert _kept_listing(run_cli, monkeypatch) == truth


def test_a_filtered_listing_reads_the_book_and_keeps_nothing(
    run_cli: Callable[..., Result], rich_book: Workspace
) -> None:
    uid = orjson.loads(_listing(run_cli))[0]["uid"]
    assert run_cli("contacts", "set", uid, "--tag", "Former-Boss").exit_code == 0
    for view in rich_book.cache_dir.glob("list-*.json"):
        view.unlink()
    result = orjson.loads(_listing(run_cli, "--tag", "former-boss"))
    assert [p["uid"] for p in result] == [uid]
    assert not list(rich_book.cache_dir.glob("list-*.json"))


def test_a_delete_character_in_a_card_still_lets_the_listing_be_kept(
    run_cli: Callable[..., Result], workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    # JSON writers leave DEL (0x7F) as it is; it must not make every listing a miss.
    workspace.book_path.write_bytes(
        b"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:u1\r\nFN:Ann Lee\r\nN:Lee;Ann;;;\r\n"
        b"NOTE:odd\x7fbyte\r\nEND:VCARD\r\n"
    )
    read = _listing(run_cli)
    assert b"\x7f" in read
    assert _kept_listing(run_cli, monkeypatch) == read


def test_a_real_sized_book_of_common_names_is_kept_and_printed_whole(
    run_cli: Callable[..., Result],
    workspace: Workspace,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 2,000 distinct people from a short list of names and a dozen employers: every one is
    # in the kept listing, in book order, exactly as reading the book prints them.
    cards = tmp_path / "cards.vcf"
    cards.write_text(distinct_cards(2000), encoding="utf-8")
    assert run_cli("contacts", "import", str(cards)).exit_code == 0
    read = _listing(run_cli)
    kept = _kept_listing(run_cli, monkeypatch)
    assert kept == read
    people = orjson.loads(kept)
    assert len(people) == len({p["uid"] for p in people}) == 2000
    assert len({p["name"] for p in people}) < 1000  # names are shared


def test_listings_during_edits_by_another_process_never_print_a_stale_book(
    run_cli: Callable[..., Result], rich_book: Workspace
) -> None:
    # One process changes a contact's employer over and over while another lists the whole
    # book: a listing kept from a book that changed meanwhile must never be served.
    program = [str(Path(sys.executable).with_name("outreach")), "--home", str(rich_book.root)]
    env = {k: v for k, v in os.environ.items() if k != "OUTREACH_HOME"}
    uid = orjson.loads(_listing(run_cli))[0]["uid"]
    script = "; ".join(
        f"{shlex.join([*program, 'contacts', 'set', uid, '--org', f'Org {n}'])} >/dev/null"
        for n in range(12)
    )
    editor = subprocess.Popen(["sh", "-c", script], env=env)
    seen = []
    while editor.poll() is None:
        listed = subprocess.run(
            [*program, "contacts", "list", "--json"], env=env, capture_output=True
        )
        assert listed.returncode == 0, listed.stderr.decode(errors="replace")
        seen.append(next(p["org"] for p in orjson.loads(listed.stdout) if p["uid"] == uid))
    assert editor.wait() == 0
    assert len(seen) >= 2
    # Employers only move forward: a listing never goes back to an older book.
    numbers = [int(org.split()[-1]) for org in seen if org.startswith("Org ")]
    assert numbers == sorted(numbers)
    final = subprocess.run(
        [*program, "contacts", "list", "--json"], env=env, capture_output=True, check=True
    ).stdout
    assert next(p["org"] for p in orjson.loads(final) if p["uid"] == uid) == "Org 11"
    assert final == _read_book_listing(run_cli, rich_book)
