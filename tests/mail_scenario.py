"""The mail-sync loop end to end, run by the Maildir and the IMAP tests alike: a campaign
sent to a loopback SMTP server, then a reply, a bounce, ordinary mail, a newsletter and mail
the user sent, read back with ``outreach mail sync``."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from click.testing import Result
from conftest import make_contact
from mailboxes import ME, message, newsletter, postfix_dsn
from smtp_servers import Recorder, aiosmtpd_server, email_settings

from outreach.contact import Contact, Email
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


def people() -> list[Contact]:
    """A, B and C get the campaign; D sends a newsletter; E gets mail from the user."""
    b = make_contact("u-b", "Bruno", "Ferrari", email="bruno@old-employer.example", tags=["asked"])
    b.emails.append(Email("bruno.ferrari@home.example", ("INTERNET",)))
    return [
        make_contact("u-a", "Aiko", "Tanaka", email="aiko@example.jp", tags=["asked"]),
        b,
        make_contact("u-c", "Chloé", "Martin", email="chloe@example.fr", tags=["asked"]),
        make_contact("u-d", "Dev", "Patel", email="dev@news.example.org"),
        make_contact("u-e", "Emma", "Schulz", email="emma@example.de"),
    ]


@contextmanager
def smtp_server(workspace: Workspace) -> Iterator[Recorder]:
    """An SMTP server on loopback that the workspace's [email] sends to."""
    recorder = Recorder()
    with aiosmtpd_server(recorder) as port:
        email_settings(workspace.root, port=port)
        yield recorder


def as_json(result: Result) -> Any:
    """The JSON a command printed (it must have succeeded)."""
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def journal_dump(workspace: Workspace) -> list[str]:
    """Every row of the journal, as SQL."""
    with workspace.open_journal() as journal:
        return list(journal.db.iterdump())


def send_campaign(run_cli: Callable[..., Result], tmp_path: Path, *options: str) -> Path:
    """Write :data:`CAMPAIGN` to ``tmp_path/ask/campaign.toml`` and run it with ``--send``
    (and ``options``); the campaign file."""
    campaign = tmp_path / "ask" / "campaign.toml"
    campaign.parent.mkdir()
    campaign.write_text(CAMPAIGN, encoding="utf-8")
    sent = run_cli("campaign", "run", str(campaign), "--send", *options)
    assert sent.exit_code == 0, sent.output
    return campaign


def run_scenario(
    workspace: Workspace,
    smtp: Recorder,
    run_cli: Callable[..., Result],
    tmp_path: Path,
    deliver: Callable[[list[bytes], list[bytes]], list[str]],
) -> None:
    """The whole loop; ``deliver(inbox, sent)`` puts the mail where it is read from and
    returns the ``mail sync`` arguments that read it."""
    # The campaign records its touches three days ago; the mail that comes back is newer.
    three_days_ago = (date.today() - timedelta(days=3)).isoformat()
    campaign = send_campaign(run_cli, tmp_path, "--today", three_days_ago)
    assert sorted(r.recipients[0] for r in smtp.received) == [
        "aiko@example.jp",
        "bruno@old-employer.example",
        "chloe@example.fr",
    ]
    ids = {
        row["uid"]: row["message_id"]
        for row in as_json(run_cli("campaign", "status", str(campaign), "--json"))
        if row["status"] == "sent"
    }
    to_bruno = smtp.to("bruno@old-employer.example")[0].data
    yesterday = datetime.now(UTC).astimezone() - timedelta(days=1)
    inbox = [
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
    ]
    sent_mail = [
        message(f"Alex Example <{ME}>", "Emma Schulz <emma@example.de>", "Slides", yesterday),
    ]
    sources = deliver(inbox, sent_mail)
    synced = run_cli("mail", "sync", *sources)
    assert synced.exit_code == 0, synced.output
    assert "1 bounce(s) (1 of campaign messages)" in synced.output
    assert "1 reply to campaigns" in synced.output

    rows = {
        r["uid"]: r
        for r in as_json(run_cli("campaign", "status", str(campaign), "--json"))
        if r["part"] == "ask"
    }
    assert rows["u-a"]["status"] == "replied"
    assert rows["u-a"]["event_date"] == yesterday.date().isoformat()
    assert rows["u-b"]["status"] == "bounced"
    assert rows["u-b"]["error"].startswith("5.1.1") and "User unknown" in rows["u-b"]["error"]
    assert rows["u-c"]["status"] == "sent"
    text = run_cli("campaign", "status", str(campaign)).output
    assert f"replied   Aiko Tanaka <aiko@example.jp> [email] (ask) on {yesterday.date()}" in text
    assert "bounced   Bruno Ferrari <bruno@old-employer.example> [email] (ask) on " in text

    contacts = {c["uid"]: c for c in as_json(run_cli("contacts", "list", "--json"))}
    today = date.today().isoformat()
    assert contacts["u-c"]["last_touch"] == yesterday.date().isoformat()
    assert contacts["u-e"]["last_touch"] == yesterday.date().isoformat()
    assert contacts["u-d"]["last_touch"] is None  # the newsletter does not count
    assert contacts["u-a"]["last_touch"] == yesterday.date().isoformat()  # the reply
    assert contacts["u-b"]["last_touch"] == three_days_ago  # the send; the bounce is no touch

    shown = run_cli("contacts", "show", "u-b").output
    assert f"email: bruno@old-employer.example (bounced on {yesterday.date()}: 5.1.1" in shown
    assert as_json(run_cli("contacts", "show", "u-b", "--json"))["bouncing"] == [
        "bruno@old-employer.example"
    ]
    plan = as_json(run_cli("plan", "--json"))
    fixes = [e for e in plan if e["section"] == "fix-address"]
    assert [e["uid"] for e in fixes] == ["u-b"]
    assert f"email bruno@old-employer.example bounced on {yesterday.date()}" in fixes[0]["reason"]

    before = journal_dump(workspace)
    again = run_cli("mail", "sync", *sources)
    assert again.exit_code == 0 and "nothing new" in again.output
    assert journal_dump(workspace) == before

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
    plan = as_json(run_cli("plan", "--json"))
    assert not [e for e in plan if e["section"] == "fix-address"]
