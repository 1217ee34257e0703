"""The email channel against aiosmtpd on 127.0.0.1: delivery semantics, security, limits."""

from __future__ import annotations

import base64
import json
import re
import ssl
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from conftest import make_contact
from smtp_servers import (
    Recorder,
    aiosmtpd_server,
    campaign_file,
    email_settings,
    self_signed,
    send,
)

from outreach.workspace import Workspace

PASSWORD = "pa55-W0rd-never-shown"


@pytest.fixture
def three(add_contacts):  # noqa: ANN001, ANN201
    return add_contacts(
        make_contact("u1", "Jörg", "Müller", email="joerg@example.de"),
        make_contact("u2", "Ann", "Lee", email="ann@example.org"),
        make_contact("u3", "Bo", "Chen", email="bo@example.net"),
    )


@pytest.fixture
def serve(workspace: Workspace) -> Iterator[Callable[..., Recorder]]:
    """``serve(recorder=None, server={...}, **settings)``: start aiosmtpd (with ``server``
    as its options) until the test ends, point the workspace's ``[email]`` at it with
    ``settings``, and return the recorder."""
    with ExitStack() as servers:

        def start(
            recorder: Recorder | None = None,
            *,
            server: dict[str, Any] | None = None,
            **settings: Any,
        ) -> Recorder:
            recorder = recorder or Recorder()
            port = servers.enter_context(aiosmtpd_server(recorder, **(server or {})))
            email_settings(workspace.root, port=port, **settings)
            return recorder

        yield start


def statuses(workspace: Workspace) -> dict[str, tuple[str, str | None, int]]:
    with workspace.open_journal() as journal:
        return {
            d.key.contact_uid: (d.status, d.last_error, d.attempts) for d in journal.deliveries()
        }


def test_sends_once_with_bcc_only_in_the_envelope(
    workspace: Workspace,
    three,
    tmp_path: Path,
    serve: Callable[..., Recorder],
) -> None:
    recorder = serve(pool_size=2, local_hostname="client.example")
    path = campaign_file(tmp_path, bcc=["me@example.com"])
    result = send(workspace, path)
    again = send(workspace, path)
    assert result.ok and result.counts[("email", "sent")] == 3
    assert again.counts == {} and len(again.plan.done) == 3
    assert len(recorder.received) == 3
    joerg = recorder.to("joerg@example.de")[0]
    assert joerg.recipients == ["joerg@example.de", "me@example.com"]
    assert b"me@example.com" not in joerg.data
    message = joerg.message
    assert message["To"].addresses[0].display_name == "Jörg Müller"
    assert message["Subject"] == "Hello Jörg"
    assert message["Message-ID"].endswith(".outreach@example.com>")
    assert "EHLO client.example" in recorder.commands
    ids = {s[0] for s in statuses(workspace).values()}
    assert ids == {"sent"}
    # Filed as a mail program files what it sent: read, in cur/, with local line endings.
    outbox = workspace.out_dir("hello") / "outbox"
    assert not list((outbox / "new").iterdir())
    assert all(p.name.endswith(":2,S") for p in (outbox / "cur").iterdir())
    assert sorted(p.read_bytes() for p in (outbox / "cur").iterdir()) == sorted(
        r.data.replace(b"\r\n", b"\n") for r in recorder.received
    )


def test_temporary_failures_are_retried_and_permanent_ones_recorded(
    workspace: Workspace,
    three,
    tmp_path: Path,
    serve: Callable[..., Recorder],
    run_cli,  # noqa: ANN001
) -> None:
    recorder = serve(
        Recorder(
            rcpt_replies={
                "joerg@example.de": ["451 4.7.1 greylisted, try later", "451 4.7.1 still"],
                "bo@example.net": ["550 5.1.1 <bo@example.net>: no such user"],
            },
            data_replies=["452 4.3.1 insufficient storage"],
        ),
        retries=4,
    )
    path = campaign_file(tmp_path)
    result = send(workspace, path)
    status = run_cli("campaign", "status", str(path), "--json")
    assert result.counts[("email", "sent")] == 2
    assert result.counts[("email", "failed")] == 1
    assert recorder.attempts.count("joerg@example.de") == 3
    assert len(recorder.to("joerg@example.de")) == 1
    rows = {r["uid"]: r for r in json.loads(status.output)}
    assert rows["u3"]["status"] == "failed"
    assert "550 5.1.1 <bo@example.net>: no such user" in rows["u3"]["error"]
    assert rows["u1"]["status"] == "sent" and rows["u1"]["error"] is None
    assert statuses(workspace)["u3"][2] == 1  # permanent: tried once


def test_retries_give_up_with_the_last_reply(
    workspace: Workspace,
    add_contacts,
    tmp_path: Path,
    serve: Callable[..., Recorder],
) -> None:
    add_contacts(make_contact("u1", "Ann", "Lee", email="ann@example.org"))
    recorder = serve(
        Recorder(rcpt_replies={"ann@example.org": ["450 4.2.0 mailbox busy"] * 10}), retries=3
    )
    result = send(workspace, campaign_file(tmp_path))
    ((item, outcome),) = result.failures
    assert outcome.status == "failed"
    assert "450 4.2.0 mailbox busy" in outcome.error and "gave up after 3 attempts" in outcome.error
    assert recorder.attempts.count("ann@example.org") == 3


def test_a_refused_copy_fails_only_that_recipient(
    workspace: Workspace,
    add_contacts,
    tmp_path: Path,
    serve: Callable[..., Recorder],
) -> None:
    add_contacts(make_contact("u1", "Ann", "Lee", email="ann@example.org"))
    recorder = serve(Recorder(rcpt_replies={"boss@example.com": ["550 5.7.1 relaying denied"]}))
    result = send(workspace, campaign_file(tmp_path, cc=["boss@example.com"]))
    assert result.counts[("email", "sent")] == 1
    assert recorder.received[0].recipients == ["ann@example.org"]
    assert any("boss@example.com" in w and "550 5.7.1" in w for w in result.warnings)


def test_a_421_hang_up_reconnects_and_carries_on(
    workspace: Workspace,
    three,
    tmp_path: Path,
    serve: Callable[..., Recorder],
) -> None:
    recorder = serve(Recorder(hangups=2), pool_size=1)
    result = send(workspace, campaign_file(tmp_path))
    assert result.ok and result.counts[("email", "sent")] == 3
    assert sorted(r.recipients[0] for r in recorder.received) == [
        "ann@example.org",
        "bo@example.net",
        "joerg@example.de",
    ]


def test_timeout_after_the_data_is_unknown_and_not_resent(
    workspace: Workspace,
    add_contacts,
    tmp_path: Path,
    serve: Callable[..., Recorder],
    run_cli,  # noqa: ANN001
) -> None:
    add_contacts(make_contact("u1", "Ann", "Lee", email="ann@example.org"))
    recorder = serve(Recorder(slow=1.5, slow_count=1), data_timeout=0.3)
    path = campaign_file(tmp_path)
    first = send(workspace, path)
    assert first.counts[("email", "unknown")] == 1
    assert "may or may not have arrived" in first.failures[0][1].error
    plain = run_cli("campaign", "run", str(path), "--send")
    assert "nothing to deliver" in plain.output
    retried = run_cli("campaign", "run", str(path), "--send", "--retry-unknown")
    assert retried.exit_code == 0, retried.output
    assert statuses(workspace)["u1"][0] == "sent"
    # Tried twice in all: the first run (timed out) and --retry-unknown; the plain run sent
    # nothing. (aiosmtpd drops a message whose client hung up before the reply.)
    assert recorder.attempts == ["ann@example.org", "ann@example.org"]
    assert len(recorder.to("ann@example.org")) == 1


def test_smtputf8_is_used_or_refused_clearly(
    workspace: Workspace,
    add_contacts,
    tmp_path: Path,
    serve: Callable[..., Recorder],
) -> None:
    add_contacts(make_contact("u1", "José", "Núñez", email="josé@example.com"))
    path = campaign_file(tmp_path)
    plain = serve(server={"enable_SMTPUTF8": False})
    result = send(workspace, path)
    assert result.counts[("email", "failed")] == 1, (result.counts, result.channel_errors)
    assert "does not support SMTPUTF8" in result.failures[0][1].error
    assert not plain.received
    capable = Recorder()
    config = workspace.config_path.read_text()
    with aiosmtpd_server(capable, enable_SMTPUTF8=True) as port:
        workspace.config_path.write_text(re.sub(r"(?m)^port = \d+$", f"port = {port}", config))
        retried = send(workspace, path, retry_failed=True)
    assert retried.ok
    (received,) = capable.received
    assert received.recipients == ["josé@example.com"]
    assert "SMTPUTF8" in received.mail_options


def _tls(tmp_path: Path) -> tuple[ssl.SSLContext, Path]:
    cert, key = self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context, cert


def _authenticator(recorder: Recorder):  # noqa: ANN202
    from aiosmtpd.smtp import AuthResult

    def check(server, session, envelope, mechanism, auth_data):  # noqa: ANN001, ANN202
        recorder.auth.append((mechanism, auth_data))
        ok = auth_data.password.decode() == PASSWORD
        return AuthResult(success=ok, handled=False)

    return check


def test_auth_is_never_sent_without_tls(
    workspace: Workspace,
    three,
    tmp_path: Path,
    serve: Callable[..., Recorder],
    monkeypatch: pytest.MonkeyPatch,
    run_cli,  # noqa: ANN001
) -> None:
    monkeypatch.setenv("OUTREACH_SMTP_PASSWORD", PASSWORD)
    recorder = Recorder()
    serve(
        recorder,
        server={"auth_require_tls": False, "authenticator": _authenticator(recorder)},
        security="starttls",
        username="me",
    )
    output = run_cli("campaign", "run", str(campaign_file(tmp_path)), "--send")
    assert output.exit_code == 1
    assert "STARTTLS" in output.output or "starttls" in output.output.lower()
    assert recorder.auth == [] and not recorder.received
    assert PASSWORD not in output.output
    assert statuses(workspace) == {}


def test_starttls_verifies_the_certificate_then_logs_in(
    workspace: Workspace,
    three,
    tmp_path: Path,
    serve: Callable[..., Recorder],
    monkeypatch: pytest.MonkeyPatch,  # noqa: ANN001
) -> None:
    monkeypatch.setenv("OUTREACH_SMTP_PASSWORD", PASSWORD)
    context, cert = _tls(tmp_path)
    recorder = Recorder()
    server = {
        "tls_context": context,
        "require_starttls": True,
        "auth_required": True,
        "authenticator": _authenticator(recorder),
    }
    serve(recorder, server=server, security="starttls", username="me")
    path = campaign_file(tmp_path)
    untrusted = send(workspace, path)
    assert "certificate" in untrusted.channel_errors[0] and "ca_file" in untrusted.channel_errors[0]
    assert recorder.auth == []
    config = workspace.config_path.read_text()
    workspace.config_path.write_text(config + f'ca_file = "{cert}"\n')
    trusted = send(workspace, path)
    assert trusted.ok and trusted.counts[("email", "sent")] == 3
    assert recorder.auth and all(a[1].login == b"me" for a in recorder.auth)


def test_implicit_tls_and_xoauth2_token_command(
    workspace: Workspace,
    three,
    tmp_path: Path,
    serve: Callable[..., Recorder],
) -> None:
    from aiosmtpd.smtp import AuthResult

    context, cert = _tls(tmp_path)
    recorder = Recorder()
    tokens: list[str] = []

    async def auth_XOAUTH2(server, args):  # noqa: ANN001, ANN202, N802
        tokens.append(base64.b64decode(args[1]).decode())
        return AuthResult(success=True)

    recorder.auth_XOAUTH2 = auth_XOAUTH2  # type: ignore[attr-defined]
    serve(
        recorder,
        server={"ssl_context": context, "auth_require_tls": False},
        security="tls",
        username="me@example.com",
        token_command=["printf", "tok-123"],
        ca_file=str(cert),
    )
    result = send(workspace, campaign_file(tmp_path))
    assert result.ok and result.counts[("email", "sent")] == 3
    assert tokens and tokens[0] == "user=me@example.com\x01auth=Bearer tok-123\x01\x01"


def test_a_server_echoing_the_password_never_shows_it(
    workspace: Workspace,
    three,
    tmp_path: Path,
    serve: Callable[..., Recorder],
    monkeypatch: pytest.MonkeyPatch,
    run_cli,  # noqa: ANN001
) -> None:
    monkeypatch.setenv("OUTREACH_SMTP_PASSWORD", PASSWORD)
    context, cert = _tls(tmp_path)
    recorder = Recorder()

    async def auth_PLAIN(server, args):  # noqa: ANN001, ANN202, N802
        decoded = base64.b64decode(args[1]).decode()
        await server.push(f"535 5.7.8 bad credentials {decoded!r} ({args[1]})")
        return AuthResult(success=False, handled=True)

    from aiosmtpd.smtp import AuthResult

    recorder.auth_PLAIN = auth_PLAIN  # type: ignore[attr-defined]
    serve(
        recorder,
        server={"tls_context": context, "require_starttls": True},
        security="starttls",
        username="me",
        ca_file=str(cert),
    )
    output = run_cli("campaign", "run", str(campaign_file(tmp_path)), "--send")
    assert output.exit_code == 1
    assert "535 5.7.8" in output.output and "refused" in output.output
    encoded = base64.b64encode(f"\0me\0{PASSWORD}".encode()).decode()
    assert PASSWORD not in output.output and encoded not in output.output
    with Workspace.load(workspace.root).open_journal() as journal:
        dump = "\n".join(journal._db.iterdump())  # noqa: SLF001 - every byte of the journal
    assert PASSWORD not in dump and encoded not in dump


def test_daily_limit_stops_cleanly_and_holds_across_runs(
    workspace: Workspace,
    three,
    tmp_path: Path,
    serve: Callable[..., Recorder],
) -> None:
    recorder = serve(per_day=2)
    path = campaign_file(tmp_path)
    first = send(workspace, path)
    second = send(workspace, path)
    assert first.counts[("email", "sent")] == 2 and len(first.not_finished) == 1
    assert any(
        "daily sending limit" in w and "run the campaign again after" in w for w in first.warnings
    )
    assert second.counts == {} and len(second.not_finished) == 1
    assert len(recorder.received) == 2


def test_the_deadline_stops_starting_new_messages(
    workspace: Workspace,
    three,
    tmp_path: Path,
    serve: Callable[..., Recorder],
) -> None:
    recorder = serve(Recorder(delay=0.3), pool_size=1, deadline=0.2)
    result = send(workspace, campaign_file(tmp_path))
    assert result.counts[("email", "sent")] == 1 and len(result.not_finished) == 2
    assert any("deadline of 0.2 s was reached" in w for w in result.warnings)
    assert len(recorder.received) == 1


def test_a_journal_failure_stops_before_any_unrecorded_message_goes_out(
    workspace: Workspace,
    three,
    tmp_path: Path,
    serve: Callable[..., Recorder],
    monkeypatch: pytest.MonkeyPatch,  # noqa: ANN001
) -> None:
    import sqlite3

    from outreach.engine import _Run

    real = _Run.sending_many
    calls: list[int] = []

    def failing_once(self: _Run, items: Any) -> None:
        calls.append(len(items))
        if len(calls) == 1:
            raise sqlite3.OperationalError("disk I/O error")
        real(self, items)

    monkeypatch.setattr(_Run, "sending_many", failing_once)
    recorder = serve(pool_size=3)
    result = send(workspace, campaign_file(tmp_path))
    assert calls  # the first commit of marks failed
    assert any("the journal cannot be written" in e for e in result.channel_errors)
    assert recorder.received == []  # no message went out without its mark
    assert len(result.not_finished) == 3


@pytest.mark.parametrize("limit", ["per_day", "per_minute", "per_domain_per_minute"])
def test_a_message_with_more_recipients_than_a_limit_fails_clearly(
    workspace: Workspace,
    add_contacts,
    tmp_path: Path,
    serve: Callable[..., Recorder],
    limit: str,  # noqa: ANN001
) -> None:
    add_contacts(make_contact("u1", "Ann", "Lee", email="ann@example.com"))
    recorder = serve(**{limit: 1})
    result = send(workspace, campaign_file(tmp_path, cc=["boss@example.com"]))
    assert not result.channel_errors and not result.not_finished
    ((_, outcome),) = result.failures
    assert outcome.status == "failed"
    assert f"2 recipients, more than {limit} = 1 allows" in outcome.error
    assert recorder.received == []
