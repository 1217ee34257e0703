"""The email channel against Postfix's smtp-sink, and a sending run killed with SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import make_contact
from smtp_servers import (
    Recorder,
    aiosmtpd_server,
    campaign_file,
    dumped,
    email_settings,
    send,
    smtp_sink,
    smtp_sink_dump,
)

from outreach.engine import RunResult
from outreach.workspace import Workspace


@pytest.fixture
def two(add_contacts):  # noqa: ANN001, ANN201
    return add_contacts(
        make_contact("u1", "Ann", "Lee", email="ann@example.org"),
        make_contact("u2", "Bo", "Chen", email="bo@example.net"),
    )


def errors(result: RunResult) -> dict[str, tuple[str, str]]:
    return {i.contact.uid: (o.status, o.error or "") for i, o in result.failures}


def test_sink_receives_each_message_once_with_bcc_in_the_envelope(
    workspace: Workspace,
    two,
    tmp_path: Path,  # noqa: ANN001
) -> None:
    with smtp_sink_dump() as (port, dump):
        email_settings(workspace.root, port=port)
        result = send(workspace, campaign_file(tmp_path, bcc=["me@example.com"]))
        files = dumped(dump)
    assert result.ok and result.counts[("email", "sent")] == 2
    assert len(files) == 2
    for data in files:
        assert b"X-Rcpt-Args: <me@example.com>" in data
        assert b"\nBcc:" not in data and b"Subject: Hello " in data


@pytest.mark.parametrize(
    ("options", "status", "reply", "attempts"),
    [
        (("-r", "mail"), "failed", "450 4.3.0 Error: command failed (at MAIL FROM)", 3),
        (("-f", "mail"), "failed", "500 5.3.0 Error: command failed (at MAIL FROM)", 1),
        (("-r", "data"), "failed", "450 4.3.0 Error: command failed (at DATA)", 3),
        (("-f", "data"), "failed", "500 5.3.0 Error: command failed (at DATA)", 1),
        (("-q", "mail"), "failed", "connection lost", 3),
        (("-q", "data"), "failed", "connection lost", 3),
        (("-r", "rcpt"), "failed", "450 4.3.0 Error: command failed", 3),
        (("-f", "rcpt"), "failed", "500 5.3.0 Error: command failed", 1),
        (("-f", "."), "failed", "500 5.3.0 Error: command failed (at end of data)", 1),
        (("-r", "."), "failed", "450 4.3.0 Error: command failed (at end of data)", 3),
        (("-Q", "mail"), "failed", "421", 3),
        (("-q", "rcpt"), "failed", "connection lost", 3),
        (("-q", "."), "unknown", "may or may not have arrived", 1),
    ],
)
def test_faults_injected_by_smtp_sink(
    workspace: Workspace,
    two,  # noqa: ANN001
    tmp_path: Path,
    options: tuple[str, str],
    status: str,
    reply: str,
    attempts: int,
) -> None:
    with smtp_sink(*options) as port:
        email_settings(workspace.root, port=port, retries=3, pool_size=2)
        result = send(workspace, campaign_file(tmp_path))
    outcomes = errors(result)
    assert set(outcomes) == {"u1", "u2"}, (result.counts, result.channel_errors)
    for got_status, text in outcomes.values():
        assert got_status == status
        assert reply in text
    with Workspace.load(workspace.root).open_journal() as journal:
        rows = journal.deliveries()
    assert {d.status for d in rows} == {status}
    if status == "failed":
        assert all(d.last_error and reply in d.last_error for d in rows)
    assert result.ok is False and not result.channel_errors


def test_timeout_after_the_final_dot_is_unknown(
    workspace: Workspace,
    two,
    tmp_path: Path,  # noqa: ANN001
) -> None:
    with smtp_sink("-W", ".:2") as port:
        email_settings(workspace.root, port=port, data_timeout=0.3)
        result = send(workspace, campaign_file(tmp_path))
    assert {s for s, _ in errors(result).values()} == {"unknown"}


def test_retry_failed_sends_them_once_the_server_accepts(
    workspace: Workspace,
    two,
    tmp_path: Path,
    run_cli,  # noqa: ANN001
) -> None:
    path = campaign_file(tmp_path)
    with smtp_sink("-f", "rcpt") as port:
        email_settings(workspace.root, port=port)
        first = run_cli("campaign", "run", str(path), "--send")
    assert first.exit_code == 1 and "500 5.3.0" in first.output
    status = run_cli("campaign", "status", str(path))
    assert status.output.count("500 5.3.0 Error: command failed") == 2
    config = workspace.config_path.read_text()
    with smtp_sink_dump() as (port2, dump):
        workspace.config_path.write_text(config.replace(f"port = {port}", f"port = {port2}"))
        again = run_cli("campaign", "run", str(path), "--send")
        assert "2 already settled" in again.output and not dumped(dump)
        retried = run_cli("campaign", "run", str(path), "--send", "--retry-failed")
        files = dumped(dump)
    assert retried.exit_code == 0, retried.output
    assert "email: 2 sent" in retried.output
    assert len(files) == 2


def test_server_down_stops_the_run_without_failing_anyone(
    workspace: Workspace,
    two,
    tmp_path: Path,  # noqa: ANN001
) -> None:
    from smtp_servers import free_port

    email_settings(workspace.root, port=free_port(), retries=2)
    result = send(workspace, campaign_file(tmp_path))
    assert result.channel_errors and "cannot reach the server" in result.channel_errors[0]
    assert len(result.not_finished) == 2 and not result.failures


def test_a_killed_run_resumes_without_duplicates_or_losses(
    workspace: Workspace,
    add_contacts,
    tmp_path: Path,  # noqa: ANN001
) -> None:
    count = 200
    add_contacts(
        *(make_contact(f"c{i:03d}", f"P{i}", "Q", email=f"p{i}@example.org") for i in range(count))
    )
    recorder = Recorder(delay=0.01)
    program = Path(sys.executable).with_name("outreach")
    path = campaign_file(tmp_path)
    env = {k: v for k, v in os.environ.items() if k != "OUTREACH_HOME"}
    with aiosmtpd_server(recorder) as port:
        email_settings(workspace.root, port=port)
        argv = [str(program), "--home", str(workspace.root), "campaign", "run", str(path), "--send"]
        process = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while len(recorder.received) < 40 and time.monotonic() < deadline:
            time.sleep(0.005)
        process.send_signal(signal.SIGKILL)
        process.wait()
        assert process.returncode == -signal.SIGKILL
        killed_at = len(recorder.received)
        assert 40 <= killed_at < count
        resumed = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120)
    got: dict[str, int] = {}
    for message in recorder.received:
        got[message.recipients[0]] = got.get(message.recipients[0], 0) + 1
    assert max(got.values()) == 1, "a message was delivered twice"
    with Workspace.load(workspace.root).open_journal() as journal:
        rows = {d.key.contact_uid: d for d in journal.deliveries()}
    unknown = [uid for uid, d in rows.items() if d.status == "unknown"]
    assert len(unknown) <= 4, unknown  # at most one in flight per connection
    assert "was being sent when an earlier run stopped" in resumed.stdout
    for i in range(count):
        address, uid = f"p{i}@example.org", f"c{i:03d}"
        if rows[uid].status == "sent":
            assert got.get(address) == 1, f"{uid} recorded sent but not received"
        else:
            assert rows[uid].status == "unknown"
    assert len(got) >= count - len(unknown)
