"""Progress of long jobs, as a person sees it: a bar in a terminal, lines in a log.

The command-line tests run ``outreach`` in a child process whose stderr is a pseudo-terminal
(pty) or a pipe, on a rate-limited send to aiosmtpd on 127.0.0.1: the journal's send log says
two messages went just under a minute ago, so with ``per_minute = 2`` each of the two new
messages must wait a moment, and the wait is shown as the next permitted send time.
"""

from __future__ import annotations

import io
import os
import pty
import re
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import make_contact
from smtp_servers import Recorder, aiosmtpd_server, campaign_file, email_settings

from outreach import progress
from outreach.workspace import Workspace

CLI = [sys.executable, "-c", "from outreach.cli import main; main()"]


@pytest.fixture(autouse=True)
def _progress_off() -> None:
    yield
    progress.enable(False)


def test_a_log_gets_a_line_every_interval_and_where_it_ended() -> None:
    stream = io.StringIO()
    progress.enable(stream=stream, interval=0.2)
    with progress.progress("drawing PDFs", 6) as bar:
        for _ in range(6):
            time.sleep(0.1)
            bar.advance()
    lines = stream.getvalue().splitlines()
    assert 2 <= len(lines) <= 5, lines
    assert all(re.fullmatch(r"drawing PDFs: \d/6 \(\d+%\)(, done in \d+ s)?", ln) for ln in lines)
    assert lines[-1].startswith("drawing PDFs: 6/6 (100%), done in ")


def test_a_short_job_and_a_quiet_program_write_nothing() -> None:
    stream = io.StringIO()
    progress.enable(stream=stream, interval=5)
    with progress.progress("rendering", 1000) as bar:
        bar.advance(1000)
    progress.enable(False)
    with progress.progress("rendering", 3) as bar:
        time.sleep(0.05)
        bar.advance(3)
    assert stream.getvalue() == ""


def test_inner_code_reaches_the_bar_of_the_job_it_runs_in() -> None:
    stream = io.StringIO()
    progress.enable(stream=stream, interval=0.0)
    assert progress.current().label == ""  # outside any job: shows nothing
    with progress.progress("sending", 2) as bar:
        assert progress.current() is bar
        progress.current().waiting_until(time.time() + 30)
    assert re.search(r"sending: 0/2 \(0%\), next send at \d\d:\d\d:\d\d", stream.getvalue())


@pytest.fixture
def rate_limited(workspace: Workspace, add_contacts, tmp_path: Path):  # noqa: ANN001, ANN201
    """A workspace whose next two messages must wait for the per-minute limit."""
    add_contacts(
        make_contact("u1", "Ann", "Lee", email="ann@example.org"),
        make_contact("u2", "Bo", "Chen", email="bo@example.net"),
    )
    recorder = Recorder()
    with aiosmtpd_server(recorder) as port:
        email_settings(workspace.root, port=port, per_minute=2)
        now = time.time()
        with workspace.open_journal() as journal, journal.transaction():
            journal.log_send("email", "example.com", now - 56.0)
            journal.log_send("email", "example.com", now - 55.5)
        yield workspace, campaign_file(tmp_path), recorder


def _env() -> dict[str, str]:
    return {**os.environ, "OUTREACH_PROGRESS_INTERVAL": "0.3", "COLUMNS": "120"}


def test_in_a_terminal_a_bar_shows_the_send_and_when_the_next_may_go(rate_limited) -> None:  # noqa: ANN001
    workspace, campaign, recorder = rate_limited
    main, child = pty.openpty()
    process = subprocess.Popen(
        [*CLI, "--home", str(workspace.root), "campaign", "run", str(campaign), "--send"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=child,
        env=_env(),
    )
    os.close(child)
    screen = b""
    while True:
        ready, _, _ = select.select([main], [], [], 30)
        if not ready:
            break
        try:
            chunk = os.read(main, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        screen += chunk
    os.close(main)
    out, _ = process.communicate(timeout=30)
    assert process.returncode == 0, (out, screen)
    assert len(recorder.received) == 2
    text = screen.decode("utf-8", "replace")
    # click redraws the bar in place with carriage returns.
    frames = [f for f in re.split(r"[\r\n]", text) if "sending" in f]
    assert any(
        re.search(r"sending\s+\[[#-]+\]\s+[01]/2.*next send at \d\d:\d\d:\d\d", f) for f in frames
    )
    assert any(re.search(r"sending\s+\[#+\]\s+2/2", f) for f in frames), frames
    assert b"email: 2 sent" in out


def test_in_a_log_plain_lines_show_it(rate_limited) -> None:  # noqa: ANN001
    workspace, campaign, recorder = rate_limited
    run = [*CLI, "--home", str(workspace.root), "campaign", "run", str(campaign)]
    dry = subprocess.run(run, capture_output=True, text=True, timeout=60)
    assert dry.returncode == 0 and dry.stderr == ""  # quick jobs stay silent in a log
    sent = subprocess.run([*run, "--send"], capture_output=True, text=True, env=_env(), timeout=60)
    assert sent.returncode == 0, sent.stderr
    assert len(recorder.received) == 2
    lines = sent.stderr.splitlines()
    assert any(
        re.fullmatch(r"sending: [01]/2 \([05]+%\), next send at \d\d:\d\d:\d\d", ln) for ln in lines
    )
    assert lines[-1].startswith("sending: 2/2 (100%), done in ")
    assert "\r" not in sent.stderr and "\x1b" not in sent.stderr


def test_quiet_turns_progress_off(workspace: Workspace, add_contacts, tmp_path: Path) -> None:  # noqa: ANN001
    add_contacts(
        *(make_contact(f"u{n}", "Ann", f"Lee{n}", email=f"a{n}@example.org") for n in range(5))
    )
    campaign = campaign_file(tmp_path)
    env = {**os.environ, "OUTREACH_PROGRESS_INTERVAL": "0"}  # a line at every step
    run = ["--home", str(workspace.root), "campaign", "run", str(campaign)]
    loud = subprocess.run([*CLI, *run], capture_output=True, text=True, env=env, timeout=60)
    assert "rendering: 5/5 (100%)" in loud.stderr and "writing: 5/5 (100%)" in loud.stderr
    quiet = subprocess.run([*CLI, "--quiet", *run], capture_output=True, text=True, env=env)
    assert quiet.returncode == 0 and quiet.stderr == ""
    assert quiet.stdout == loud.stdout


def test_mail_sync_shows_its_progress_in_a_log_and_is_quiet_with_quiet(
    workspace: Workspace, tmp_path: Path
) -> None:
    """mail sync reports through the same progress as every other job: lines in a log,
    nothing with --quiet."""
    from datetime import UTC, datetime, timedelta

    from mailboxes import ME, maildir, message

    start = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    inbox = maildir(
        tmp_path / "INBOX",
        *(
            message(f"Person {n} <p{n}@example.org>", ME, f"Note {n}", start + timedelta(hours=n))
            for n in range(5)
        ),
    )
    env = {**os.environ, "OUTREACH_PROGRESS_INTERVAL": "0"}
    run = [*CLI, "--home", str(workspace.root)]
    loud = subprocess.run(
        [*run, "mail", "sync", str(inbox)], capture_output=True, text=True, env=env, timeout=60
    )
    assert loud.returncode == 0, loud.stderr
    assert "reading mail: 5/5 (100%)" in loud.stderr
    assert "reading mail" not in loud.stdout
    again = maildir(tmp_path / "Other", message("Bo <bo@example.org>", ME, "Hi", start))
    quiet = subprocess.run(
        [*run, "--quiet", "mail", "sync", str(again)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert quiet.returncode == 0 and quiet.stderr == "", quiet.stderr
