"""Bounce detection and reading on the formats real servers send (tests/fixtures/bounces/)."""

from __future__ import annotations

import email
from email.parser import BytesHeaderParser
from pathlib import Path

import pytest
from mailboxes import message, postfix_dsn

from outreach.bounces import looks_like_bounce, read_bounce

FIXTURES = Path(__file__).parent / "fixtures" / "bounces"


def _read(name: str) -> tuple[bool, object]:
    raw = (FIXTURES / name).read_bytes()
    return (
        looks_like_bounce(BytesHeaderParser().parsebytes(raw)),
        read_bounce(email.message_from_bytes(raw)),
    )


@pytest.mark.parametrize(
    ("name", "recipient", "permanent", "summary", "original"),
    [
        (
            "postfix_01.txt",
            "xxxxx@local.ie",
            True,
            "5.1.1 <xxxxx@local.ie>: host mail.local.ie[195.7.46.14] said: 550 5.1.1",
            "<p04330122b60007b33216@[17.216.27.250]>",
        ),
        (
            "exim_01.txt",
            "delangen@its.tudelft.nl",
            True,
            "5.1.1 delangen@its.tudelft.nl: SMTP error from remote mailer after RCPT TO:",
            "<19990920022322.A19735@stereo.rotzorg.org>",
        ),
        (
            "qmail_01.txt",
            "psadisc@wwwmail.n-h.de",
            True,
            "This is a permanent error; I've given up.",
            "<11A17AA2B9EAD111BCEA00A0C9B4179303385B62@molach.origin.ea.com>",
        ),
        (
            "microsoft_01.txt",
            "djbennett@ikon.com",
            True,
            "c=US;a= ;p=IKON;o=Nexus2;dda:SMTP=DJBENNETT@IKON.COM;",
            "<5.1.1.5.2.20021004224506.00bd9ff8@mail.chello.se>",
        ),
        (
            "m365_5.1.10.txt",
            "j.doe@fabrikam.example",
            True,
            "5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup",
            "<3b1f2c9a8d7e6f50.outreach@contoso.example>",
        ),
        (
            "simple_17.txt",
            "internetsailing@gmail.com",
            True,
            "Delivery to the following recipient failed permanently:",
            "<mailman.12400.1147255068.1568.gpc-talk@grizz.org>",
        ),
        (
            "simple_28.txt",
            "luis.hiam@gmail.com",
            False,
            "Delivery to the following recipient has been delayed:",
            "<20080613220004.17BCA31C00A@alan.rezo.net>",
        ),
        (
            "dsn_01.txt",
            "jimmymcegypt@go.com",
            True,
            "5.0.0 (recipient reached disk quota)",
            "<F1218V8zDv60gxapzha000001ae@hotmail.com>",
        ),
        (
            "dsn_05.txt",
            "pkocmid@atlas.cz",
            False,
            "4.4.1 (Persistent transient failure - routing/network: no answer from host)",
            None,
        ),
    ],
)
def test_real_formats(
    name: str, recipient: str, permanent: bool, summary: str, original: str | None
) -> None:
    flagged, report = _read(name)
    assert flagged  # the header block alone is enough to read the body
    assert report is not None
    assert [f.recipient for f in report.failures] == [recipient]
    failure = report.failures[0]
    assert failure.permanent is permanent
    assert failure.summary.startswith(summary)
    assert report.original_message_id == original


def test_a_4xx_is_temporary_whatever_the_detector_says() -> None:
    original = message("Alex <alex@example.com>", "ann@example.org", "Hi", _now())
    dsn = postfix_dsn(
        original,
        "ann@example.org",
        _now(),
        status="4.2.2",
        diagnostic="452 4.2.2 <{r}>: Mailbox full",
    )
    report = read_bounce(email.message_from_bytes(dsn))
    assert report is not None
    (failure,) = report.failures
    assert not failure.permanent and failure.summary == "4.2.2 <ann@example.org>: Mailbox full"


def test_ordinary_mail_is_not_a_bounce() -> None:
    plain = message("Chloé <chloe@example.fr>", "alex@example.com", "Undeliverable joke", _now())
    headers = BytesHeaderParser().parsebytes(plain)
    assert not looks_like_bounce(headers)
    assert read_bounce(email.message_from_bytes(plain)) is None


def _now():  # noqa: ANN202
    from datetime import UTC, datetime

    return datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def test_a_bouncing_address_is_left_out_until_it_changes() -> None:
    from datetime import date

    from conftest import make_contact

    from outreach.bouncing import fix_address_reasons, without_bouncing
    from outreach.contact import Email
    from outreach.mailstate import BouncedAddress

    bounced = {
        "ann@old.example": BouncedAddress("ann@old.example", "u1", date(2026, 6, 2), "5.1.1 gone")
    }
    ann = make_contact("u1", "Ann", "Lee", email="Ann@Old.example")
    ann.emails.append(Email("ann@new.example"))
    assert fix_address_reasons(ann, bounced) == [
        "email Ann@Old.example bounced on 2026-06-02 (5.1.1 gone)"
    ]
    usable = without_bouncing(ann, bounced)
    assert usable.primary_email == "ann@new.example"
    assert ann.primary_email == "Ann@Old.example"  # the contact itself is not changed
    # The user fixes the address in the book: nothing is left to fix.
    ann.emails[0] = Email("ann@fixed.example")
    assert fix_address_reasons(ann, bounced) == []
    assert without_bouncing(ann, bounced) is ann


def test_a_detector_that_trips_leaves_the_rfc_3464_fields(monkeypatch) -> None:  # noqa: ANN001
    import flufl.bounce

    def broken(message: object) -> None:
        raise UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte")

    monkeypatch.setattr(flufl.bounce, "all_failures", broken)
    original = message("Alex <alex@example.com>", "ann@example.org", "Hi", _now())
    report = read_bounce(email.message_from_bytes(postfix_dsn(original, "ann@example.org", _now())))
    assert report is not None
    assert [(f.recipient, f.status, f.permanent) for f in report.failures] == [
        ("ann@example.org", "5.1.1", True)
    ]
