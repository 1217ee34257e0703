"""``outreach mail sync`` end to end: a campaign sent to a loopback SMTP server, then the mail
that comes back (a reply, a bounce, ordinary mail, a newsletter, and mail the user sent)
read from Maildirs and mbox files."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from conftest import make_contact
from mailboxes import ME, maildir, mbox, message, newsletter, postfix_dsn
from smtp_servers import Recorder, aiosmtpd_server, email_settings

from outreach.workspace import Workspace

CAMPAIGN = """\
name = "ask"

[[part]]
id = "ask"
channels = ["email"]
[part.audience]
tags = ["asked"]
[part.email]
subject = "A favour, {{ first_name }}"
body = "Hi {{ greeting }},\\nwould you write me a recommendation?\\n"

[[part]]
id = "reminder"
channels = ["email"]
follow_up = "ask"
after = "P10D"
unless = "replied"
[part.email]
subject = "A gentle reminder, {{ first_name }}"
body = "Hi {{ greeting }},\\njust in case my last note got buried.\\n"
"""


@pytest.fixture
def people(add_contacts):  # noqa: ANN001, ANN201
    """A, B and C get the campaign; D sends a newsletter; E gets mail from the user."""
    b = make_contact("u-b", "Bruno", "Ferrari", email="bruno@old-employer.example", tags=["asked"])
    from outreach.contact import Email

    b.emails.append(Email("bruno.ferrari@home.example", ("INTERNET",)))
    return add_contacts(
        make_contact("u-a", "Aiko", "Tanaka", email="aiko@example.jp", tags=["asked"]),
        b,
        make_contact("u-c", "Chloé", "Martin", email="chloe@example.fr", tags=["asked"]),
        make_contact("u-d", "Dev", "Patel", email="dev@news.example.org"),
        make_contact("u-e", "Emma", "Schulz", email="emma@example.de"),
    )


@pytest.fixture
def smtp(workspace: Workspace) -> Iterator[Recorder]:
    with ExitStack() as stack:
        recorder = Recorder()
        port = stack.enter_context(aiosmtpd_server(recorder))
        email_settings(workspace.root, port=port)
        yield recorder


def _json(result: Result) -> Any:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _dump(workspace: Workspace) -> list[str]:
    with workspace.open_journal() as journal:
        return list(journal.db.iterdump())


def test_replies_bounces_touches_and_a_follow_up(
    workspace: Workspace,
    people,
    smtp: Recorder,
    run_cli: Callable[..., Result],
    tmp_path: Path,
) -> None:
    campaign = tmp_path / "ask" / "campaign.toml"
    campaign.parent.mkdir()
    campaign.write_text(CAMPAIGN, encoding="utf-8")
    # The campaign records its touches three days ago; the mail that comes back is newer.
    three_days_ago = (date.today() - timedelta(days=3)).isoformat()
    sent = run_cli("campaign", "run", str(campaign), "--send", "--today", three_days_ago)
    assert sent.exit_code == 0, sent.output
    assert sorted(r.recipients[0] for r in smtp.received) == [
        "aiko@example.jp",
        "bruno@old-employer.example",
        "chloe@example.fr",
    ]
    ids = {
        row["uid"]: row["message_id"]
        for row in _json(run_cli("campaign", "status", str(campaign), "--json"))
        if row["status"] == "sent"
    }
    to_bruno = smtp.to("bruno@old-employer.example")[0].data
    yesterday = datetime.now(UTC).astimezone() - timedelta(days=1)
    inbox = maildir(
        tmp_path / "mail" / "INBOX",
        message(
            "Aiko Tanaka <aiko@example.jp>",
            ME,
            "Re: A favour, Aiko",
            yesterday,
            in_reply_to=ids["u-a"],
        ),
        postfix_dsn(to_bruno, "bruno@old-employer.example", yesterday),
        message("Chloé Martin <chloe@example.fr>", ME, "Lunch next week?", yesterday),
        newsletter("Dev Patel <dev@news.example.org>", ME, "Dev's monthly digest", yesterday),
    )
    sent_box = maildir(
        tmp_path / "mail" / "Sent",
        message(f"Alex Example <{ME}>", "Emma Schulz <emma@example.de>", "Slides", yesterday),
    )
    synced = run_cli("mail", "sync", str(inbox), str(sent_box))
    assert synced.exit_code == 0, synced.output
    assert "1 bounce(s)" in synced.output and "1 reply to campaigns" in synced.output

    rows = {
        r["uid"]: r
        for r in _json(run_cli("campaign", "status", str(campaign), "--json"))
        if r["part"] == "ask"
    }
    assert rows["u-a"]["status"] == "replied"
    assert rows["u-a"]["event_date"] == yesterday.date().isoformat()
    assert rows["u-b"]["status"] == "bounced"
    assert rows["u-b"]["error"].startswith("5.1.1") and "User unknown" in rows["u-b"]["error"]
    assert rows["u-c"]["status"] == "sent"

    contacts = {c["uid"]: c for c in _json(run_cli("contacts", "list", "--json"))}
    today = date.today().isoformat()
    assert contacts["u-c"]["last_touch"] == yesterday.date().isoformat()
    assert contacts["u-e"]["last_touch"] == yesterday.date().isoformat()
    assert contacts["u-d"]["last_touch"] is None  # the newsletter does not count
    assert contacts["u-a"]["last_touch"] == yesterday.date().isoformat()  # the reply
    assert contacts["u-b"]["last_touch"] == three_days_ago  # the send; the bounce is no touch

    plan = _json(run_cli("plan", "--json"))
    fixes = [e for e in plan if e["section"] == "fix-address"]
    assert [e["uid"] for e in fixes] == ["u-b"]
    assert f"email bruno@old-employer.example bounced on {yesterday.date()}" in fixes[0]["reason"]

    before = _dump(workspace)
    again = run_cli("mail", "sync", str(inbox), str(sent_box))
    assert again.exit_code == 0 and "nothing new" in again.output
    assert _dump(workspace) == before

    # Ten days later the reminder goes to Chloé alone: Aiko replied, Bruno's mail bounced.
    later = (date.today() + timedelta(days=10)).isoformat()
    early = run_cli("campaign", "run", str(campaign), "--send", "--today", today)
    assert early.exit_code == 0 and len(smtp.received) == 3  # not yet due
    reminded = run_cli("campaign", "run", str(campaign), "--send", "--today", later)
    assert reminded.exit_code == 0, reminded.output
    reminders = [r for r in smtp.received if "reminder" in r.message["Subject"]]
    assert [r.recipients for r in reminders] == [["chloe@example.fr"]]
    status = run_cli("campaign", "status", str(campaign), "--today", later)
    assert "replied to ask" in status.output and "ask bounced" in status.output

    # A later campaign skips the bouncing address and uses Bruno's next one.
    other = tmp_path / "next" / "campaign.toml"
    other.parent.mkdir()
    other.write_text(
        'name = "next"\n[audience]\ntags = ["asked"]\n[email]\nsubject = "Hi"\nbody = "Hi"\n',
        encoding="utf-8",
    )
    preview = run_cli("campaign", "preview", str(other))
    assert "<bruno.ferrari@home.example>" in preview.output
    assert "bruno@old-employer.example" not in preview.output

    cleared = run_cli("contacts", "set", "u-b", "--email-ok", "bruno@old-employer.example")
    assert cleared.exit_code == 0 and "cleared as bouncing" in cleared.output
    plan = _json(run_cli("plan", "--json"))
    assert not [e for e in plan if e["section"] == "fix-address"]


def test_a_temporary_failure_is_recorded_and_changes_nothing(
    workspace: Workspace,
    people,
    smtp: Recorder,
    run_cli: Callable[..., Result],
    tmp_path: Path,
) -> None:
    campaign = tmp_path / "ask" / "campaign.toml"
    campaign.parent.mkdir()
    campaign.write_text(CAMPAIGN, encoding="utf-8")
    assert run_cli("campaign", "run", str(campaign), "--send").exit_code == 0
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
    rows = _json(run_cli("campaign", "status", str(campaign), "--json"))
    assert {r["status"] for r in rows if r["uid"] == "u-c" and r["part"] == "ask"} == {"sent"}
    with workspace.open_journal() as journal:
        events = journal.db.execute("SELECT kind, address, detail FROM mail_events").fetchall()
    assert events == [("delayed", "chloe@example.fr", "4.4.1 connect to mx.example.org"
                       "[192.0.2.25]:25: Connection timed out")]
    assert not [e for e in _json(run_cli("plan", "--json")) if e["section"] == "fix-address"]


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
        message(
            "Emma Schulz <emma@example.de>", ME, f"Note {n}", start + timedelta(hours=n)
        )
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
    not_mbox = tmp_path / "notes.txt"
    not_mbox.write_text("hello\n", encoding="utf-8")
    bad = run_cli("mail", "sync", str(not_mbox))
    assert bad.exit_code == 2 and "not an mbox file" in bad.output
    assert not workspace.journal_path.exists()  # nothing was started

    maildir(workspace.root / "Maildir" / "INBOX",
            message("emma@example.de", ME, "Hi", datetime(2026, 4, 1, tzinfo=UTC)))
    config = workspace.config_path
    config.write_text(
        config.read_text(encoding="utf-8") + '\n[mail]\nsources = ["Maildir"]\n',
        encoding="utf-8",
    )
    result = run_cli("mail", "sync")
    assert result.exit_code == 0 and "1 touch(es) recorded" in result.output
