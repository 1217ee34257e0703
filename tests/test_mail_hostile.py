"""``outreach mail sync`` on mail nobody vetted: no Message-ID, dates that are wrong or in the
future, headers that never end, control characters in a subject, special files in a Maildir,
an mbox replaced by another."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import Result
from conftest import make_contact
from mailboxes import ME, maildir, mbox, message

from outreach.workspace import Workspace


@pytest.fixture
def emma(add_contacts):  # noqa: ANN001, ANN201
    return add_contacts(make_contact("u-e", "Emma", "Schulz", email="emma@example.de"))


def _touches(workspace: Workspace) -> list[tuple[str, str]]:
    with workspace.open_journal() as journal:
        return sorted((t.day.isoformat(), t.note) for t in journal.touches("u-e"))


def _raw(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n\nHello.\n").encode()


def test_no_message_id_and_a_broken_date_count_once_on_the_day_read(
    workspace: Workspace, emma, run_cli: Callable[..., Result], tmp_path: Path
) -> None:
    inbox = maildir(
        tmp_path / "INBOX",
        _raw("From: emma@example.de", f"To: {ME}", "Subject: No id", "Date: yesterday-ish"),
        _raw("From: emma@example.de", f"To: {ME}", "Subject: No date"),
    )
    first = run_cli("mail", "sync", str(inbox), "--today", "2026-06-01")
    assert first.exit_code == 0, first.output
    assert _touches(workspace) == [("2026-06-01", "No date"), ("2026-06-01", "No id")]
    # The same messages again, in another folder: counted by their header, not twice.
    again = run_cli("mail", "sync", str(maildir(tmp_path / "Copy", *_copies(inbox))))
    assert again.exit_code == 0 and "0 counted" in again.output, again.output
    assert len(_touches(workspace)) == 2


def _copies(folder: Path) -> list[bytes]:
    return [p.read_bytes() for p in sorted((folder / "new").iterdir())]


def test_a_date_in_the_future_is_taken_as_the_day_it_was_read(
    workspace: Workspace, emma, run_cli: Callable[..., Result], tmp_path: Path
) -> None:
    inbox = maildir(
        tmp_path / "INBOX",
        message("emma@example.de", ME, "From 2099", datetime(2099, 1, 1, tzinfo=UTC)),
    )
    result = run_cli("mail", "sync", str(inbox), "--today", "2026-06-01")
    assert result.exit_code == 0, result.output
    # Else her last touch would be in 2099 and the plan would never list her again.
    assert _touches(workspace) == [("2026-06-01", "From 2099")]


def test_control_characters_in_a_subject_never_reach_the_note(
    workspace: Workspace, emma, run_cli: Callable[..., Result], tmp_path: Path
) -> None:
    inbox = maildir(
        tmp_path / "INBOX",
        _raw(
            "From: emma@example.de",
            f"To: {ME}",
            "Date: Mon, 01 Jun 2026 09:00:00 +0000",
            # A terminal title escape, a bell, and an encoded line break with a fake line.
            "Subject: =?utf-8?q?Lunch=1B]0;pwned=07_=0D=0Avia:_sms?= \x1b[2Jsoon",
        ),
    )
    result = run_cli("mail", "sync", str(inbox))
    assert result.exit_code == 0, result.output
    ((_, note),) = _touches(workspace)
    assert note == "Lunch ]0;pwned via: sms [2Jsoon"
    assert not any(ord(ch) < 32 or 127 <= ord(ch) < 160 for ch in note)


def test_a_header_that_never_ends_is_read_only_so_far(tmp_path: Path) -> None:
    from outreach.mailsources import MAX_HEADER, MaildirSource

    inbox = maildir(tmp_path / "INBOX")
    # A stray file with no blank line and no line break at all.
    (inbox / "cur" / "1700000000.1.host:2,S").write_bytes(b"X-Junk: " + b"a" * (8 * MAX_HEADER))
    (inbox / "cur" / "1700000000.2.host:2,S").write_bytes(
        b"".join(b"X-Long-%d: %s\n" % (n, b"b" * 1000) for n in range(4 * MAX_HEADER // 1000))
    )

    class State:
        def known_files(self, folder: str, names: list[str]) -> set[str]:
            return set()

    (batch,) = MaildirSource(inbox).batches(State())  # type: ignore[arg-type]
    assert len(batch.messages) == 2
    assert all(0 < len(m.header) <= MAX_HEADER for m in batch.messages)


def test_special_files_in_a_maildir_are_skipped_and_symlinked_mail_is_read(
    workspace: Workspace, emma, run_cli: Callable[..., Result], tmp_path: Path
) -> None:
    inbox = maildir(tmp_path / "INBOX")
    fifo = inbox / "cur" / "1700000000.1.host:2,S"
    os.mkfifo(fifo)
    # A search folder of symlinks (mairix, mu) points at mail kept elsewhere.
    elsewhere = tmp_path / "archive.eml"
    elsewhere.write_bytes(
        message("emma@example.de", ME, "Linked", datetime(2026, 5, 1, tzinfo=UTC))
    )
    (inbox / "new" / "1700000000.3.host").symlink_to(elsewhere)
    results: list[Result] = []
    worker = threading.Thread(
        target=lambda: results.append(run_cli("mail", "sync", str(inbox))), daemon=True
    )
    worker.start()
    worker.join(timeout=30)
    if worker.is_alive():
        # Opening the FIFO waits for a writer: give it one so the thread can end.
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        worker.join(timeout=10)
        pytest.fail("mail sync opened a FIFO in the Maildir and waited for it")
    (result,) = results
    assert result.exit_code == 0, result.output
    assert _touches(workspace) == [("2026-05-01", "Linked")]


@pytest.mark.timeout(60)
def test_an_address_field_built_to_backtrack_is_read_in_linear_time() -> None:
    from outreach.mailheaders import HeaderBlock, addresses

    # "<a@a@a@..." with no ">": a pattern that let the local part hold "@" tried every split.
    block = HeaderBlock(b"From: <" + b"a@" * 100_000 + b"\nTo: Emma <emma@example.de>\n")
    assert addresses(block, "From", "To") == ["emma@example.de"]


def test_an_mbox_replaced_by_a_shorter_one_is_read_again_without_counting_twice(
    workspace: Workspace, emma, run_cli: Callable[..., Result], tmp_path: Path
) -> None:
    one = message("emma@example.de", ME, "One", datetime(2026, 5, 1, tzinfo=UTC))
    two = message("emma@example.de", ME, "Two", datetime(2026, 5, 2, tzinfo=UTC))
    path = mbox(tmp_path / "inbox.mbox", one, two)
    assert run_cli("mail", "sync", str(path)).exit_code == 0
    path.unlink()
    three = message("emma@example.de", ME, "Three", datetime(2026, 5, 3, tzinfo=UTC))
    mbox(path, two, three)
    again = run_cli("mail", "sync", str(path))
    assert again.exit_code == 0, again.output
    assert "2 new to read, 1 counted" in again.output
    assert [n for _, n in _touches(workspace)] == ["One", "Two", "Three"]
