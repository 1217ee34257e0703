"""The IMAP reader against a real Dovecot: TLS, refusals, incremental reads, and read-only proof."""

from __future__ import annotations

import base64
import imaplib
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from dovecot import HANGUP, Dovecot, make_message
from relay import Relay

from outreach import imapsource
from outreach.errors import ConfigError, MailConnectionLost, MailSourceError
from outreach.imapsource import (
    BATCH_SIZE,
    ImapSettings,
    ImapSource,
    decode_mailbox_name,
    encode_mailbox_name,
)


def _uids(messages: list) -> list[int]:
    return [m.uid for m in messages]


def test_a_dovecot_that_cannot_start_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    import dovecot as fixture

    # Bound (not listening), so Dovecot cannot have the port and nothing answers on it.
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        ports = iter([taken.getsockname()[1], fixture.free_port()])
        monkeypatch.setattr(fixture, "free_port", lambda: next(ports))
        with pytest.raises(RuntimeError) as caught:
            fixture.start_dovecot()
    assert "dovecot exited with status" in str(caught.value)
    assert "Address already in use" in str(caught.value)


# -- settings ---------------------------------------------------------------------------------


def test_settings_from_section_fill_the_port_and_defaults() -> None:
    settings = ImapSettings.from_section(
        {"host": "imap.example.com", "security": "starttls", "username": "alex"}, "w [imap]"
    )
    assert settings.port == 143
    assert settings.folders == ["INBOX"]
    assert settings.sent_folder is None
    assert settings.password_env == "OUTREACH_IMAP_PASSWORD"
    tls = ImapSettings.from_section(
        {"host": "imap.example.com", "security": "tls", "username": "alex", "port": 10993},
        "w [imap]",
    )
    assert tls.port == 10993


@pytest.mark.parametrize(
    ("section", "expected"),
    [
        ({"host": "h", "security": "none", "username": "u"}, "security"),
        ({"host": "h", "security": "tls", "username": "u", "fodlers": []}, "did you mean"),
        ({"host": "h", "security": "tls"}, "missing 'username'"),
        ({"host": "h", "security": "tls", "username": "u", "port": 0}, "port"),
        ({"host": "h", "security": "tls", "username": "u", "folders": ["a\r\nb"]}, "line break"),
    ],
)
def test_bad_settings_are_one_line_naming_the_table(section: dict, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        ImapSettings.from_section(section, "outreach.toml [imap]")
    message = str(caught.value)
    assert message.startswith("outreach.toml [imap]")
    assert expected in message
    assert "\n" not in message


def test_a_password_in_the_file_is_refused_without_repeating_it() -> None:
    with pytest.raises(ConfigError) as caught:
        ImapSettings.from_section(
            {"host": "h", "security": "tls", "username": "u", "password": "hunter2-xyz"},
            "outreach.toml [imap]",
        )
    assert "password_env" in str(caught.value)
    assert "hunter2-xyz" not in str(caught.value)


def test_mailbox_names_use_modified_utf7() -> None:
    # RFC 3501 section 5.1.3's own example, and an ampersand.
    assert encode_mailbox_name("~peter/mail/台北/日本語") == "~peter/mail/&U,BTFw-/&ZeVnLIqe-"
    assert encode_mailbox_name("R&D") == "R&-D"
    for name in ("Gesendete Objekte", "Élément envoyés", "R&D/台北", "INBOX"):
        assert decode_mailbox_name(encode_mailbox_name(name)) == name


def test_fetch_replies_are_parsed_wherever_the_server_puts_the_uid() -> None:
    data = [
        (b"1 (UID 10 BODY[HEADER] {12}", b"Subject: a\r\n"),
        b")",
        (b"2 (BODY[HEADER] {12}", b"Subject: b\r\n"),
        b" UID 11)",
        b"3 (FLAGS (\\Seen))",  # an unsolicited flag update from another client
        (b"4 (UID 13 FLAGS () BODY[HEADER] {2}", b"\r\n"),
        b")",
    ]
    assert list(imapsource._parse_fetch(data, b"BODY[HEADER]")) == [
        (10, b"Subject: a\r\n"),
        (11, b"Subject: b\r\n"),
        (13, b"\r\n"),
    ]


def test_list_replies_give_names_and_special_use() -> None:
    data = [
        b'(\\HasNoChildren) "/" INBOX',
        b'(\\HasNoChildren \\Sent) "/" "Gesendete &AMQ-bjekte"',
        (b'(\\HasNoChildren \\Drafts) "/" {9}', b'My "work"'),
        b'(\\Noselect \\HasChildren) "/" "[Gmail]"',
        b'(\\HasNoChildren) "/" "quote\\"d"',
    ]
    assert list(imapsource._parse_list(data)) == [
        ("INBOX", {"\\hasnochildren"}),
        ("Gesendete Äbjekte", {"\\hasnochildren", "\\sent"}),
        ('My "work"', {"\\hasnochildren", "\\drafts"}),
        ("[Gmail]", {"\\noselect", "\\haschildren"}),
        ('quote"d', {"\\hasnochildren"}),
    ]


def test_sequence_sets_are_short_and_parse_back() -> None:
    assert imapsource._sequence_set([1, 2, 3, 5, 7, 8, 9, 12]) == "1:3,5,7:9,12"
    assert list(imapsource._parse_sequence_set(b"1:3,5,9:7")) == [(1, 3), (5, 5), (7, 9)]


# -- connecting -------------------------------------------------------------------------------


@pytest.mark.parametrize("security", ["tls", "starttls"])
def test_reads_a_folder_over_tls_and_starttls(dovecot: Dovecot, security: str) -> None:
    folder = dovecot.new_folder()
    dovecot.append(folder, [make_message(i) for i in range(30)])
    port = dovecot.tls_port if security == "tls" else dovecot.starttls_port
    settings = dovecot.settings(security=security, port=port, folders=[folder])
    with ImapSource(settings, dovecot.environ()) as source:
        assert source._imap is not None and source._imap.sock.version() in ("TLSv1.2", "TLSv1.3")
        messages = list(source.fetch_new(folder, None))
    assert _uids(messages) == list(range(1, 31))
    assert all(m.folder == folder and not m.is_sent for m in messages)
    assert len({m.uidvalidity for m in messages}) == 1
    first = messages[0].header
    assert first.endswith(b"\r\n\r\n")
    assert b"Subject: Re: project update #0\r\n" in first
    assert b"Thanks for the note" not in first  # headers only


@pytest.mark.parametrize("list_extended", [True, False])
def test_the_sent_folder_is_found_by_its_special_use(
    imap_account: Dovecot, list_extended: bool
) -> None:
    account = imap_account
    folder = account.new_folder()
    account.append("Sent", [make_message(i, subject=f"sent {i}") for i in range(3)])
    with ImapSource(account.settings(folders=["INBOX", folder]), account.environ()) as source:
        assert source._imap is not None and "SPECIAL-USE" in source._imap.capabilities
        if not list_extended:  # an older server: the attributes come with a plain LIST
            source._imap.capabilities = tuple(
                c for c in source._imap.capabilities if c != "SPECIAL-USE"
            )
        assert source.folders() == [("INBOX", False), (folder, False), ("Sent", True)]
        sent = list(source.fetch_new("Sent", None))
        assert list(source.fetch_new("INBOX", None)) == []  # a new account's INBOX is empty
    assert _uids(sent) == [1, 2, 3] and all(m.is_sent for m in sent)
    # Named explicitly, a folder is the Sent folder even without the attribute.
    with ImapSource(account.settings(sent_folder=folder), account.environ()) as source:
        assert source.folders() == [("INBOX", False), (folder, True)]


def test_accounts_are_apart_and_each_has_its_own_token(
    imap_account: Dovecot, dovecot: Dovecot, tmp_path: Path
) -> None:
    imap_account.append("INBOX", [make_message(0, subject="only for the new account")])
    helper = _token_helper(tmp_path, imap_account.oauth_token)
    with ImapSource(imap_account.settings(token_command=str(helper)), {}) as source:
        (only,) = source.fetch_new("INBOX", None)
    assert b"only for the new account" in only.header
    # Another account's token is not this account's.
    with (
        pytest.raises(MailSourceError),
        ImapSource(dovecot.settings(token_command=str(helper)), {}),
    ):
        pass


def _no_login_tried(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records every LOGIN or AUTHENTICATE the client sends."""
    tried: list[str] = []
    for name in ("login", "authenticate"):
        real = getattr(imaplib.IMAP4, name)

        def record(self: imaplib.IMAP4, *args: Any, _name: str = name, _real: Any = real) -> Any:
            tried.append(_name)
            return _real(self, *args)

        monkeypatch.setattr(imaplib.IMAP4, name, record)
    return tried


def test_starttls_is_required_and_never_falls_back_to_clear_text(
    dovecot_plaintext: Dovecot, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An account of its own, so the server's log shows whether it was ever tried.
    account = dovecot_plaintext.new_account()
    hangups = account.log_count(HANGUP)
    settings = account.settings(security="starttls", port=account.starttls_port)
    with monkeypatch.context() as patch:
        tried = _no_login_tried(patch)
        with pytest.raises(MailSourceError) as caught, ImapSource(settings, account.environ()):
            pass
    message = str(caught.value)
    assert "does not offer STARTTLS" in message and "127.0.0.1" in message
    assert account.password not in message
    # The client hung up without trying to log in ...
    assert tried == []
    log = account.wait_for_log(HANGUP, times=hangups + 1)
    assert f"user=<{account.user}>" not in log
    # ... although this server would have taken the password in clear text.
    clear = imaplib.IMAP4("127.0.0.1", account.starttls_port, timeout=10)
    try:
        assert clear.login(account.user, account.password)[0] == "OK"
    finally:
        clear.logout()


def test_implicit_tls_against_a_clear_text_port_fails_cleanly(
    dovecot_plaintext: Dovecot, monkeypatch: pytest.MonkeyPatch
) -> None:
    account = dovecot_plaintext.new_account()
    hangups = account.log_count(HANGUP)
    settings = account.settings(security="tls", port=account.starttls_port)
    tried = _no_login_tried(monkeypatch)
    with pytest.raises(MailSourceError) as caught, ImapSource(settings, account.environ()):
        pass
    assert "TLS failed" in str(caught.value)
    assert tried == []
    log = account.wait_for_log(HANGUP, times=hangups + 1)
    assert f"user=<{account.user}>" not in log


@pytest.mark.parametrize("security", ["tls", "starttls"])
def test_an_untrusted_certificate_is_refused_without_ca_file(
    dovecot: Dovecot, security: str
) -> None:
    port = dovecot.tls_port if security == "tls" else dovecot.starttls_port
    settings = dovecot.settings(security=security, port=port, ca_file=None)
    with pytest.raises(MailSourceError) as caught, ImapSource(settings, dovecot.environ()):
        pass
    message = str(caught.value)
    assert "certificate cannot be trusted" in message and "ca_file" in message
    assert f"127.0.0.1:{port}" in message


def test_a_certificate_for_another_host_name_is_refused(dovecot: Dovecot) -> None:
    # The certificate names localhost and 127.0.0.1; reaching it by another name must fail.
    settings = dovecot.settings(host="127.0.0.2")
    with pytest.raises(MailSourceError) as caught, ImapSource(settings, dovecot.environ()):
        pass
    assert "cannot" in str(caught.value)


def test_a_wrong_password_is_reported_without_the_password(dovecot: Dovecot) -> None:
    wrong = "not-the-Pa55word-9"
    with (
        pytest.raises(MailSourceError) as caught,
        ImapSource(dovecot.settings(), {"OUTREACH_IMAP_PASSWORD": wrong}),
    ):
        pass
    message = str(caught.value)
    assert "login as alex (password) refused" in message
    assert wrong not in message
    assert "\n" not in message


def test_a_missing_password_names_the_variable(dovecot: Dovecot) -> None:
    with (
        pytest.raises(ConfigError) as caught,
        ImapSource(dovecot.settings(password_env="MY_IMAP_PW"), {}),
    ):
        pass
    assert "MY_IMAP_PW" in str(caught.value)


def test_a_token_command_failure_names_the_program_not_its_output(
    dovecot: Dovecot, tmp_path: Path
) -> None:
    helper = tmp_path / "token-helper"
    helper.write_text("#!/bin/sh\necho 'leaked-token-123'\nexit 3\n")
    helper.chmod(0o755)
    with (
        pytest.raises(ConfigError) as caught,
        ImapSource(dovecot.settings(token_command=str(helper)), {}),
    ):
        pass
    assert "token-helper failed with exit status 3" in str(caught.value)
    assert "leaked-token-123" not in str(caught.value)


def _token_helper(directory: Path, token: str) -> Path:
    helper = directory / "token-helper"
    helper.write_text(f"#!/bin/sh\n# prints an access token, as OAuth helpers do\necho '{token}'\n")
    helper.chmod(0o755)
    return helper


@pytest.mark.parametrize("security", ["tls", "starttls"])
def test_xoauth2_with_the_token_command(dovecot: Dovecot, tmp_path: Path, security: str) -> None:
    folder = dovecot.new_folder()
    dovecot.append(folder, [make_message(i) for i in range(3)])
    helper = _token_helper(tmp_path, dovecot.oauth_token)
    port = dovecot.tls_port if security == "tls" else dovecot.starttls_port
    settings = dovecot.settings(
        security=security, port=port, token_command=f"{helper} --account work"
    )
    # No password anywhere: the token is the only credential.
    with ImapSource(settings, {}) as source:
        assert _uids(list(source.fetch_new(folder, None))) == [1, 2, 3]
    assert "method=XOAUTH2" in dovecot.wait_for_log("method=XOAUTH2")


def test_a_refused_token_is_reported_without_the_token(dovecot: Dovecot, tmp_path: Path) -> None:
    stale = "ya29.a0-expired-token-0000"
    helper = _token_helper(tmp_path, stale)
    with (
        pytest.raises(MailSourceError) as caught,
        ImapSource(dovecot.settings(token_command=str(helper)), {}),
    ):
        pass
    message = str(caught.value)
    assert "login as alex (XOAUTH2) refused" in message
    assert stale not in message
    on_the_wire = base64.b64encode(f"user=alex\x01auth=Bearer {stale}\x01\x01".encode())
    assert on_the_wire.decode() not in message


def _sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Records the pauses between login tries instead of waiting them out."""
    pauses: list[float] = []
    monkeypatch.setattr(imapsource, "sleep", pauses.append)
    return pauses


def test_a_temporary_refusal_is_tried_again_on_a_new_connection(
    imap_account: Dovecot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pauses = _sleeps(monkeypatch)
    imap_account.append("INBOX", [make_message(0, subject="after the outage")])
    helper = _token_helper(tmp_path, imap_account.oauth_token)
    outage = "oauth2 failed: Introspection failed: 503"
    asked, refused = imap_account.introspections, imap_account.log_count(outage)
    with (
        imap_account.identity_down(1),
        ImapSource(imap_account.settings(token_command=str(helper)), {}) as source,
    ):
        (only,) = source.fetch_new("INBOX", None)
    assert b"after the outage" in only.header
    # The provider was down once, Dovecot said so, and the second login went through.
    assert imap_account.introspections == asked + 2
    assert pauses == [imapsource.LOGIN_RETRY_PAUSE]
    imap_account.wait_for_log(outage, times=refused + 1)
    imap_account.wait_for_log(f"Login: user=<{imap_account.user}>, method=XOAUTH2")


def test_an_outage_that_lasts_is_one_line_saying_how_often_it_was_tried(
    imap_account: Dovecot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pauses = _sleeps(monkeypatch)
    helper = _token_helper(tmp_path, imap_account.oauth_token)
    with (
        imap_account.identity_down(imapsource.LOGIN_ATTEMPTS),
        pytest.raises(MailSourceError) as caught,
        ImapSource(imap_account.settings(token_command=str(helper)), {}),
    ):
        pass
    message = str(caught.value)
    assert f"login as {imap_account.user} (XOAUTH2) refused: [UNAVAILABLE]" in message
    assert message.endswith(f"(tried {imapsource.LOGIN_ATTEMPTS} times)")
    assert imap_account.oauth_token not in message
    assert "\n" not in message
    assert len(pauses) == imapsource.LOGIN_ATTEMPTS - 1


def test_a_wrong_password_or_token_is_not_tried_again(
    dovecot: Dovecot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Trying again could lock the account; only a refusal the server calls temporary is.
    pauses = _sleeps(monkeypatch)
    with (
        pytest.raises(MailSourceError),
        ImapSource(dovecot.settings(), {"OUTREACH_IMAP_PASSWORD": "wrong"}),
    ):
        pass
    helper = _token_helper(tmp_path, "ya29.a0-expired-token-0000")
    with (
        pytest.raises(MailSourceError),
        ImapSource(dovecot.settings(token_command=str(helper)), {}),
    ):
        pass
    assert pauses == []


def test_a_password_is_never_tried_where_the_server_disables_login(
    dovecot_oauth_only: Dovecot, tmp_path: Path
) -> None:
    server = dovecot_oauth_only
    logins = server.log.count("auth failed")
    with (
        pytest.raises(MailSourceError) as caught,
        ImapSource(server.settings(), server.environ()),
    ):
        pass
    message = str(caught.value)
    assert "disables LOGIN and offers no AUTH=PLAIN" in message
    assert server.password not in message
    assert server.log.count("auth failed") == logins  # nothing was sent to be refused
    # The same account logs in with its token.
    helper = _token_helper(tmp_path, server.oauth_token)
    with ImapSource(server.settings(token_command=str(helper)), {}) as source:
        assert source.folders()[0] == ("INBOX", False)


def test_a_token_is_refused_by_a_server_without_xoauth2(
    dovecot: Dovecot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    helper = _token_helper(tmp_path, "ya29.secret-token")
    # The main server offers XOAUTH2; hide it, as a server without OAuth would not offer it.
    real = imapsource.ImapSource._login

    def without_xoauth2(self: ImapSource, imap: imaplib.IMAP4, credentials: object) -> None:
        imap.capabilities = tuple(c for c in imap.capabilities if c != "AUTH=XOAUTH2")
        real(self, imap, credentials)  # type: ignore[arg-type]

    monkeypatch.setattr(imapsource.ImapSource, "_login", without_xoauth2)
    with (
        pytest.raises(MailSourceError) as caught,
        ImapSource(dovecot.settings(token_command=f"{helper} --account work"), {}),
    ):
        pass
    assert "does not offer XOAUTH2" in str(caught.value)
    assert "ya29" not in str(caught.value)


def test_nothing_listening_is_one_line_naming_the_server(dovecot: Dovecot) -> None:
    from smtp_servers import free_port

    port = free_port()
    with (
        pytest.raises(MailSourceError) as caught,
        ImapSource(dovecot.settings(port=port), dovecot.environ()),
    ):
        pass
    assert f"IMAP 127.0.0.1:{port}: cannot connect" in str(caught.value)


def test_a_missing_folder_is_named(dovecot: Dovecot) -> None:
    with (
        ImapSource(dovecot.settings(), dovecot.environ()) as source,
        pytest.raises(MailSourceError) as caught,
    ):
        list(source.fetch_new("No Such Folder", None))
    assert "folder 'No Such Folder': cannot open it" in str(caught.value)


# -- incremental reading ----------------------------------------------------------------------


def test_folder_names_beyond_ascii(dovecot: Dovecot) -> None:
    folder = dovecot.new_folder("Éléments envoyés/R&D 台北 ")
    dovecot.append(folder, [make_message(i) for i in range(2)])
    with ImapSource(dovecot.settings(sent_folder=folder), dovecot.environ()) as source:
        assert (folder, True) in source.folders()
        assert [m.is_sent for m in source.fetch_new(folder, None)] == [True, True]
        assert source.status(folder).messages == 2
        assert b"Subject:" in source.fetch_body(folder, 1)


def test_only_new_messages_are_read_and_a_second_read_finds_nothing(dovecot: Dovecot) -> None:
    folder = dovecot.new_folder()
    dovecot.append(folder, [make_message(i) for i in range(10)])
    with ImapSource(dovecot.settings(), dovecot.environ()) as source:
        first = list(source.fetch_new(folder, None))
        state = (first[-1].uidvalidity, first[-1].uid)
        assert list(source.fetch_new(folder, state)) == []
        dovecot.append(folder, [make_message(i) for i in range(10, 13)])
        again = list(source.fetch_new(folder, state))
    assert _uids(again) == [11, 12, 13]
    assert b"#12" in again[-1].header


def test_status_tells_whether_a_folder_has_anything_new(dovecot: Dovecot) -> None:
    folder = dovecot.new_folder("status")
    dovecot.append(folder, [make_message(i) for i in range(4)])
    with ImapSource(dovecot.settings(), dovecot.environ()) as source:
        before = source.status(folder)
        read = list(source.fetch_new(folder, None))
        assert before.messages == 4
        assert before.uidvalidity == read[-1].uidvalidity
        assert before.uidnext == read[-1].uid + 1
        dovecot.append(folder, [make_message(9)])
        after = source.status(folder)
        assert (after.messages, after.uidnext) == (5, before.uidnext + 1)
        with pytest.raises(MailSourceError) as caught:
            source.status("Nowhere")
    assert "folder 'Nowhere': STATUS failed" in str(caught.value)


def test_a_changed_uidvalidity_restarts_from_uid_1(dovecot: Dovecot) -> None:
    folder = dovecot.new_folder()
    dovecot.append(folder, [make_message(i) for i in range(5)])
    with ImapSource(dovecot.settings(), dovecot.environ()) as source:
        first = list(source.fetch_new(folder, None))
    old = (first[-1].uidvalidity, first[-1].uid)
    dovecot.recreate(folder)
    dovecot.append(folder, [make_message(i) for i in range(7)])
    with ImapSource(dovecot.settings(), dovecot.environ()) as source:
        after = list(source.fetch_new(folder, old))
    assert after[0].uidvalidity != old[0]
    assert _uids(after) == list(range(1, 8))


@pytest.mark.slow
def test_five_thousand_messages_stream_in_bounded_memory(dovecot: Dovecot) -> None:
    folder = dovecot.new_folder("big")
    count = 5000
    dovecot.append(folder, (make_message(i) for i in range(count)))
    total = 0
    seen = 0
    previous = 0
    with ImapSource(dovecot.settings(), dovecot.environ()) as source:
        tracemalloc.start()
        try:
            for message in source.fetch_new(folder, None):
                assert message.uid > previous
                previous = message.uid
                total += len(message.header)
                seen += 1
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert seen == count
    # All the headers together are several megabytes; reading holds about one batch.
    assert total > 6_000_000
    batch_bytes = total / count * BATCH_SIZE
    assert peak < 4 * batch_bytes, (peak, batch_bytes, total)
    assert peak < total / 2


@pytest.mark.parametrize("esearch", [True, False])
def test_gaps_in_uids_and_servers_without_esearch(
    dovecot: Dovecot, monkeypatch: pytest.MonkeyPatch, esearch: bool
) -> None:
    folder = dovecot.new_folder("gaps")
    dovecot.append(folder, (make_message(i) for i in range(60)))
    gone = [*range(3, 20), 33, 41, *range(50, 58)]
    dovecot.expunge(folder, gone)
    expected = [uid for uid in range(1, 61) if uid not in gone]
    # Small windows and batches, so a few dozen messages cross several of each.
    monkeypatch.setattr(imapsource, "SEARCH_WINDOW", 7)
    monkeypatch.setattr(imapsource, "BATCH_SIZE", 4)
    with ImapSource(dovecot.settings(), dovecot.environ()) as source:
        assert source._imap is not None
        assert "ESEARCH" in source._imap.capabilities
        if not esearch:
            source._imap.capabilities = tuple(
                c for c in source._imap.capabilities if c != "ESEARCH"
            )
        assert _uids(list(source.fetch_new(folder, None))) == expected
        uidvalidity = source._selected[1] if source._selected else 0
        assert _uids(list(source.fetch_new(folder, (uidvalidity, 20)))) == [
            u for u in expected if u > 20
        ]
        # "n:*" with n above every UID must not return the last message again.
        assert list(source.fetch_new(folder, (uidvalidity, 60))) == []
        assert _uids(list(source.fetch_new(folder, (uidvalidity, 59)))) == [60]


def test_a_dropped_connection_resumes_after_the_last_message_read(dovecot: Dovecot) -> None:
    folder = dovecot.new_folder("drop")
    count = 3 * BATCH_SIZE + 17
    dovecot.append(folder, (make_message(i) for i in range(count)))
    read: list[int] = []
    state = None
    with ImapSource(dovecot.settings(), dovecot.environ()) as source:
        with pytest.raises(MailConnectionLost) as caught:  # noqa: SIM117 - checked in between
            for message in source.fetch_new(folder, None):
                read.append(message.uid)
                state = (message.uidvalidity, message.uid)
                if len(read) == BATCH_SIZE + 3:
                    assert dovecot.drop_connections() >= 1
        message_text = str(caught.value)
        assert f"folder {folder!r}: connection lost after UID" in message_text
        assert dovecot.password not in message_text
        assert caught.value.exit_code == 3
        # What was yielded before the drop is whole; the same source reconnects and goes on.
        assert read == list(range(1, len(read) + 1))
        assert BATCH_SIZE + 3 <= len(read) < count
        rest = [m.uid for m in source.fetch_new(folder, state)]
    assert read + rest == list(range(1, count + 1))


def test_a_connection_cut_in_the_middle_of_a_reply_loses_nothing(dovecot: Dovecot) -> None:
    folder = dovecot.new_folder("cut")
    count = 3 * BATCH_SIZE
    dovecot.append(folder, (make_message(i) for i in range(count)))
    header_bytes = len(make_message(0).split(b"\n\n")[0]) * 1.03
    # Past the first batch, inside the second one's reply (and inside a TLS record).
    relay = Relay(dovecot.tls_port, cut_after=int(header_bytes * BATCH_SIZE * 1.5))
    read: list[int] = []
    state = None
    try:
        with ImapSource(dovecot.settings(port=relay.port), dovecot.environ()) as source:
            with pytest.raises(MailConnectionLost) as caught:  # noqa: SIM117 - checked between
                for message in source.fetch_new(folder, None):
                    read.append(message.uid)
                    state = (message.uidvalidity, message.uid)
            assert relay.cuts == 1
            assert f"connection lost after UID {BATCH_SIZE}: " in str(caught.value)
            # Only whole replies are handed out: the cut batch is read again, not half of it.
            assert read == list(range(1, BATCH_SIZE + 1))
            rest = [m.uid for m in source.fetch_new(folder, state)]
    finally:
        relay.close()
    assert read + rest == list(range(1, count + 1))


def test_the_mailbox_is_left_exactly_as_it_was(dovecot: Dovecot) -> None:
    folder = dovecot.new_folder("ro")
    dovecot.append(folder, [make_message(i) for i in range(6)])
    dovecot.append(folder, [make_message(i) for i in range(6, 8)], flags="\\Flagged")
    dovecot.append(folder, [make_message(8)], flags="\\Seen \\Answered")
    before = dovecot.flags(folder)
    on_disk = sorted(p.name for p in (dovecot.maildir(folder) / "cur").iterdir())
    on_disk += sorted(p.name for p in (dovecot.maildir(folder) / "new").iterdir())
    with ImapSource(dovecot.settings(), dovecot.environ()) as source:
        assert len(list(source.fetch_new(folder, None))) == 9
        body = source.fetch_body(folder, 3)
        source.fetch_body(folder, 9)
    assert body.startswith(b"Return-Path:") and b"Thanks for the note" in body
    after = dovecot.flags(folder)
    assert after == before
    assert "\\Seen" not in after[3]
    assert "\\Flagged" in after[7] and "\\Seen" in after[9]
    again = sorted(p.name for p in (dovecot.maildir(folder) / "cur").iterdir())
    again += sorted(p.name for p in (dovecot.maildir(folder) / "new").iterdir())
    assert again == on_disk  # Maildir keeps flags in file names: none changed


def test_fetch_body_of_a_missing_uid_is_named(dovecot: Dovecot) -> None:
    folder = dovecot.new_folder()
    dovecot.append(folder, [make_message(0)])
    with (
        ImapSource(dovecot.settings(), dovecot.environ()) as source,
        pytest.raises(MailSourceError) as caught,
    ):
        source.fetch_body(folder, 99)
    assert f"folder {folder!r}: no message with UID 99" in str(caught.value)


def test_reading_bodies_between_batches_keeps_the_folder_right(dovecot: Dovecot) -> None:
    # A caller reads a bounce's body from the INBOX while streaming headers of another folder.
    folder = dovecot.new_folder()
    other = dovecot.new_folder()
    dovecot.append(folder, (make_message(i) for i in range(BATCH_SIZE + 5)))
    dovecot.append(other, [make_message(1000, subject="the other one")])
    uids = []
    with ImapSource(dovecot.settings(), dovecot.environ()) as source:
        for message in source.fetch_new(folder, None):
            uids.append(message.uid)
            if message.uid == 2:
                assert b"the other one" in source.fetch_body(other, 1)
    assert uids == list(range(1, BATCH_SIZE + 6))


def test_secrets_never_reach_errors_even_when_the_server_echoes_them() -> None:
    source = ImapSource(
        ImapSettings.from_section(
            {"host": "h", "security": "tls", "username": "alex"}, "outreach.toml [imap]"
        ),
        {"OUTREACH_IMAP_PASSWORD": "pa55-WORD-xyz"},
    )
    credentials = source._load_credentials()
    assert repr(credentials.password) == "Secret([secret])"
    echoed = base64.b64encode(b"\0alex\0pa55-WORD-xyz").decode()
    cleaned = source._clean(f"b'NO [AUTHENTICATIONFAILED] {echoed} pa55-WORD-xyz'")
    assert "pa55-WORD-xyz" not in cleaned and echoed not in cleaned
    assert cleaned == "NO [AUTHENTICATIONFAILED] [secret] [secret]"
