"""The quick header reader mail sync uses, against the shapes real headers take."""

from __future__ import annotations

from datetime import date

from outreach.mailheaders import HeaderBlock, addresses

RAW = (
    b"From nobody Mon Jan  5 08:00:00 2026\n"  # an mbox separator line is not a field
    b"Received: from mx1.example.org\r\n\tby mail.example.com; Mon, 5 Jan 2026 08:00:01 +0000\r\n"
    b'From: "bo@example.net via Slack" <noreply@slack.example>\r\n'
    b"To: Ann Lee <ANN@Example.org>, carl@example.com (Carl, at home),\r\n"
    b' "Lee, Dana" <dana@example.org>\r\n'
    b"Cc: undisclosed-recipients:;\r\n"
    b"Subject: =?utf-8?q?R=C3=A9union?= \xc3\xa0 Lyon\r\n"
    b"Date: Mon, 5 Jan 2026 09:00:00 +0100\r\n"
    b"References: <a@x.example>\r\n <b@x.example>\r\n"
    b"X-Empty:\r\n"
)


def test_fields_are_unfolded_and_kept_by_lower_case_name() -> None:
    block = HeaderBlock(RAW)
    assert block.get("received") == (
        "from mx1.example.org by mail.example.com; Mon, 5 Jan 2026 08:00:01 +0000"
    )
    assert block.get("REFERENCES") == "<a@x.example> <b@x.example>"
    assert block.get("x-empty") == ""
    assert block.get("missing", "no") == "no"
    assert block.get_all("subject") and block.get_all("nothing") == []
    assert block.day() == date(2026, 1, 5)


def test_addresses_skip_display_names_and_comments() -> None:
    block = HeaderBlock(RAW)
    assert addresses(block, "From") == ["noreply@slack.example"]
    assert addresses(block, "To", "Cc") == [
        "ann@example.org",
        "dana@example.org",
        "carl@example.com",
    ]


def test_a_broken_date_is_no_date() -> None:
    assert HeaderBlock(b"Date: sometime last week\n").day() is None
    assert HeaderBlock(b"Subject: hi\n").day() is None
