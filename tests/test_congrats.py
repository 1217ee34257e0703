"""``outreach congrats``: a short note through the ordinary channels, recorded as a touch."""

from __future__ import annotations

import csv
import email
import email.policy
import json
import mailbox
from collections.abc import Iterator
from datetime import date

import pytest
from smtp_servers import Recorder, aiosmtpd_server, email_settings

from outreach.congrats import CAMPAIGN_NAME, check_occasion, congratulate
from outreach.errors import InputError
from outreach.journal import DRAFTED, SENT
from tests.conftest import make_contact

TODAY = date(2025, 6, 4)


@pytest.fixture
def smtp_server(workspace) -> Iterator[Recorder]:
    """A real SMTP server on 127.0.0.1, named in the workspace's ``[email]`` table."""
    recorder = Recorder()
    with aiosmtpd_server(recorder) as port:
        email_settings(workspace.root, port=port)
        yield recorder


def _people(add_contacts) -> None:
    jane = make_contact("jane", "Jane", "Doe", email="jane@example.com")
    jane.name.nickname = "Janie"
    bob = make_contact("bob", "Bob", "Smith", linkedin="https://www.linkedin.com/in/bob-smith")
    add_contacts(jane, bob)


def _outbox(workspace) -> list[email.message.EmailMessage]:
    folder = workspace.out_dir(CAMPAIGN_NAME) / "outbox"
    if not folder.exists():
        return []
    return [
        email.message_from_bytes(m.as_bytes(), policy=email.policy.default)
        for m in mailbox.Maildir(folder, create=False)
    ]


def _touches(workspace, uid: str):
    if not workspace.journal_path.exists():
        return []
    with workspace.open_journal() as journal:
        return journal.touches(uid)


def test_a_dry_run_writes_the_outbox_and_records_nothing(workspace, add_contacts, run_cli):
    _people(add_contacts)
    result = run_cli(
        "congrats", "jane@example.com", "--for", "the new role", "--today", "2025-06-04"
    )
    assert result.exit_code == 0, result.output
    assert "Hi Janie," in result.output
    assert "not sent: run again with --send" in result.output
    (message,) = _outbox(workspace)
    assert message["To"] == "Jane Doe <jane@example.com>"
    assert message["From"] == "Alex Example <alex@example.com>"
    assert message["Subject"] == "Congratulations on the new role"
    body = message.get_content()
    assert "congratulations on the new role!" in body and body.rstrip().endswith("Alex Example")
    assert len(body.split()) < 60  # short
    assert _touches(workspace, "jane") == []


def test_a_birthday_gets_the_birthday_greeting(workspace, add_contacts, run_cli) -> None:
    _people(add_contacts)
    result = run_cli("congrats", "Jane", "--for", "your birthday", "--today", "2025-06-04")
    assert result.exit_code == 0, result.output
    (message,) = _outbox(workspace)
    assert message["Subject"] == "Happy birthday, Janie"
    body = message.get_content()
    assert body.startswith("Hi Janie,\n\nHappy birthday!") and "deserved" not in body
    drafted = run_cli("congrats", "bob", "--for", "your birthday", "--today", "2025-06-04")
    assert drafted.exit_code == 0, drafted.output
    assert "Hi Bob, happy birthday!" in drafted.output


def test_send_by_email_records_the_touch_once(workspace, add_contacts, run_cli, smtp_server):
    _people(add_contacts)
    args = ("congrats", "Jane Doe", "--for", "the new role", "--send", "--today", "2025-06-04")
    result = run_cli(*args)
    assert result.exit_code == 0, result.output
    assert "touch recorded for Jane Doe (email)" in result.output
    # [email] names the server, so the message went out over SMTP, to Jane only.
    (received,) = smtp_server.received
    assert received.recipients == ["jane@example.com"]
    assert received.message["Subject"] == "Congratulations on the new role"
    (touch,) = _touches(workspace, "jane")
    assert (touch.day, touch.via, touch.campaign) == (TODAY, "email", CAMPAIGN_NAME)
    with workspace.open_journal() as journal:
        (delivery,) = journal.deliveries(CAMPAIGN_NAME)
    assert delivery.status == SENT and delivery.key.contact_uid == "jane"
    # Asked again the same day for the same occasion: nothing goes out twice.
    again = run_cli(*args)
    assert again.exit_code == 0, again.output
    assert "already went out today (email); nothing sent again" in again.output
    assert len(smtp_server.received) == 1
    assert len(_touches(workspace, "jane")) == 1
    # The touch restarts Jane's clock in the plan.
    rows = json.loads(run_cli("plan", "--json", "--today", "2025-06-05").stdout)
    assert "jane" not in {r["uid"] for r in rows}


def test_linkedin_draft_with_send_records_the_touch(workspace, add_contacts, run_cli) -> None:
    _people(add_contacts)
    args = ("congrats", "bob", "--for", "the launch", "--send", "--today", "2025-06-04")
    result = run_cli(*args)  # auto: Bob has no email address, so a LinkedIn draft
    assert result.exit_code == 0, result.output
    with (workspace.out_dir(CAMPAIGN_NAME) / "linkedin.csv").open(encoding="utf-8") as handle:
        (row,) = list(csv.DictReader(handle))
    assert row["uid"] == "bob" and row["profile_url"] == "https://www.linkedin.com/in/bob-smith"
    assert row["text"].startswith("Hi Bob, I just saw the news: congratulations on the launch!")
    assert int(row["chars"]) == len(row["text"]) < 300
    (touch,) = _touches(workspace, "bob")
    assert (touch.day, touch.via, touch.note) == (
        TODAY,
        "linkedin",
        "congratulations on the launch",
    )
    with workspace.open_journal() as journal:
        (delivery,) = journal.deliveries(CAMPAIGN_NAME)
    assert delivery.status == DRAFTED
    assert run_cli(*args).exit_code == 0
    assert len(_touches(workspace, "bob")) == 1  # drafted again, but one touch


def test_via_linkedin_for_someone_with_email(workspace, add_contacts) -> None:
    _people(add_contacts)
    result = congratulate(workspace, "jane", "your promotion", via="linkedin", today=TODAY)
    assert result.channel == "linkedin" and result.status == "dry-run" and not result.touched
    assert "congratulations on your promotion" in result.preview
    assert _outbox(workspace) == []


def test_no_email_address_is_a_clear_error(workspace, add_contacts, run_cli) -> None:
    _people(add_contacts)
    result = run_cli("congrats", "bob", "--for", "the launch", "--via", "email")
    assert result.exit_code == 2
    assert "Bob Smith: cannot congratulate by email: email: no email address" in result.output
    assert "(try --via linkedin)" in result.output
    assert _outbox(workspace) == [] and _touches(workspace, "bob") == []


def test_the_occasion_is_text_not_a_template(workspace, add_contacts) -> None:
    _people(add_contacts)
    result = congratulate(workspace, "jane", "{{ 7 * 7 }} {% raw %}", today=TODAY)
    (message,) = _outbox(workspace)
    assert message["Subject"] == "Congratulations on {{ 7 * 7 }} {% raw %}"
    assert "49" not in result.preview


@pytest.mark.parametrize(
    ("occasion", "message"),
    [
        ("the new role\nBcc: everyone@example.com", "must be one line"),
        ("   ", "--for is empty"),
        ("x" * 121, "keep it under 120"),
    ],
)
def test_bad_occasions(workspace, add_contacts, run_cli, occasion, message) -> None:
    _people(add_contacts)
    result = run_cli("congrats", "jane", "--for", occasion)
    assert result.exit_code == 2 and message in result.output
    assert not workspace.out_dir(CAMPAIGN_NAME).exists()
    with pytest.raises(InputError, match=message.replace("(", r"\(")):
        check_occasion(occasion)


def test_the_workspace_template_overrides_the_wording(workspace, add_contacts) -> None:
    _people(add_contacts)
    override = workspace.templates_dir / "email" / "congrats.txt.j2"
    override.parent.mkdir(parents=True)
    override.write_text("Bravo {{ greeting }} for {{ vars.occasion }}!\n", encoding="utf-8")
    result = congratulate(workspace, "jane", "the new role", today=TODAY)
    assert result.preview.endswith("Bravo Janie for the new role!\n")


def test_an_unknown_contact(workspace, add_contacts, run_cli) -> None:
    _people(add_contacts)
    result = run_cli("congrats", "nobody@example.com", "--for", "the new role")
    assert result.exit_code == 2 and "no contact matches 'nobody@example.com'" in result.output


def test_a_sending_limit_holding_the_note_back_exits_3(workspace, add_contacts, run_cli) -> None:
    _people(add_contacts)
    add_contacts(make_contact("ann", "Ann", "Lee", email="ann@example.org"))
    recorder = Recorder()
    with aiosmtpd_server(recorder) as port:
        email_settings(workspace.root, port=port, per_day=1)
        first = run_cli("congrats", "Jane Doe", "--for", "the new role", "--send")
        assert first.exit_code == 0, first.output
        held = run_cli("congrats", "Ann Lee", "--for", "the new role", "--send")
    assert held.exit_code == 3, held.output
    assert "1 not delivered in this run" in held.output
    assert "touch recorded" not in held.output
    assert [r.recipients for r in recorder.received] == [["jane@example.com"]]


def test_a_congratulation_waits_for_another_sending_run(
    workspace, add_contacts, run_cli, smtp_server
) -> None:
    import subprocess
    import sys

    _people(add_contacts)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from pathlib import Path\n"
            "from outreach.locks import hold\n"
            "with hold(Path(sys.argv[1]), what='the send lock'):\n"
            "    print('held', flush=True)\n"
            "    sys.stdin.readline()\n",
            str(workspace.lock_dir / "send.lock"),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        args = ("congrats", "Jane Doe", "--for", "the new role", "--send")
        busy = run_cli(*args, "--no-wait")
        assert busy.exit_code == 2, busy.output
        assert f"held by process {holder.pid}" in busy.output
        assert smtp_server.received == []
        # Waiting, it says for whom; it goes on once the other run has ended.
        import threading

        threading.Timer(1.0, lambda: holder.communicate("done\n")).start()
        waited = run_cli(*args)
    finally:
        if holder.poll() is None and not holder.stdin.closed:
            holder.kill()
        holder.wait(timeout=30)
    assert waited.exit_code == 0, waited.output
    assert f"waiting: process {holder.pid} " in waited.output
    assert len(smtp_server.received) == 1
