"""Book writes are read-modify-write under the book lock: concurrent edits are all kept."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import make_contact

from outreach.addressbook import AddressBook
from outreach.workspace import Workspace


def make_vcards(count: int) -> str:
    """The import benchmark's generated cards (common names, shared employers, five countries)."""
    import importlib.util

    path = Path(__file__).resolve().parents[1] / "bench" / "import" / "run.py"
    spec = importlib.util.spec_from_file_location("outreach_bench_import", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return str(module.make_vcards(count))


PROGRAM = str(Path(sys.executable).with_name("outreach"))
ENV = {k: v for k, v in os.environ.items() if k != "OUTREACH_HOME"}


def _tags(book: AddressBook, uid: str) -> list[str]:
    contact = book.get(uid)
    assert contact is not None, f"{uid} is missing from the book"
    return contact.tags


@pytest.mark.slow
def test_contacts_set_during_a_10000_card_import_is_never_lost(
    workspace: Workspace,
    add_contacts,
    tmp_path: Path,  # noqa: ANN001
) -> None:
    people = [
        make_contact(f"base-{i}", f"Base{i}", "Person", email=f"base{i}@example.org")
        for i in range(20)
    ]
    add_contacts(*people)
    cards = tmp_path / "export.vcf"
    cards.write_text(make_vcards(10_000), encoding="utf-8")
    home = ["--home", str(workspace.root)]
    importing = subprocess.Popen(
        [PROGRAM, *home, "contacts", "import", str(cards)],
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    done: list[tuple[str, str]] = []
    failed: list[str] = []
    n = 0
    # Keep setting tags until the import has finished, and a few more after.
    after = 0
    while after < 3:
        if importing.poll() is not None:
            after += 1
        person = people[n % len(people)]
        tag = f"t{n}"
        result = subprocess.run(
            [PROGRAM, *home, "contacts", "set", person.uid, "--tag", tag],
            env=ENV,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if result.returncode == 0:
            done.append((person.uid, tag))
        else:
            failed.append(result.stderr)
        n += 1
        time.sleep(0.05)
    assert importing.wait(timeout=300) == 0, importing.stderr.read() if importing.stderr else ""
    book = AddressBook.open(workspace.book_path)
    assert len(book) == 10_000 + len(people)
    lost = [(uid, tag) for uid, tag in done if tag not in _tags(book, uid)]
    assert not lost, f"{len(lost)} of {len(done)} changes lost"
    assert len(done) >= 5 and not failed, failed


def test_edit_book_rereads_under_the_lock_and_saves_on_exit(
    workspace: Workspace,
    add_contacts,  # noqa: ANN001
) -> None:
    add_contacts(make_contact("a", "Ann", "Lee", email="ann@example.org"))
    stale = workspace.open_book()  # read before another command changed the book
    with workspace.edit_book() as book:
        person = book.find("ann@example.org")
        person.add_tag("mentor")
        book.update(person)
    assert "mentor" in _tags(AddressBook.open(workspace.book_path), "a")
    assert "mentor" not in _tags(stale, "a")
    # An exception inside leaves the book as it was.
    with pytest.raises(RuntimeError), workspace.edit_book() as book:
        book.remove("a")
        raise RuntimeError("stop")
    assert AddressBook.open(workspace.book_path).get("a") is not None


@pytest.mark.timeout(60)  # a command that waits without saying so would block the read
@pytest.mark.parametrize(
    ("command", "said"),
    [
        (("contacts", "set", "a", "--tag", "mentor"), "tagged mentor"),
        (("snooze", "a", "--until", "2099-01-01"), "snoozed until 2099-01-01"),
    ],
)
def test_a_waiting_book_edit_says_whom_it_waits_for(
    workspace: Workspace,
    add_contacts,  # noqa: ANN001
    command: tuple[str, ...],
    said: str,
) -> None:
    add_contacts(make_contact("a", "Ann", "Lee", email="ann@example.org"))
    holding = (
        "import sys, time\n"
        "from outreach.workspace import Workspace\n"
        "with Workspace.load(sys.argv[1]).edit_book() as book:\n"
        "    print('held', flush=True)\n"
        "    sys.stdin.readline()\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", holding, str(workspace.root)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdin is not None
    assert holder.stdout.readline() == "held\n"
    setting = subprocess.Popen(
        [PROGRAM, "--home", str(workspace.root), *command],
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert setting.stderr is not None
    line = setting.stderr.readline()
    assert line.startswith(f"waiting: process {holder.pid} ") and "address book" in line
    assert setting.poll() is None  # still waiting
    holder.stdin.write("\n")
    holder.stdin.flush()
    assert holder.wait(timeout=30) == 0
    out, _ = setting.communicate(timeout=60)
    assert setting.returncode == 0 and said in out
    if "--tag" in command:
        assert "mentor" in _tags(AddressBook.open(workspace.book_path), "a")
