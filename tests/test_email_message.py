"""The email channel without a server: message bytes, header safety, outbox, settings, limits."""

from __future__ import annotations

import mailbox
from email import message_from_bytes
from email.policy import SMTP, default
from pathlib import Path

import pytest
from conftest import make_contact
from outreach.plugins.email.headers import address_field, text_field
from outreach.plugins.email.message import Attachment, Content, Headers, build_message
from outreach.plugins.email.ratelimit import RateLimiter
from outreach.plugins.email.safety import (
    SPECIAL_USE_TLDS,
    Refused,
    check_header_text,
    validate_address,
)
from outreach.plugins.email.secrets import Credentials, Redactor, Secret, load_credentials
from outreach.plugins.email.settings import load_settings
from smtp_servers import campaign_file, email_settings

from outreach.engine import Engine
from outreach.errors import ConfigError, InputError
from outreach.workspace import Workspace

TEXTS = [
    "Hello there",
    "Jörg Müller's news",
    "x" * 200,
    "word " * 40,
    "=?utf-8?q?Bob?= is literal text",
    "Hello  two spaces",
    "日本語のテキスト" * 8,
    'Smith, "Bob" \\ <ok>',
]


def _parse(data: bytes):  # noqa: ANN202 - an EmailMessage
    return message_from_bytes(data, policy=default)


@pytest.mark.parametrize("text", TEXTS)
def test_headers_round_trip_through_the_standard_parser(text: str) -> None:
    block = text_field("Subject", text) + address_field(
        "To", [(text, "bob@example.com"), ("Ann", "ann@example.org")]
    )
    parsed = _parse(block.encode("ascii") + b"\r\n")
    assert str(parsed["subject"]) == text
    first = parsed["to"].addresses[0]
    assert first.addr_spec == "bob@example.com"
    if len(text) < 60:  # long encoded names come back with spaces, as the stdlib's own do
        assert first.display_name == text
    assert not parsed.defects
    for line in block.split("\r\n"):
        assert len(line) <= 998
    for line in text_field("Subject", text).split("\r\n"):
        assert len(line) <= 78 or "x" * 100 in line


def _headers(**overrides: object) -> Headers:
    values: dict[str, object] = {
        "sender": ("Alex Example", "alex@example.com"),
        "to": [("Jörg Müller", "joerg@example.de")],
        "subject": "Grüße, Jörg",
        "message_id": "<abc.outreach@example.com>",
        "date": "Mon, 01 Dec 2025 10:00:00 +0000",
    }
    values.update(overrides)
    return Headers(**values)  # type: ignore[arg-type]


BODIES = [
    "Hi Jörg,\n\nshort ASCII-free line.\n",
    "Plain ASCII\nwith short lines\n",
    "A long line " * 20 + "\n.\nFrom the start\n",
    "Привет! " * 30,
    "trailing spaces   \n\ttab\n",
]


@pytest.mark.parametrize("body", BODIES)
@pytest.mark.parametrize("html", [None, "<p>Hi <b>Jörg</b></p>"])
def test_fast_builder_matches_the_email_package(body: str, html: str | None) -> None:
    content = Content(body, html)
    fast = build_message(_headers(), content, utf8=False)
    generic = build_message(_headers(), content, utf8=False, generic=True)
    a, b = _parse(fast), _parse(generic)
    assert not a.defects and not b.defects
    assert a.get_content_type() == b.get_content_type()
    parts_a = list(a.walk()) if a.is_multipart() else [a]
    parts_b = list(b.walk()) if b.is_multipart() else [b]
    assert [p.get_content_type() for p in parts_a] == [p.get_content_type() for p in parts_b]
    for pa, pb in zip(parts_a, parts_b, strict=True):
        if pa.is_multipart():
            continue
        assert pa["Content-Transfer-Encoding"] == pb["Content-Transfer-Encoding"]
        assert pa.get_content() == pb.get_content()
    assert a.get_body(("plain",)).get_content().replace("\r\n", "\n").rstrip("\n") == (
        body.rstrip("\n")
    )
    for data in (fast, generic):
        assert all(byte < 128 for byte in data)  # 7-bit clean: no 8BITMIME needed
        assert all(len(line) <= 998 for line in data.split(b"\r\n"))


def test_attachments_and_invitation_use_the_email_package() -> None:
    ics = b"BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n"
    content = Content(
        "See attached.\n",
        None,
        [
            Attachment("notes.pdf", b"%PDF-1.4 binary\x00\xff", "application", "pdf"),
            Attachment("lunch.ics", ics, "text", "calendar", (("method", "REQUEST"),)),
        ],
    )
    parsed = _parse(build_message(_headers(), content, utf8=False))
    files = {p.get_filename(): p for p in parsed.iter_attachments()}
    assert files["notes.pdf"].get_content() == b"%PDF-1.4 binary\x00\xff"
    assert files["lunch.ics"].get_content_type() == "text/calendar"
    assert files["lunch.ics"].get_param("method") == "REQUEST"
    assert "METHOD:REQUEST" in files["lunch.ics"].get_content()


@pytest.mark.parametrize(
    "text",
    [
        "Bob\r\nBcc: victim@example.org",
        "Bob\nBcc: x@y.com",
        "=?utf-8?q?x=0ABcc:_y@example.org?=",
        "=?UTF-8?B?eA1CY2M6IHlAZXhhbXBsZS5vcmc=?=",
        "Bob\x00",
    ],
)
def test_line_breaks_literal_or_encoded_are_refused(text: str) -> None:
    with pytest.raises(Refused):
        check_header_text(text, "name")


def test_harmless_encoded_word_text_stays_literal() -> None:
    check_header_text("=?utf-8?q?Bob?=", "name")
    parsed = _parse(text_field("Subject", "=?utf-8?q?Bob?=").encode() + b"\r\n")
    assert str(parsed["subject"]) == "=?utf-8?q?Bob?="


def test_the_fast_address_check_agrees_with_email_validator() -> None:
    from email_validator import SPECIAL_USE_DOMAIN_NAMES, EmailNotValidError, validate_email

    assert frozenset(SPECIAL_USE_DOMAIN_NAMES) == SPECIAL_USE_TLDS
    corpus = [
        "bob@example.com",
        "Bob.Smith+tag@Sub.Example.COM",
        "o'brien@example.ie",
        "a@b.co",
        "x@localhost",
        "x@host.test",
        "x@example.123",
        "a..b@example.com",
        ".a@example.com",
        "a@-bad.example.com",
        "a" * 64 + "@example.com",
        "a" * 65 + "@example.com",
        "user@" + "d" * 63 + ".com",
        "josé@example.com",
        "bob@bücher.de",
        "no-at-sign",
        "two@@example.com",
    ]
    for address in corpus:
        try:
            expected = validate_email(address, check_deliverability=False)
        except EmailNotValidError:
            with pytest.raises(Refused):
                validate_address(address)
            continue
        got = validate_address(address)
        assert got.address == (expected.ascii_email or expected.normalized)
        assert got.smtputf8 == (expected.ascii_email is None)


def test_a_long_valid_address_is_kept_whole() -> None:
    local = "a" * 64
    domain = ".".join(["b" * 60] * 3) + ".com"
    address = f"{local}@{domain}"
    assert validate_address(address).address == address


# -- the channel in a workspace ------------------------------------------------------------


@pytest.fixture
def people(add_contacts):  # noqa: ANN001, ANN201
    return add_contacts(
        make_contact("u1", "Jörg", "Müller", email="joerg@example.de"),
        make_contact("u2", "Ann", "Lee", email="ann@example.org"),
    )


def test_dry_run_fills_a_maildir_once(workspace: Workspace, people, tmp_path: Path) -> None:  # noqa: ANN001
    path = campaign_file(tmp_path, bcc=["me@example.com"], cc=["Boss <boss@example.com>"])
    engine = Engine(Workspace.load(workspace.root))
    result = engine.run(engine.load(path))
    assert result.ok and result.counts[("email", "sent")] == 2
    outbox = workspace.out_dir("hello") / "outbox"
    box = mailbox.Maildir(outbox, create=False)
    messages = {m["To"]: m for m in box}
    assert len(messages) == 2
    raw = bytes(next(iter(box.values())).as_bytes())
    assert b"Bcc" not in raw and b"me@example.com" not in raw
    parsed = _parse(Path(next((outbox / "new").iterdir())).read_bytes())
    assert parsed["Message-ID"].endswith("@example.com>")
    assert parsed["Date"] and parsed["Cc"] == "Boss <boss@example.com>"
    names = {str(m["to"].addresses[0].display_name) for m in map(_parse, _files(outbox))}
    assert names == {"Jörg Müller", "Ann Lee"}
    # Read in a mail reader (moved to cur/ with flags), then the campaign is run again.
    first = next((outbox / "new").iterdir())
    first.rename(outbox / "cur" / (first.name + ":2,S"))
    engine.run(engine.load(path))
    assert len(_files(outbox)) == 2
    assert len(list((outbox / "cur").iterdir())) == 1


def _files(outbox: Path) -> list[bytes]:
    return [p.read_bytes() for sub in ("new", "cur") for p in (outbox / sub).iterdir()]


def test_injection_from_contact_data_is_refused_naming_the_contact(
    workspace: Workspace,
    add_contacts,
    tmp_path: Path,  # noqa: ANN001
) -> None:
    evil = make_contact(
        "evil", "=?utf-8?q?x=0ABcc:_victim@example.org?=", "", email="e@example.com"
    )
    evil.name.formatted = "=?utf-8?q?x=0ABcc:_victim@example.org?="
    crlf = make_contact("crlf", "Eve", "Smith", email="eve@example.com", org="Acme\r\nBcc: v@x.org")
    # An address the book holds (the vCard reader keeps no "a@@b" as an email) but no server
    # takes.
    bad = make_contact("bad", "Bad", "Address", email="bad..dots@example.com")
    ok = make_contact("ok", "Ann", "Lee", email="ann@example.org")
    add_contacts(evil, crlf, bad, ok)
    path = campaign_file(tmp_path, subject="News from {{ contact.org or 'me' }}")
    engine = Engine(Workspace.load(workspace.root))
    result = engine.run(engine.load(path))
    failed = {item.contact.uid: outcome.error for item, outcome in result.failures}
    assert set(failed) == {"evil", "bad"}
    assert "encoded word" in failed["evil"] and "line break" in failed["evil"]
    assert "invalid email address" in failed["bad"]
    assert result.counts[("email", "sent")] == 2
    sent = [_parse(data) for data in _files(workspace.out_dir("hello") / "outbox")]
    for message in sent:
        assert b"victim" not in message.as_bytes() and "Bcc" not in message
    # The line break the organisation put in the subject was folded into a space.
    eve = next(m for m in sent if "eve@" in str(m["To"]))
    assert eve.get_all("Subject") == ["News from Acme Bcc: v@x.org"]


def test_missing_attachment_stops_before_anything_is_written(
    workspace: Workspace,
    people,
    tmp_path: Path,  # noqa: ANN001
) -> None:
    path = campaign_file(tmp_path, attachments=["files/{{ contact.uid }}.pdf"])
    (path.parent / "files").mkdir()
    (path.parent / "files" / "u1.pdf").write_bytes(b"%PDF-1.4")
    engine = Engine(Workspace.load(workspace.root))
    with pytest.raises(InputError, match="u2.pdf: attachment not found"):
        engine.run(engine.load(path))
    assert not (workspace.out_dir("hello") / "outbox").exists()


def test_templated_attachment_paths_stay_in_the_campaign_folder(
    workspace: Workspace,
    add_contacts,
    tmp_path: Path,  # noqa: ANN001
) -> None:
    add_contacts(make_contact("../../secret", "X", "Y", email="x@example.com"))
    (tmp_path / "secret.pdf").write_bytes(b"secret")
    path = campaign_file(tmp_path, attachments=["files/{{ contact.uid }}.pdf"])
    engine = Engine(Workspace.load(workspace.root))
    with pytest.raises(InputError, match="outside the campaign folder"):
        engine.run(engine.load(path))


def test_invitation_and_markdown(workspace: Workspace, people, tmp_path: Path) -> None:  # noqa: ANN001
    path = campaign_file(
        tmp_path, body="# Lunch?\n\nHi **{{ first_name }}**\n", markdown=True, ics="lunch.ics.j2"
    )
    (path.parent / "lunch.ics.j2").write_text(
        "BEGIN:VCALENDAR\nMETHOD:REQUEST\nBEGIN:VEVENT\nSUMMARY:Lunch with {{ first_name }}\n"
        "END:VEVENT\nEND:VCALENDAR\n"
    )
    engine = Engine(Workspace.load(workspace.root))
    engine.run(engine.load(path))
    parsed = [_parse(d) for d in _files(workspace.out_dir("hello") / "outbox")]
    joerg = next(p for p in parsed if "joerg" in str(p["to"]))
    assert "<strong>Jörg</strong>" in joerg.get_body(("html",)).get_content()
    invite = next(joerg.iter_attachments())
    assert invite.get_param("method") == "REQUEST"
    assert "SUMMARY:Lunch with Jörg" in invite.get_content()


def test_markdown_never_turns_contact_data_into_markup(
    workspace: Workspace,
    add_contacts,
    tmp_path: Path,  # noqa: ANN001
) -> None:
    add_contacts(
        make_contact("evil", "<img src=x onerror=alert(1)>", "Doe", email="evil@example.com")
    )
    path = campaign_file(tmp_path, body="Hi **{{ first_name }}**\n", markdown=True)
    engine = Engine(Workspace.load(workspace.root))
    _, rendered = engine.preview(engine.load(path))
    (evil,) = [r for r in rendered if r.contact.uid == "evil"]
    html = message_from_bytes(evil.payload.data, policy=SMTP).get_body(("html",)).get_content()
    assert "<strong>&lt;img src=x onerror=alert(1)&gt;</strong>" in html
    assert "<img" not in html


def test_non_ascii_address_needs_smtputf8(workspace: Workspace, add_contacts, tmp_path) -> None:  # noqa: ANN001
    add_contacts(make_contact("u", "José", "Núñez", email="josé@example.com"))
    engine = Engine(Workspace.load(workspace.root))
    campaign = engine.load(campaign_file(tmp_path))
    _, rendered = engine.preview(campaign)
    assert rendered[0].payload.smtputf8
    data = rendered[0].payload.data
    assert "To: =?utf-8?b?Sm9zw6kgTsO6w7Fleg==?= <josé@example.com>\r\n".encode() in data
    assert message_from_bytes(data, policy=SMTP)["Subject"] == "Hello José"


def test_campaign_rejects_server_settings(workspace: Workspace, tmp_path: Path) -> None:
    engine = Engine(workspace)
    with pytest.raises(ConfigError, match="account setting"):
        engine.load(campaign_file(tmp_path, host="smtp.example.com"))


# -- settings, credentials, limits ---------------------------------------------------------


def test_presets_and_explicit_settings() -> None:
    settings = load_settings({"preset": "gmail", "username": "me@gmail.com"}, "x [email]")
    assert (settings.host, settings.effective_port, settings.per_day) == (
        "smtp.gmail.com",
        587,
        500,
    )
    own = load_settings({"preset": "microsoft365", "per_minute": 5}, "x [email]")
    assert own.per_minute == 5 and own.per_day == 10000
    with pytest.raises(ConfigError, match="never sent without TLS"):
        load_settings({"security": "none", "username": "me"}, "x [email]")
    with pytest.raises(ConfigError, match="unknown key 'pasword_env'"):
        load_settings({"pasword_env": "X"}, "x [email]")


def test_password_command_output_is_secret(tmp_path: Path) -> None:
    settings = load_settings(
        {"host": "h", "username": "me", "password_command": ["printf", "s3cret\\nextra"]}, "w"
    )
    credentials = load_credentials(settings, "w", tmp_path)
    assert credentials is not None and credentials.password is not None
    assert credentials.password.reveal() == "s3cret"
    assert "s3cret" not in repr(credentials) and "s3cret" not in str(credentials.password)
    failing = load_settings(
        {"host": "h", "username": "me", "password_command": "sh -c 'echo s3cret; exit 3'"}, "w"
    )
    with pytest.raises(ConfigError) as info:
        load_credentials(failing, "w", tmp_path)
    assert "exit status 3" in str(info.value) and "s3cret" not in str(info.value)


def test_redactor_hides_secrets_and_their_encodings() -> None:
    import base64

    redactor = Redactor.for_credentials(Credentials("me", password=Secret("hunter2!")))
    plain = base64.b64encode(b"\0me\0hunter2!").decode()
    text = redactor.clean(f"535 bad: hunter2! / {plain} / {plain.rstrip('=')}")
    assert "hunter2" not in text and plain.rstrip("=") not in text


def test_rate_limiter_windows() -> None:
    limiter = RateLimiter(per_minute=2, per_day=3, history=[(1000.0, "a.org")])
    assert limiter.wait(["b.org"], 1001.0) == 0
    limiter.record(["b.org"], 1001.0)
    assert limiter.wait(["c.org"], 1002.0) == pytest.approx(58.0)
    assert limiter.day_wait(1, 1070.0) == 0
    limiter.record(["c.org"], 1070.0)
    assert limiter.day_wait(1, 1080.0) == pytest.approx(1000.0 + 86400 - 1080.0)
    per_domain = RateLimiter(per_domain_per_minute=1)
    per_domain.record(["a.org"], 0.0)
    assert per_domain.wait(["a.org"], 10.0) == pytest.approx(50.0)
    assert per_domain.wait(["b.org"], 10.0) == 0


def test_send_without_host_is_a_clear_error(workspace: Workspace, people, tmp_path: Path) -> None:  # noqa: ANN001
    email_settings(workspace.root, host="")
    engine = Engine(Workspace.load(workspace.root))
    # A settings mistake is the user's to fix: the run stops with exit status 2.
    with pytest.raises(ConfigError, match=r"outreach.toml \[email\]: host is not set"):
        engine.run(engine.load(campaign_file(tmp_path)), send=True)
    with workspace.open_journal() as journal:
        assert [d.status for d in journal.deliveries()] == []


def test_the_data_file_is_read_like_an_imported_csv(
    workspace: Workspace, people, tmp_path: Path
) -> None:
    path = campaign_file(tmp_path, data="rows.csv", body="Hi from {{ row.city }}\n")
    rows = path.parent / "rows.csv"
    # A spreadsheet's Windows-1252 export, not UTF-8.
    rows.write_bytes(
        "EMAIL,city\r\nJoerg@Example.de,Zürich\r\nann@example.org,Genève\r\n".encode("cp1252")
    )
    engine = Engine(Workspace.load(workspace.root))
    _, rendered = engine.preview(engine.load(path))
    previews = {r.contact.uid: r.preview for r in rendered}
    assert previews["u1"].endswith("Hi from Zürich\n")
    assert previews["u2"].endswith("Hi from Genève\n")
    rows.write_bytes(b"address,city\r\n")
    engine = Engine(Workspace.load(workspace.root))
    with pytest.raises(InputError, match=r"rows.csv: the data file has no column 'email'"):
        engine.preview(engine.load(path))


def test_the_outbox_writer_process_gets_every_message_byte_for_byte(tmp_path: Path) -> None:
    from outreach.plugins.email.outbox import Outbox, local_lines, outbox_name

    entries = [
        (f"hello/main/ünï-{i}/email", b"Line\r\n" + bytes([i % 256]) * (i * 37), i % 2 == 0)
        for i in range(100)
    ]
    outbox = Outbox(tmp_path / "outbox")
    for key, data, sent in entries:
        outbox.put(key, data, sent=sent)
    assert outbox.close() == []
    for key, data, sent in entries:
        name = outbox_name(key) + (":2,S" if sent else "")
        stored = tmp_path / "outbox" / ("cur" if sent else "new") / name
        assert stored.read_bytes() == local_lines(data)
