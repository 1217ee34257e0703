"""``outreach mail sync imap`` against a real Dovecot: the whole loop, a changed UIDVALIDITY,
a dropped connection, and a mailbox left exactly as it was."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from dovecot import HANGUP, Dovecot
from mail_scenario import people as scenario_people
from mail_scenario import run_scenario, smtp_server
from mailboxes import ME, message
from smtp_servers import Recorder, append_table

from outreach.workspace import Workspace


@pytest.fixture
def people(add_contacts):  # noqa: ANN001, ANN201
    return add_contacts(*scenario_people())


@pytest.fixture
def smtp(workspace: Workspace) -> Iterator[Recorder]:
    with smtp_server(workspace) as recorder:
        yield recorder


def imap_account(
    workspace: Workspace,
    dovecot: Dovecot,
    monkeypatch: pytest.MonkeyPatch,
    *,
    folders: list[str],
    sent: str,
    security: str = "tls",
    ca_file: str | None = None,
) -> None:
    """Point the workspace's [imap] at the test user's folders on Dovecot (``ca_file``: a path
    relative to the workspace to copy the server's certificate to and name)."""
    port = dovecot.tls_port if security == "tls" else dovecot.starttls_port
    cert = str(dovecot.cert)
    if ca_file is not None:
        (workspace.root / ca_file).parent.mkdir(parents=True, exist_ok=True)
        (workspace.root / ca_file).write_bytes(dovecot.cert.read_bytes())
        cert = ca_file
    settings = {"host": "127.0.0.1", "port": port, "security": security}
    settings |= {"username": dovecot.user, "ca_file": cert, "folders": folders, "sent_folder": sent}
    append_table(workspace.root, "imap", settings)
    monkeypatch.setenv("OUTREACH_IMAP_PASSWORD", dovecot.password)


@pytest.mark.parametrize("security", ["tls", "starttls"])
def test_the_whole_loop_through_imap(
    workspace: Workspace,
    people,
    smtp: Recorder,
    run_cli: Callable[..., Result],
    tmp_path: Path,
    dovecot: Dovecot,
    monkeypatch: pytest.MonkeyPatch,
    security: str,
) -> None:
    inbox = dovecot.new_folder("inbox")
    sent = dovecot.new_folder("sent")
    imap_account(workspace, dovecot, monkeypatch, folders=[inbox], sent=sent, security=security)

    def into_dovecot(received: list[bytes], mine: list[bytes]) -> list[str]:
        dovecot.append(inbox, received)
        dovecot.append(sent, mine)
        return ["imap"]

    run_scenario(workspace, smtp, run_cli, tmp_path, into_dovecot)
    # Read with EXAMINE and BODY.PEEK only: not even the bounce whose body was read is \Seen.
    flags = dovecot.flags(inbox)
    assert len(flags) == 4 and all(f in ("", "\\Recent") for f in flags.values()), flags


def _notes(workspace: Workspace, uid: str) -> list[str]:
    with workspace.open_journal() as journal:
        return sorted(t.note for t in journal.touches(uid))


def test_a_changed_uidvalidity_reads_again_without_double_touches(
    workspace: Workspace,
    people,
    run_cli: Callable[..., Result],
    dovecot: Dovecot,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    inbox = dovecot.new_folder("uv")
    sent = dovecot.new_folder("uvsent")
    # A relative ca_file is the workspace's, wherever the command runs from.
    imap_account(
        workspace, dovecot, monkeypatch, folders=[inbox], sent=sent, ca_file="certs/ca.pem"
    )
    monkeypatch.chdir(workspace.root.parent)
    start = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
    mail = [
        message("Emma Schulz <emma@example.de>", ME, f"Week {n}", start + timedelta(days=7 * n))
        for n in range(5)
    ]
    dovecot.append(inbox, mail)
    assert run_cli("mail", "sync", "imap").exit_code == 0
    # The folder is rebuilt (a server migration): same mail, new UIDVALIDITY, one more message.
    dovecot.recreate(inbox)
    dovecot.append(inbox, [*mail, message("emma@example.de", ME, "Week 5", start + timedelta(35))])
    again = run_cli("mail", "sync", "imap")
    assert again.exit_code == 0, again.output
    assert "6 new to read, 1 counted" in again.output
    assert _notes(workspace, "u-e") == [f"Week {n}" for n in range(6)]


def test_token_command_runs_in_the_workspace_and_ca_file_may_start_with_a_tilde(
    workspace: Workspace,
    people,
    run_cli: Callable[..., Result],
    dovecot: Dovecot,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    inbox = dovecot.new_folder("tok")
    sent = dovecot.new_folder("toksent")
    home = tmp_path / "home"
    home.mkdir()
    (home / "ca.pem").write_bytes(dovecot.cert.read_bytes())
    monkeypatch.setenv("HOME", str(home))
    # The helper reads a file beside outreach.toml, as a script kept in the workspace would.
    (workspace.root / "token.txt").write_text(dovecot.oauth_token + "\n")
    settings = {"host": "127.0.0.1", "port": dovecot.tls_port, "security": "tls"}
    settings |= {"username": dovecot.user, "ca_file": "~/ca.pem", "token_command": "cat token.txt"}
    append_table(workspace.root, "imap", settings | {"folders": [inbox], "sent_folder": sent})
    monkeypatch.delenv("OUTREACH_IMAP_PASSWORD", raising=False)
    dovecot.append(inbox, [message("emma@example.de", ME, "By token", datetime(2026, 5, 4, 9))])
    monkeypatch.chdir(tmp_path)
    result = run_cli("mail", "sync", "imap")
    assert result.exit_code == 0, result.output
    assert _notes(workspace, "u-e") == ["By token"]


def test_a_connection_dropped_mid_sync_resumes_where_it_stopped(
    workspace: Workspace,
    people,
    run_cli: Callable[..., Result],
    dovecot: Dovecot,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import outreach.mailsources as sources
    from outreach import mailsync

    inbox = dovecot.new_folder("drop")
    sent = dovecot.new_folder("dropsent")
    imap_account(workspace, dovecot, monkeypatch, folders=[inbox], sent=sent)
    start = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
    dovecot.append(
        inbox,
        [
            message("Emma <emma@example.de>", ME, f"Note {n:04d}", start + timedelta(hours=n))
            for n in range(1200)
        ],
    )
    monkeypatch.setattr(sources, "BATCH", 100)
    real = mailsync._Syncer.process
    batches: list[int] = []

    def cut_after_the_fourth(self: Any, messages: Any) -> None:
        real(self, messages)
        batches.append(len(messages))
        if len(batches) == 4:
            assert dovecot.drop_connections() >= 1

    monkeypatch.setattr(mailsync._Syncer, "process", cut_after_the_fourth)
    stopped = run_cli("mail", "sync", "imap")
    # Stopped early with work left: exit status 3, one line naming the server, no password.
    assert stopped.exit_code == 3, stopped.output
    assert "connection lost" in stopped.output and dovecot.password not in stopped.output
    counted = len(_notes(workspace, "u-e"))
    assert counted >= 400 and counted < 1200
    monkeypatch.setattr(mailsync._Syncer, "process", real)
    resumed = run_cli("mail", "sync", "imap")
    assert resumed.exit_code == 0, resumed.output
    assert f"{1200 - counted} new to read" in resumed.output
    assert _notes(workspace, "u-e") == [f"Note {n:04d}" for n in range(1200)]


def test_login_without_tls_is_refused(
    workspace: Workspace,
    people,
    run_cli: Callable[..., Result],
    dovecot_plaintext: Dovecot,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    imap_account(
        workspace,
        dovecot_plaintext,
        monkeypatch,
        folders=["INBOX"],
        sent="Sent",
        security="starttls",
    )
    logins = dovecot_plaintext.log.count("Login: user=<alex>")
    hangups = dovecot_plaintext.log_count(HANGUP)
    result = run_cli("mail", "sync", "imap")
    assert result.exit_code == 2, result.output
    assert "does not offer STARTTLS" in result.output
    assert dovecot_plaintext.password not in result.output
    log = dovecot_plaintext.wait_for_log(HANGUP, times=hangups + 1)
    assert log.count("Login: user=<alex>") == logins  # hung up without logging in
    assert not workspace.journal_path.exists() or not journal_rows(workspace)


def journal_rows(workspace: Workspace) -> list[Any]:
    with workspace.open_journal() as journal:
        return journal.db.execute("SELECT * FROM mail_seen").fetchall()


@pytest.mark.slow
def test_five_thousand_messages_sync_in_memory_that_does_not_grow_with_them(
    workspace: Workspace,
    people,
    run_cli: Callable[..., Result],
    dovecot: Dovecot,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import tracemalloc

    from dovecot import make_message

    inbox = dovecot.new_folder("big")
    sent = dovecot.new_folder("bigsent")
    imap_account(workspace, dovecot, monkeypatch, folders=[inbox], sent=sent)
    # Mail from strangers, with one in fifty from Emma.
    mail = [
        make_message(n, sender="Emma <emma@example.de>" if n % 50 == 0 else None)
        for n in range(5000)
    ]
    peaks = []
    for chunk in (mail[:1000], mail[1000:]):
        dovecot.append(inbox, chunk)
        tracemalloc.start()
        result = run_cli("mail", "sync", "imap")
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
        assert result.exit_code == 0, result.output
    assert "4000 new to read, 4000 counted" in result.output
    assert len(_notes(workspace, "u-e")) == 100
    # Four times the messages, about the same memory: a batch at a time, never the folder.
    assert peaks[1] < 1.5 * peaks[0], peaks


def test_the_progress_of_an_imap_sync_knows_how_many_messages_there_are(
    workspace: Workspace, people, dovecot: Dovecot, monkeypatch: pytest.MonkeyPatch
) -> None:
    import io
    from datetime import date

    from outreach import progress
    from outreach.mailimap import imap_source
    from outreach.mailsync import sync

    inbox = dovecot.new_folder("prog")
    sent = dovecot.new_folder("progsent")
    imap_account(workspace, dovecot, monkeypatch, folders=[inbox], sent=sent)
    start = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
    mail = [message("emma@example.de", ME, f"N {n}", start + timedelta(days=n)) for n in range(4)]
    dovecot.append(inbox, mail[:3])
    dovecot.append(sent, [message(ME, "emma@example.de", "Mine", start)])
    workspace = Workspace.load(workspace.root)  # with the [imap] table just written
    stream = io.StringIO()
    progress.enable(stream=stream, interval=0)
    try:
        for expected in ("4/4 (100%)", "1/1 (100%)"):
            with workspace.open_journal() as journal:
                sync(
                    [imap_source(workspace)],
                    book=workspace.open_book(),
                    journal=journal,
                    me=[ME],
                    today=date(2026, 6, 1),
                )
            assert f"reading mail: {expected}" in stream.getvalue(), stream.getvalue()
            # The next sync has only what came since to read.
            dovecot.append(inbox, mail[3:])
    finally:
        progress.enable(False)
