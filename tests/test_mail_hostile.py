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