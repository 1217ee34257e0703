"""Follow-up parts in campaign files, and exit status 3 for a run stopped by a sending limit."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

import pytest
from click.testing import Result
from conftest import make_contact
from smtp_servers import Recorder, aiosmtpd_server, campaign_file, email_settings

from outreach.workspace import Workspace

TWO_PARTS = """\
name = "ask"
[[part]]
id = "ask"
[part.email]
subject = "Hi"
body = "Hi"
[[part]]
id = "reminder"
{extra}
[part.email]
subject = "Reminder"
body = "Reminder"
"""


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (
            'follow_up = "asc"\nafter = "P10D"',
            "follow_up = 'asc' names no part (parts: ask, reminder)",
        ),
        ('follow_up = "reminder"\nafter = "P10D"', "part 'reminder' cannot follow up itself"),
        ('follow_up = "ask"', 'a follow-up needs after = "P10D"'),
        ('follow_up = "ask"\nafter = "ten days"', "part 'reminder': after: not a cadence"),
        ('follow_up = "ask"\nafter = "never"', "after = 'never' never comes"),
        ('follow_up = "ask"\nafter = "P10D"\nunless = "read"', "unless must be 'replied' or"),
        ('after = "P10D"', "has 'after' but no follow_up"),
    ],
)
def test_bad_follow_up_settings_are_one_clear_line(
    workspace: Workspace,
    run_cli: Callable[..., Result],
    tmp_path: Path,
    extra: str,
    expected: str,
) -> None:
    path = tmp_path / "ask.toml"
    path.write_text(TWO_PARTS.format(extra=extra), encoding="utf-8")
    result = run_cli("campaign", "preview", str(path))
    assert result.exit_code == 2
    assert result.output.startswith(f"outreach: error: {path}: ")
    assert expected in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_follow_ups_that_follow_each_other_in_a_circle_are_refused(
    workspace: Workspace, run_cli: Callable[..., Result], tmp_path: Path
) -> None:
    path = tmp_path / "ask.toml"
    text = TWO_PARTS.format(extra='follow_up = "ask"\nafter = "P10D"').replace(
        'id = "ask"\n', 'id = "ask"\nfollow_up = "reminder"\nafter = "P1W"\n', 1
    )
    path.write_text(text, encoding="utf-8")
    result = run_cli("campaign", "run", str(path))
    assert result.exit_code == 2
    (line,) = result.output.strip().splitlines()
    assert line == (
        f"outreach: error: {path}: the follow-ups go round in a circle "
        "(ask -> reminder -> ask): none of them could ever be sent"
    )


def test_a_follow_up_waits_for_the_first_part_and_shares_its_audience(
    workspace: Workspace, add_contacts, run_cli: Callable[..., Result], tmp_path: Path
) -> None:
    add_contacts(
        make_contact("u1", "Ann", "Lee", email="ann@example.org", tags=["asked"]),
        make_contact("u2", "Bo", "Chen", email="bo@example.net"),
    )
    path = tmp_path / "ask.toml"
    path.write_text(
        TWO_PARTS.replace(
            'id = "ask"\n', 'id = "ask"\n[part.audience]\ntags = ["asked"]\n', 1
        ).format(extra='follow_up = "ask"\nafter = "P2W"'),
        encoding="utf-8",
    )
    status = run_cli("campaign", "status", str(path))
    assert status.exit_code == 0, status.output
    lines = status.output.splitlines()
    assert any(
        line.startswith("waiting") and "Ann Lee" in line and "(reminder): ask not sent yet" in line
        for line in lines
    )
    assert not any("Bo Chen" in line for line in lines)  # not in the first part's audience


def test_a_run_stopped_by_the_daily_limit_exits_3(
    workspace: Workspace, add_contacts, run_cli: Callable[..., Result], tmp_path: Path
) -> None:
    add_contacts(
        make_contact("u1", "Ann", "Lee", email="ann@example.org"),
        make_contact("u2", "Bo", "Chen", email="bo@example.net"),
        make_contact("u3", "Cy", "Diaz", email="cy@example.com"),
    )
    with ExitStack() as stack:
        recorder = Recorder()
        port = stack.enter_context(aiosmtpd_server(recorder))
        email_settings(workspace.root, port=port, per_day=2)
        path = campaign_file(tmp_path)
        first = run_cli("campaign", "run", str(path), "--send")
        assert first.exit_code == 3, first.output
        assert "1 not delivered in this run" in first.output
        assert "run the campaign again after" in first.output
        assert len(recorder.received) == 2
        dry = run_cli("campaign", "run", str(path))
        assert dry.exit_code == 0  # a dry run leaves nothing undone


def test_an_email_follow_up_is_a_reply_in_the_first_messages_thread(
    workspace: Workspace, add_contacts, run_cli: Callable[..., Result], tmp_path: Path
) -> None:
    from datetime import date, timedelta

    from outreach.delivery import DeliveryKey
    from outreach.engine import Engine

    add_contacts(make_contact("u1", "Ann", "Lee", email="ann@example.org"))
    path = tmp_path / "ask.toml"
    path.write_text(TWO_PARTS.format(extra='follow_up = "ask"\nafter = "P10D"'), encoding="utf-8")
    later = (date.today() + timedelta(days=10)).isoformat()
    with ExitStack() as stack:
        recorder = Recorder()
        port = stack.enter_context(aiosmtpd_server(recorder))
        email_settings(workspace.root, port=port)
        first = run_cli("campaign", "run", str(path), "--send")
        assert first.exit_code == 0, first.output
        reminded = run_cli("campaign", "run", str(path), "--send", "--today", later)
        assert reminded.exit_code == 0, reminded.output
    asked, reminder = (r.message for r in recorder.received)
    assert asked["Subject"] == "Hi" and reminder["Subject"] == "Reminder"
    assert "In-Reply-To" not in asked
    assert reminder["In-Reply-To"] == asked["Message-ID"]
    assert reminder["References"] == asked["Message-ID"]

    # The ID comes from the journal, which is workspace data: a bad one never reaches a header.
    key = DeliveryKey("ask", "ask", "u1", "email")
    with workspace.open_journal() as journal:
        journal.record(key, "sent", message_id="<x@y>\r\nBcc: someone@example.net")
        journal.record(DeliveryKey("ask", "reminder", "u1", "email"), "pending")
    engine = Engine(Workspace.load(workspace.root), today=date.fromisoformat(later))
    _, rendered = engine.preview(engine.load(path))
    data = rendered[0].payload.data
    assert b"Bcc" not in data and b"In-Reply-To" not in data
