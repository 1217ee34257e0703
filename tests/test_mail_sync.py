"""``outreach mail sync`` end to end: a campaign sent to a loopback SMTP server, then the mail
that comes back (a reply, a bounce, ordinary mail, a newsletter, and mail the user sent)
read from Maildirs and mbox files."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from mail_scenario import as_json, run_scenario, send_campaign, smtp_server
from mail_scenario import people as scenario_people
from mailboxes import ME, maildir, mbox, message, postfix_dsn
from smtp_servers import Recorder

from outreach.workspace import Workspace


@pytest.fixture
def people(add_contacts):  # noqa: ANN001, ANN201
    return add_contacts(*scenario_people())


@pytest.fixture
def smtp(workspace: Workspace) -> Iterator[Recorder]:
    with smtp_server(workspace) as recorder:
        yield recorder


def test_replies_bounces_touches_and_a_follow_up(
    workspace: Workspace,
    people,
    smtp: Recorder,
    run_cli: Callable[..., Result],
    tmp_path: Path,
) -> None:
    def into_maildirs(inbox: list[bytes], sent: list[bytes]) -> list[str]:
        return [
            str(maildir(tmp_path / "mail" / "INBOX", *inbox)),
            str(maildir(tmp_path / "mail" / "Sent", *sent)),
        ]

    run_scenario(workspace, smtp, run_cli, tmp_path, into_maildirs)


def test_a_temporary_failure_is_recorded_and_changes_nothing(
    workspace: Workspace,
    people,
    smtp: Recorder,
    run_cli: Callable[..., Result],
    tmp_path: Path,
) -> None:
    campaign = send_campaign(run_cli, tmp_path)
    original = smtp.to("chloe@example.fr")[0].data
    now = datetime.now(UTC)
    box = mbox(
        tmp_path / "inbox.mbox",
        postfix_dsn(
            original,
            "chloe@example.fr",
            now,
            status="4.4.1",
            diagnostic="connect to mx.example.org[192.0.2.25]:25: Connection timed out",
        ),
        # An out-of-office answer names the message too, but is no reply.
        message(
            "Chloé Martin <chloe@example.fr>",
            ME,
            "Automatic reply: A favour",
            now,
            in_reply_to=smtp.to("chloe@example.fr")[0].message["Message-ID"],
            headers={"Auto-Submitted": "auto-replied"},
        ),
    )
    result = run_cli("mail", "sync", str(box))
    assert result.exit_code == 0, result.output
    assert "1 delay(s)" in result.output and "0 bounce(s)" in result.output
    rows = as_json(run_cli("campaign", "status", str(campaign), "--json"))
    assert {r["status"] for r in rows if r["uid"] == "u-c" and r["part"] == "ask"} == {"sent"}
    with workspace.open_journal() as journal:
        events = journal.db.execute("SELECT kind, address, detail FROM mail_events").fetchall()
    assert events == [
        (
            "delayed",
            "chloe@example.fr",
            "4.4.1 connect to mx.example.org[192.0.2.25]:25: Connection timed out",
        )
    ]
    assert not [e for e in as_json(run_cli("plan", "--json")) if e["section"] == "fix-address"]


def test_an_mbox_that_grows_is_read_again_without_counting_twice(
    workspace: Workspace, people, run_cli: Callable[..., Result], tmp_path: Path
) -> None:
    first = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    path = mbox(tmp_path / "Sent", message(ME, "emma@example.de", "Agenda", first))
    assert run_cli("mail", "sync", str(path)).exit_code == 0
    box = mbox(path, message(ME, "Chloé <chloe@example.fr>", "Notes", first + timedelta(days=3)))
    del box
    again = run_cli("mail", "sync", str(path))
    assert again.exit_code == 0, again.output
    assert "2 new to read, 1 counted" in again.output
    with workspace.open_journal() as journal:
        touches = [(t.contact_uid, t.day.isoformat(), t.note) for t in journal.touches()]
    assert touches == [("u-e", "2026-03-02", "Agenda"), ("u-c", "2026-03-05", "Notes")]


def test_a_sync_stopped_midway_resumes_without_counting_twice(
    workspace: Workspace,
    people,
    run_cli: Callable[..., Result],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import outreach.mailsources as sources
    from outreach import mailsync

    monkeypatch.setattr(sources, "BATCH", 10)
    start = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    messages = [
        message("Emma Schulz <emma@example.de>", ME, f"Note {n}", start + timedelta(hours=n))
        for n in range(35)
    ]
    inbox = maildir(tmp_path / "INBOX", *messages)
    real = mailsync._Syncer.process
    calls: list[int] = []

    def dies_on_the_third_batch(self: Any, batch: Any) -> None:
        calls.append(len(batch))
        if len(calls) == 3:
            raise KeyboardInterrupt
        real(self, batch)

    monkeypatch.setattr(mailsync._Syncer, "process", dies_on_the_third_batch)
    stopped = run_cli("mail", "sync", str(inbox))
    assert stopped.exit_code == 130
    with workspace.open_journal() as journal:
        assert len(journal.touches("u-e")) == 20  # two batches committed
    monkeypatch.setattr(mailsync._Syncer, "process", real)
    resumed = run_cli("mail", "sync", str(inbox))
    assert resumed.exit_code == 0, resumed.output
    assert "15 new to read, 15 counted" in resumed.output
    with workspace.open_journal() as journal:
        notes = sorted(t.note for t in journal.touches("u-e"))
    assert notes == sorted(f"Note {n}" for n in range(35))


def test_a_copy_in_two_folders_counts_once(
    workspace: Workspace, people, run_cli: Callable[..., Result], tmp_path: Path
) -> None:
    mail = message("Emma <emma@example.de>", ME, "Same", datetime(2026, 2, 1, tzinfo=UTC))
    tree = tmp_path / "Mail"
    maildir(tree / "INBOX", mail)
    maildir(tree / "Archive" / "2026", mail)
    result = run_cli("mail", "sync", str(tree))
    assert result.exit_code == 0, result.output
    with workspace.open_journal() as journal:
        assert [t.note for t in journal.touches("u-e")] == ["Same"]


def test_sources_from_the_settings_and_bad_sources(
    workspace: Workspace, people, run_cli: Callable[..., Result], tmp_path: Path
) -> None:
    none = run_cli("mail", "sync")
    assert none.exit_code == 2 and "[mail] sources" in none.output
    missing = run_cli("mail", "sync", str(tmp_path / "nowhere"))
    assert missing.exit_code == 2 and "no such Maildir folder or mbox file" in missing.output
    empty = tmp_path / "Documents"
    empty.mkdir()
    no_maildir = run_cli("mail", "sync", str(empty))
    assert no_maildir.exit_code == 2 and "not a Maildir (no cur/ and new/" in no_maildir.output
    not_mbox = tmp_path / "notes.txt"
    not_mbox.write_text("hello\n", encoding="utf-8")
    bad = run_cli("mail", "sync", str(not_mbox))
    assert bad.exit_code == 2 and "not an mbox file" in bad.output
    assert not workspace.journal_path.exists()  # nothing was started

    maildir(
        workspace.root / "Maildir" / "INBOX",
        message("emma@example.de", ME, "Hi", datetime(2026, 4, 1, tzinfo=UTC)),
    )
    config = workspace.config_path
    config.write_text(
        config.read_text(encoding="utf-8") + '\n[mail]\nsources = ["Maildir"]\n',
        encoding="utf-8",
    )
    result = run_cli("mail", "sync")
    assert result.exit_code == 0 and "1 touch(es) recorded" in result.output


def test_the_end_of_contract_example_reminds_those_who_did_not_answer(
    workspace: Workspace, smtp: Recorder, run_cli: Callable[..., Result], tmp_path: Path
) -> None:
    from datetime import date

    from linkedin_helpers import own_end_of_contract, write_linkedin_export_book

    write_linkedin_export_book(workspace)
    END_OF_CONTRACT = own_end_of_contract(tmp_path)
    sent = run_cli("campaign", "run", str(END_OF_CONTRACT), "--send")
    assert sent.exit_code == 0, sent.output
    assert "3 follow-up(s) not due yet or not needed" in sent.output
    requests = [r for r in smtp.received if "A favour" in r.message["Subject"]]
    assert [r.recipients for r in requests] == [["wei@example.cn"]]

    nine = (date.today() + timedelta(days=9)).isoformat()
    ten = (date.today() + timedelta(days=10)).isoformat()
    early = run_cli("campaign", "run", str(END_OF_CONTRACT), "--send", "--today", nine)
    assert early.exit_code == 0, early.output
    assert not [r for r in smtp.received if r.message["Subject"].startswith("Re: A favour")]
    late = run_cli("campaign", "run", str(END_OF_CONTRACT), "--send", "--today", ten)
    assert late.exit_code == 0, late.output
    reminders = [r for r in smtp.received if r.message["Subject"].startswith("Re: A favour")]
    assert [r.recipients for r in reminders] == [["wei@example.cn"]]
    assert "just a gentle nudge" in reminders[0].message.get_body().get_content()


QMAIL_BOUNCE = """\
Return-Path: <>
From: MAILER-DAEMON@mx.example.fr
To: alex@example.com
Subject: failure notice
Date: {date}
Message-ID: <qmail-{n}@mx.example.fr>

Hi. This is the qmail-send program at mx.example.fr.
I'm afraid I wasn't able to deliver your message to the following addresses.
This is a permanent error; I've given up. Sorry it didn't work out.

<chloe@example.fr>:
Sorry, no mailbox here by that name. (#5.1.1)

--- Below this line is a copy of the message.

Return-Path: <alex@example.com>
Subject: A favour, Chloé
"""


def test_a_bounce_without_the_message_id_is_matched_by_recipient(
    workspace: Workspace,
    people,
    smtp: Recorder,
    run_cli: Callable[..., Result],
    tmp_path: Path,
) -> None:
    from email.utils import format_datetime

    campaign = send_campaign(run_cli, tmp_path)
    bounce = QMAIL_BOUNCE.format(date=format_datetime(datetime.now(UTC)), n=1).encode()
    result = run_cli("mail", "sync", str(maildir(tmp_path / "INBOX", bounce)))
    assert result.exit_code == 0, result.output
    assert "bouncing: chloe@example.fr" in result.output
    rows = as_json(run_cli("campaign", "status", str(campaign), "--json"))
    (chloe,) = [r for r in rows if r["uid"] == "u-c" and r["part"] == "ask"]
    assert chloe["status"] == "bounced"
    assert chloe["error"].startswith("5.1.1") and "no mailbox here" in chloe["error"], chloe


def test_mail_from_your_other_addresses_is_mail_you_sent(
    workspace: Workspace, people, run_cli: Callable[..., Result], tmp_path: Path
) -> None:
    config = workspace.config_path
    config.write_text(
        config.read_text(encoding="utf-8") + '\n[mail]\nme = ["Alex@Home.example"]\n',
        encoding="utf-8",
    )
    when = datetime(2026, 7, 1, 18, 0, tzinfo=UTC)
    inbox = maildir(
        tmp_path / "INBOX",
        # Written from home to Emma, with a copy to yourself: found in the INBOX, still sent.
        message("Alex <alex@home.example>", "emma@example.de, alex@example.com", "Hike", when),
        # Emma writes to both your addresses: one touch, not two.
        message("emma@example.de", "alex@home.example, alex@example.com", "Re: Hike", when),
    )
    result = run_cli("mail", "sync", str(inbox))
    assert result.exit_code == 0, result.output
    with workspace.open_journal() as journal:
        assert sorted(t.note for t in journal.touches("u-e")) == ["Hike", "Re: Hike"]


def test_a_changed_address_is_no_longer_to_fix(
    workspace: Workspace,
    people,
    smtp: Recorder,
    run_cli: Callable[..., Result],
    tmp_path: Path,
) -> None:
    from email.utils import format_datetime

    send_campaign(run_cli, tmp_path)
    bounce = QMAIL_BOUNCE.format(date=format_datetime(datetime.now(UTC)), n=2).encode()
    assert run_cli("mail", "sync", str(maildir(tmp_path / "INBOX", bounce))).exit_code == 0
    fixes = [e["uid"] for e in as_json(run_cli("plan", "--json")) if e["section"] == "fix-address"]
    assert fixes == ["u-c"]
    changed = run_cli(
        "contacts",
        "set",
        "u-c",
        "--email",
        "chloe@new.example",
        "--remove-email",
        "chloe@example.fr",
    )
    assert changed.exit_code == 0, changed.output
    fixes = [e["uid"] for e in as_json(run_cli("plan", "--json")) if e["section"] == "fix-address"]
    assert fixes == []


def test_a_sync_shows_its_progress_like_every_long_job_and_quiet_hides_it(
    workspace: Workspace, people, tmp_path: Path
) -> None:
    import os
    import subprocess
    import sys

    start = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    mail = [message("emma@example.de", ME, f"N {n}", start + timedelta(hours=n)) for n in range(3)]
    inbox = maildir(tmp_path / "INBOX", *mail)
    cli = [sys.executable, "-c", "from outreach.cli import main; main()"]
    env = {**os.environ, "OUTREACH_PROGRESS_INTERVAL": "0"}  # a line at every step
    run = ["--home", str(workspace.root), "mail", "sync", str(inbox)]
    loud = subprocess.run([*cli, *run], capture_output=True, text=True, env=env, timeout=60)
    assert loud.returncode == 0, loud.stderr
    assert "reading mail: 3/3 (100%)" in loud.stderr
    quiet = subprocess.run([*cli, "--quiet", *run], capture_output=True, text=True, env=env)
    assert quiet.returncode == 0 and quiet.stderr == ""


def _statuses(run_cli: Callable[..., Result], campaign: Path) -> dict[str, str]:
    rows = as_json(run_cli("campaign", "status", str(campaign), "--json"))
    return {r["uid"]: r["status"] for r in rows if r["part"] == "ask"}


def _bouncing(workspace: Workspace) -> set[str]:
    from outreach.mailstate import MailState

    with workspace.open_journal() as journal:
        return set(MailState(journal).bounced())


def test_a_bounce_of_one_contacts_message_cannot_mark_another_contact_bounced(
    workspace: Workspace,
    people,
    smtp: Recorder,
    run_cli: Callable[..., Result],
    tmp_path: Path,
) -> None:
    campaign = send_campaign(run_cli, tmp_path)
    # Aiko has her copy of the message (its Message-ID) and forges a report that names Chloé.
    forged = postfix_dsn(smtp.to("aiko@example.jp")[0].data, "chloe@example.fr", datetime.now(UTC))
    result = run_cli("mail", "sync", str(maildir(tmp_path / "INBOX", forged)))
    assert result.exit_code == 0, result.output
    statuses = _statuses(run_cli, campaign)
    assert statuses["u-c"] == "sent" and "chloe@example.fr" not in _bouncing(workspace)
    # What the report can say is about the message it returns: Aiko's, to Aiko's address.
    assert statuses["u-a"] == "bounced" and _bouncing(workspace) == {"aiko@example.jp"}


def test_a_bounce_older_than_the_delivery_is_not_its_bounce(
    workspace: Workspace,
    people,
    smtp: Recorder,
    run_cli: Callable[..., Result],
    tmp_path: Path,
) -> None:
    from email.utils import format_datetime

    campaign = send_campaign(run_cli, tmp_path)
    # A first sync of an old mailbox: Chloé's address bounced last year, before this send
    # (and before a later address change put her back on it).
    old = datetime.now(UTC) - timedelta(days=400)
    bounce = QMAIL_BOUNCE.format(date=format_datetime(old), n=3).encode()
    result = run_cli("mail", "sync", str(maildir(tmp_path / "INBOX", bounce)))
    assert result.exit_code == 0, result.output
    assert _statuses(run_cli, campaign)["u-c"] == "sent"
    assert _bouncing(workspace) == set()
