"""MAIL, RCPT and DATA go together to a server that offers PIPELINING (RFC 2920), one by one
to one that does not; a refusal in a pipelined group never lets the message reach anyone."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from conftest import make_contact
from relay import Relay
from smtp_servers import (
    Recorder,
    aiosmtpd_server,
    campaign_file,
    email_settings,
    send,
    smtp_sink,
    stop_accepting,
)

from outreach.engine import RunResult
from outreach.workspace import Workspace


def _two(add_contacts):  # noqa: ANN001, ANN202
    return add_contacts(
        make_contact("u1", "Ann", "Lee", email="ann@example.org"),
        make_contact("u2", "Bo", "Chen", email="bo@example.net"),
    )


def _groups(chunks: list[bytes]) -> list[bytes]:
    """The client's writes that began a transaction."""
    return [c for c in chunks if c.startswith(b"MAIL FROM:")]


def _send_through_relay(
    workspace: Workspace, campaign: Path, port: int, **settings: object
) -> tuple[RunResult, list[bytes]]:
    """Send ``campaign`` to the server on ``port`` through a relay: the result, and what the
    client wrote, read by read."""
    relay = Relay(port)
    try:
        email_settings(workspace.root, port=relay.port, pool_size=1, **settings)
        return send(workspace, campaign), relay.chunks
    finally:
        relay.close()


def test_a_server_offering_pipelining_gets_mail_rcpt_and_data_in_one_write(
    workspace: Workspace, add_contacts, tmp_path: Path  # noqa: ANN001
) -> None:
    _two(add_contacts)
    with smtp_sink() as port:
        result, chunks = _send_through_relay(workspace, campaign_file(tmp_path), port)
    assert result.ok and result.counts[("email", "sent")] == 2
    groups = _groups(chunks)
    assert len(groups) == 2
    for group in groups:
        lines = group.split(b"\r\n")
        assert lines[0].startswith(b"MAIL FROM:<alex@example.com>")
        assert lines[1].startswith(b"RCPT TO:<") and lines[2] == b"DATA", group


def test_a_server_without_pipelining_gets_one_command_at_a_time(
    workspace: Workspace, add_contacts, tmp_path: Path  # noqa: ANN001
) -> None:
    _two(add_contacts)
    recorder = Recorder()
    with aiosmtpd_server(recorder) as port:
        result, chunks = _send_through_relay(workspace, campaign_file(tmp_path), port)
    assert result.ok and len(recorder.received) == 2
    groups = _groups(chunks)
    assert len(groups) == 2
    assert all(group.count(b"\r\n") == 1 for group in groups), groups


def test_a_refused_contact_in_a_pipelined_group_gets_nothing_sent_to_the_copies(
    workspace: Workspace, add_contacts, tmp_path: Path  # noqa: ANN001
) -> None:
    # The contact's RCPT is refused but the Bcc's accepted, so the server answers DATA with
    # 354 and waits for a message: it must get none (the connection is dropped instead).
    _two(add_contacts)
    recorder = Recorder(
        pipelining=True, rcpt_replies={"ann@example.org": ["550 5.1.1 no such user"]}
    )
    with aiosmtpd_server(recorder) as port:
        campaign = campaign_file(tmp_path, bcc=["me@example.com"])
        result, chunks = _send_through_relay(workspace, campaign, port, timeout=10)
    failures = {i.contact.uid: (o.status, o.error) for i, o in result.failures}
    assert failures == {"u1": ("failed", "550 5.1.1 no such user (at RCPT TO:<ann@example.org>)")}
    assert [r.recipients for r in recorder.received] == [["bo@example.net", "me@example.com"]]
    # Nothing was written into the open DATA: not even an RSET, which the server would take
    # as the first line of a message.
    refused_group = next(i for i, c in enumerate(chunks) if b"<ann@example.org>" in c)
    assert not chunks[refused_group + 1].startswith(b"RSET")


def test_a_refused_copy_in_a_pipelined_group_only_drops_that_copy(
    workspace: Workspace, add_contacts, tmp_path: Path  # noqa: ANN001
) -> None:
    _two(add_contacts)
    recorder = Recorder(
        pipelining=True, rcpt_replies={"me@example.com": ["550 5.1.1 no such user"] * 2}
    )
    with aiosmtpd_server(recorder) as port:
        email_settings(workspace.root, port=port, pool_size=1)
        result = send(workspace, campaign_file(tmp_path, bcc=["me@example.com"]))
    assert result.ok and result.counts[("email", "sent")] == 2
    assert sorted(r.recipients[0] for r in recorder.received) == [
        "ann@example.org",
        "bo@example.net",
    ]
    assert all(r.recipients == r.recipients[:1] for r in recorder.received)
    assert sum("the copy to me@example.com was refused" in w for w in result.warnings) == 2


@contextmanager
def _scripted_server(
    replies: dict[bytes, bytes], delivered: list[bytes] | None = None
) -> Iterator[int]:
    """A server that greets, answers EHLO with PIPELINING, then answers each command by its
    first word from ``replies`` (``b"."`` for the end of a message), one line read at a
    time: a server that misbehaves. After a reply starting with 354 it reads a message up to
    the lone dot, and adds it to ``delivered`` when it answers that with a 250."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = int(listener.getsockname()[1])

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            # A client that hangs up on a bad reply leaves the rest unsent: that connection
            # is over, the next one is served.
            with contextlib.suppress(OSError), conn, conn.makefile("rb") as lines:
                conn.sendall(b"220 scripted ESMTP\r\n")
                message: list[bytes] | None = None
                for line in lines:
                    if message is not None:
                        if line != b".\r\n":
                            message.append(line)
                            continue
                        answer = replies.get(b".", b"250 queued\r\n")
                        if answer.startswith(b"250") and delivered is not None:
                            delivered.append(b"".join(message))
                        message = None
                        conn.sendall(answer)
                        continue
                    word = line.split(b" ", 1)[0].strip().upper()
                    if word == b"EHLO":
                        conn.sendall(b"250-scripted\r\n250 PIPELINING\r\n")
                    elif word == b"QUIT":
                        conn.sendall(b"221 bye\r\n")
                        break
                    else:
                        answer = replies.get(word, b"250 ok\r\n")
                        conn.sendall(answer)
                        if answer.startswith(b"354"):
                            message = []

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield port
    finally:
        stop_accepting(listener, thread)


def test_multi_line_replies_are_read_whole(
    workspace: Workspace, add_contacts, tmp_path: Path  # noqa: ANN001
) -> None:
    add_contacts(make_contact("u1", "Ann", "Lee", email="ann@example.org"))
    replies = {
        b"MAIL": b"250-first line\r\n250-second line\r\n250 ok\r\n",
        b"RCPT": b"550-5.1.1 that mailbox\r\n550 5.1.1 does not exist\r\n",
        b"DATA": b"554 no valid recipients\r\n",
    }
    with _scripted_server(replies) as port:
        email_settings(workspace.root, port=port, pool_size=1)
        result = send(workspace, campaign_file(tmp_path))
    ((_, outcome),) = result.failures
    assert outcome.status == "failed"
    assert outcome.error == (
        "550 5.1.1 that mailbox 5.1.1 does not exist (at RCPT TO:<ann@example.org>)"
    )


def test_a_server_that_stops_speaking_smtp_is_a_lost_connection(
    workspace: Workspace, add_contacts, tmp_path: Path  # noqa: ANN001
) -> None:
    add_contacts(make_contact("u1", "Ann", "Lee", email="ann@example.org"))
    with _scripted_server({b"MAIL": b"hello, I am not a mail server\r\n"}) as port:
        email_settings(workspace.root, port=port, pool_size=1, retries=2)
        result = send(workspace, campaign_file(tmp_path))
    ((_, outcome),) = result.failures
    assert outcome.status == "failed"
    assert "not an SMTP reply" in (outcome.error or ""), outcome.error
    with Workspace.load(workspace.root).open_journal() as journal:
        (row,) = journal.deliveries()
    assert row.status == "failed"


def test_a_reply_no_command_asked_for_ends_the_connection_before_anything_is_recorded(
    workspace: Workspace, add_contacts, tmp_path: Path  # noqa: ANN001
) -> None:
    # A stray "250" after the 354 would otherwise be read as the message's verdict (sent,
    # though the server then refuses it), and the refusal as the next contact's MAIL reply.
    _two(add_contacts)
    delivered: list[bytes] = []
    replies = {b"DATA": b"354 go\r\n250 extra\r\n", b".": b"554 rejected as spam\r\n"}
    with _scripted_server(replies, delivered) as port:
        email_settings(workspace.root, port=port, pool_size=1, retries=2)
        result = send(workspace, campaign_file(tmp_path))
    outcomes = {i.contact.uid: (o.status, o.error or "") for i, o in result.failures}
    assert set(outcomes) == {"u1", "u2"} and not result.counts[("email", "sent")]
    for status, error in outcomes.values():
        assert status == "failed" and "a reply no command asked for" in error, error
    assert not delivered


def test_a_duplicated_reply_is_caught_before_the_message_goes(
    workspace: Workspace, add_contacts, tmp_path: Path  # noqa: ANN001
) -> None:
    # One reply too many shifts every later one: DATA's slot gets a 250, and an RSET would
    # then be written into the server's open DATA.
    _two(add_contacts)
    delivered: list[bytes] = []
    with _scripted_server({b"MAIL": b"250 ok\r\n250 ok\r\n"}, delivered) as port:
        relay = Relay(port)
        try:
            email_settings(workspace.root, port=relay.port, pool_size=1, retries=2)
            result = send(workspace, campaign_file(tmp_path))
        finally:
            relay.close()
    outcomes = {i.contact.uid: (o.status, o.error or "") for i, o in result.failures}
    assert {status for status, _ in outcomes.values()} == {"failed"}, outcomes
    assert all("a reply no command asked for" in error for _, error in outcomes.values())
    assert not delivered
    assert not any(chunk.startswith(b"RSET") for chunk in relay.chunks)
