"""The campaign engine with a fake channel: plan, render, deliver, record, resume."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from conftest import make_contact, read_fake_log

from outreach.channel import Channel
from outreach.contact import Address, Contact
from outreach.engine import Engine, summarise
from outreach.errors import TemplateRenderError
from outreach.journal import FAILED, SENDING, SENT, UNKNOWN, DeliveryKey
from outreach.workspace import Workspace

TODAY = date(2026, 11, 22)


def people() -> list[Contact]:
    home = Address(street=("1 Main St",), locality="Springfield", country_code="US")
    return [
        make_contact("u1", "Ann", "Lee", email="ann@example.com", tags=["colleague"]),
        make_contact("u2", "Bo", "Chen", email="bo@example.com", tags=["colleague", "no-email"]),
        make_contact("u3", "Cy", "Diaz", tags=["colleague"], address=home),
        make_contact("u4", "Di", "Ek", email="di@example.com", tags=["friend"]),
        make_contact("u5", "Ed", "Fo", email="ed@example.com", tags=["colleague"]),
    ]


def write_campaign(workspace: Workspace, text: str, name: str = "hello") -> Path:
    path = workspace.root / "campaigns" / name / "campaign.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


BASIC = """
    [audience]
    tags = ["colleague"]
    exclude_tags = ["no-email"]
    [fake]
    body = "Hi {{ greeting }}, it has been {{ since }}."
"""


@pytest.fixture
def engine(
    workspace: Workspace, add_contacts: Callable[..., list[Contact]], fake_channel: type[Channel]
) -> Engine:
    add_contacts(*people())
    return Engine(workspace, today=TODAY)


def test_plan_selects_audience_and_reports_who_is_left_out(
    engine: Engine, workspace: Workspace
) -> None:
    campaign = engine.load(write_campaign(workspace, BASIC))
    plan = engine.plan(campaign)
    assert [i.contact.uid for i in plan.todo] == ["u1", "u5"]
    left_out = {e.contact.uid: e.reason for e in plan.left_out}
    assert left_out == {"u2": "tagged no-email", "u3": "fake: no email address"}


def test_dry_run_writes_nothing_to_the_journal(engine: Engine, workspace: Workspace) -> None:
    campaign = engine.load(write_campaign(workspace, BASIC))
    result = engine.run(campaign)
    assert result.counts[("fake", SENT)] == 2
    assert read_fake_log(workspace, "hello") == []  # the fake writes only when sending
    assert not workspace.journal_path.exists()
    assert "dry run" in summarise(result)[0]


def test_send_records_and_never_sends_twice(engine: Engine, workspace: Workspace) -> None:
    campaign = engine.load(write_campaign(workspace, BASIC))
    first = engine.run(campaign, send=True)
    assert first.ok
    second = engine.run(campaign, send=True)
    assert sum(second.counts.values()) == 0
    assert len(second.plan.done) == 2
    log = read_fake_log(workspace, "hello")
    assert [entry["uid"] for entry in log] == ["u1", "u5"]
    assert log[0]["text"] == "Hi Ann, it has been a long time."
    with workspace.open_journal() as journal:
        assert journal.last_touches() == {"u1": TODAY, "u5": TODAY}
        statuses = journal.statuses("hello")
    assert statuses[DeliveryKey("hello", "main", "u1", "fake")] == SENT


def test_limit_delivers_part_and_the_rest_later(engine: Engine, workspace: Workspace) -> None:
    campaign = engine.load(write_campaign(workspace, BASIC))
    engine.run(campaign, send=True, limit=1)
    assert [e["uid"] for e in read_fake_log(workspace, "hello")] == ["u1"]
    engine.run(campaign, send=True)
    assert [e["uid"] for e in read_fake_log(workspace, "hello")] == ["u1", "u5"]


def test_one_failure_does_not_stop_the_campaign(engine: Engine, workspace: Workspace) -> None:
    path = write_campaign(workspace, BASIC.replace("[fake]", '[fake]\n    fail = ["u1"]'))
    campaign = engine.load(path)
    result = engine.run(campaign, send=True)
    assert not result.ok
    assert [e["uid"] for e in read_fake_log(workspace, "hello")] == ["u5"]
    assert any("550 5.1.1 no such user" in line for line in summarise(result))
    status = {r.uid: r for r in engine.status(campaign)}
    assert status["u1"].status == FAILED
    assert status["u1"].error == "550 5.1.1 no such user"
    # Failed pieces are settled: a new run leaves them alone unless asked.
    assert engine.plan(campaign).todo == []
    assert [i.contact.uid for i in engine.plan(campaign, retry_failed=True).todo] == ["u1"]


def test_template_error_stops_before_anything_is_delivered(
    engine: Engine, workspace: Workspace
) -> None:
    path = write_campaign(workspace, BASIC.replace("{{ since }}", "{{ sinse }}"))
    campaign = engine.load(path)
    with pytest.raises(TemplateRenderError, match=r"\[fake\] body, line 1.*sinse.*Ann Lee <u1>"):
        engine.run(campaign, send=True)
    assert read_fake_log(workspace, "hello") == []
    with workspace.open_journal() as journal:
        assert journal.deliveries() == []


def test_first_reachable_channel_and_all_channels(engine: Engine, workspace: Workspace) -> None:
    path = write_campaign(
        workspace,
        """
        [[part]]
        id = "farewell"
        deliver = "first"
        channels = ["fake", "print"]
        audience.tags = ["colleague"]
        [[part]]
        id = "both"
        channels = ["fake", "linkedin"]
        audience.contacts = ["ed@example.com"]
        [part.linkedin]
        body = "Hi {{ greeting }}"
        """,
    )
    plan = engine.plan(engine.load(path))
    pieces = sorted((i.part.id, i.contact.uid, i.channel) for i in plan.todo)
    assert pieces == [
        ("both", "u5", "fake"),
        ("both", "u5", "linkedin"),
        ("farewell", "u1", "fake"),
        ("farewell", "u2", "fake"),
        ("farewell", "u3", "print"),
        ("farewell", "u5", "fake"),
    ]


def test_overdue_only_audience(engine: Engine, workspace: Workspace) -> None:
    # A contact last touched two years ago on a yearly cadence is due now.
    engine = Engine(Workspace.load(workspace.root), today=TODAY)
    with workspace.open_journal() as journal:
        journal.add_touch("u1", date(2026, 10, 1), "call")
        journal.add_touch("u5", date(2024, 1, 1), "call")
    path = write_campaign(
        workspace, BASIC.replace("[audience]", "[audience]\n    overdue_only = true")
    )
    plan = engine.plan(engine.load(path))
    assert [i.contact.uid for i in plan.todo] == ["u5"]
    assert {e.contact.uid: e.reason for e in plan.left_out}["u1"] == "not due in the touch plan"


def test_a_piece_delivered_before_stays_done_when_today_the_audience_would_leave_it_out(
    engine: Engine, workspace: Workspace
) -> None:
    from outreach.mailstate import MailState

    path = write_campaign(
        workspace, BASIC.replace("[audience]", '[audience]\n    require = ["email"]')
    )
    campaign = engine.load(path)
    first = engine.run(campaign, send=True)
    assert first.counts[("fake", SENT)] == 2  # u1 and u5
    # Ann's only address bounces afterwards: the audience would no longer take her.
    with workspace.open_journal() as journal:
        MailState(journal).mark_bounced("ann@example.com", "u1", TODAY, "5.1.1 no such user")
        journal.record(DeliveryKey("hello", "main", "u1", "fake"), "bounced", error="5.1.1")
    plan = engine.plan(campaign)
    assert sorted(i.contact.uid for i in plan.done) == ["u1", "u5"]
    assert "u1" not in {e.contact.uid for e in plan.left_out}
    assert [r.status for r in engine.status(campaign) if r.uid == "u1"] == ["bounced"]
    again = summarise(engine.run(campaign, send=True))
    assert "2 already settled in earlier runs (skipped)" in again
    assert "2 left out (see campaign status)" in again  # Bo (tagged no-email), Cy (no email)


CRASHING_RUN = """
import sys
sys.path.insert(0, {tests!r})
from datetime import date
from conftest import _FakeChannelPlugin
from outreach.engine import Engine
from outreach.pluginhost import get_host
from outreach.workspace import Workspace
get_host().register(_FakeChannelPlugin(), name="fake-channel")
engine = Engine(Workspace.load({root!r}), today=date(2026, 11, 22))
engine.run(engine.load({campaign!r}), send=True)
"""


def test_crash_mid_run_then_resume_sends_nothing_twice(
    engine: Engine, workspace: Workspace, add_contacts: Callable[..., list[Contact]]
) -> None:
    add_contacts(
        *[
            make_contact(
                f"x{i:02d}", "Person", f"{i:02d}", email=f"p{i}@example.com", tags=["colleague"]
            )
            for i in range(20)
        ]
    )
    path = write_campaign(workspace, BASIC.replace("[fake]", "[fake]\n    crash_after = 7"))
    script = CRASHING_RUN.format(
        tests=str(Path(__file__).parent), root=str(workspace.root), campaign=str(path)
    )
    crashed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert crashed.returncode == 137, crashed.stderr
    delivered = [e["uid"] for e in read_fake_log(workspace, "hello")]
    assert len(delivered) == 7
    with workspace.open_journal() as journal:
        statuses = journal.statuses("hello")
    assert list(statuses.values()).count(SENDING) == 1  # killed between DATA and the reply

    # Resume without the crash: the in-flight piece is reported unknown, never resent.
    path.write_text(textwrap.dedent(BASIC), encoding="utf-8")
    result = engine.run(engine.load(path), send=True)
    assert [d.key.contact_uid for d in result.interrupted] == [delivered[-1]]
    after = [e["uid"] for e in read_fake_log(workspace, "hello")]
    assert len(after) == len(set(after)) == 22
    with workspace.open_journal() as journal:
        final = journal.statuses("hello")
    assert list(final.values()).count(UNKNOWN) == 1
    assert list(final.values()).count(SENT) == 21


def test_bad_input_found_while_delivering_stops_the_run(
    engine: Engine, workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    from outreach.errors import InputError

    campaign = engine.load(write_campaign(workspace, BASIC))

    def refuse(self: object, items: object, run: object) -> None:
        raise InputError("out/hello: not writable")

    monkeypatch.setattr(type(engine.channel("fake")), "deliver", refuse)
    with pytest.raises(InputError, match="not writable"):
        engine.run(campaign, send=True)


def test_an_outcome_the_journal_could_not_record_is_not_reported_as_done(
    engine: Engine, workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    from outreach.journal import Journal

    def disk_full(self: Journal, touches: object) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(Journal, "add_touches", disk_full)
    result = engine.run(engine.load(write_campaign(workspace, BASIC)), send=True)
    assert sum(result.counts.values()) == 0
    assert [i.contact.uid for i in result.not_finished] == ["u1", "u5"]
    assert result.channel_errors == ["fake: OperationalError: database or disk is full"]
