"""The channel contract's seams: the delivery vocabulary, outreach.toml tables, requirements,
the retry policy, pure rendering, and the recording run."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import Result
from conftest import make_contact
from smtp_servers import campaign_file

from outreach import hookimpl
from outreach.campaign import Audience
from outreach.config_tables import CORE_TABLES, known_tables
from outreach.delivery import SETTLED, Status
from outreach.engine import Engine
from outreach.errors import ConfigError
from outreach.journal import Journal
from outreach.pluginhost import get_host
from outreach.retry import RetryPolicy, settled_statuses
from outreach.testing import FakeChannel, RecordingRun
from outreach.workspace import Workspace


def test_statuses_are_the_journal_words() -> None:
    assert [s.value for s in Status] == [
        "pending",
        "sending",
        "sent",
        "failed",
        "unknown",
        "drafted",
        "printed",
        "replied",
        "bounced",
    ]
    # Plain text read back from the journal is the same status.
    assert Status.SENT == "sent" and {"sent": 1}[Status.SENT] == 1
    assert f"{Status.FAILED}" == "failed"


def test_a_journal_accepts_every_status(tmp_path: Path) -> None:
    from outreach.delivery import DeliveryKey

    with Journal(tmp_path / "j.sqlite") as journal:
        for status in Status:
            key = DeliveryKey("c", "main", status.value, "email")
            journal.record(key, status)
            journal.record(key, str(status))
        assert {d.key.contact_uid: d.status for d in journal.deliveries()} == {
            s.value: s.value for s in Status
        }


def add_config(workspace: Workspace, text: str) -> Workspace:
    workspace.config_path.write_text(workspace.config_path.read_text() + "\n" + text)
    return Workspace.load(workspace.root)


def test_an_unknown_table_in_outreach_toml_fails_a_dry_run(
    workspace: Workspace, tmp_path: Path, run_cli: Callable[..., Result]
) -> None:
    add_config(workspace, '[emial]\nhost = "smtp.example.com"\n')
    before = workspace.config_path.read_bytes()
    result = run_cli("campaign", "run", str(campaign_file(tmp_path)))
    assert result.exit_code == 2
    assert "unknown table [emial] (did you mean [email]?)" in result.output
    assert str(workspace.config_path) in result.output
    assert workspace.config_path.read_bytes() == before


def test_a_typo_in_a_channel_account_table_fails_a_dry_run(
    workspace: Workspace, tmp_path: Path
) -> None:
    ws = add_config(workspace, '[email]\nhots = "smtp.example.com"\n')
    engine = Engine(ws)
    with pytest.raises(ConfigError, match=r"\[email\]: unknown key 'hots' \(did you mean 'host'"):
        engine.load(campaign_file(tmp_path))


def test_core_tables_and_channel_tables_are_known(workspace: Workspace, tmp_path: Path) -> None:
    ws = add_config(
        workspace,
        '[email]\nhost = "smtp.example.com"\n[print]\n[linkedin]\naccount = "free"\n'
        '[reminders]\nbackup = "monthly"\n',
    )
    assert Engine(ws).load(campaign_file(tmp_path)).name == "hello"
    tables = known_tables(get_host())
    assert set(CORE_TABLES) | {"email", "print", "linkedin"} <= set(tables)


class _Settings:
    @hookimpl
    def register_settings_tables(self, register: Callable[..., None]) -> None:
        from dataclasses import dataclass

        @dataclass
        class Crm:
            url: str = ""

        register("crm", Crm)


@pytest.fixture
def crm_plugin() -> Iterator[None]:
    host = get_host()
    host.register(_Settings(), name="crm-settings")
    try:
        yield
    finally:
        host.unregister(name="crm-settings")


def test_a_plugin_declares_its_own_table(
    workspace: Workspace, tmp_path: Path, crm_plugin: None
) -> None:
    ws = add_config(workspace, '[crm]\nurl = "http://127.0.0.1/"\n')
    assert Engine(ws).load(campaign_file(tmp_path)).name == "hello"
    bad = add_config(ws, "")
    bad.config["crm"] = {"uri": "x"}
    with pytest.raises(ConfigError, match=r"\[crm\]: unknown key 'uri' \(did you mean 'url'"):
        Engine(bad).load(campaign_file(tmp_path))


def test_requirements_come_from_the_channels() -> None:
    requirements = get_host().requirements()
    assert {"email", "postal", "linkedin"} <= set(requirements)
    nobody = make_contact("u", "Ann", "Lee")
    assert requirements["email"].missing(nobody) == "no email address"
    assert requirements["postal"].missing(nobody) == "no postal address"
    assert requirements["linkedin"].missing(nobody) == "no LinkedIn profile"
    assert requirements["email"].missing(make_contact("v", "Bo", "Chen", email="b@x.org")) is None
    # An audience made in code finds them too.
    assert Audience(require=["email"]).excludes(nobody) == "no email address"


def test_account_settings_in_a_campaign_are_misplaced_but_options_are_not(
    workspace: Workspace, tmp_path: Path
) -> None:
    engine = Engine(workspace)
    with pytest.raises(ConfigError, match="'per_day' is an account setting"):
        engine.load(campaign_file(tmp_path, per_day=5))
    # `sender` is an account key of the SMS example and an option of email: allowed here.
    path = campaign_file(tmp_path, "with-sender", sender="Alex <alex@example.com>")
    assert engine.load(path).parts[0].options["email"].sender == "Alex <alex@example.com>"


def test_retry_policy() -> None:
    policy = RetryPolicy(attempts=3, backoff=2.0, backoff_max=5.0)
    rng = random.Random(7)
    delays = [policy.delay(n, rng) for n in (1, 2, 3, 4)]
    assert 1.0 <= delays[0] <= 2.0 and 2.0 <= delays[1] <= 4.0
    assert all(2.5 <= d <= 5.0 for d in delays[2:])  # capped at backoff_max
    assert not policy.gives_up(2) and policy.gives_up(3)
    with pytest.raises(ValueError, match="retries must be at least 1"):
        RetryPolicy(attempts=0)
    assert settled_statuses() == SETTLED
    assert Status.FAILED not in settled_statuses(retry_failed=True)
    assert Status.UNKNOWN not in settled_statuses(retry_unknown=True)
    assert Status.PENDING not in SETTLED and Status.DRAFTED not in SETTLED


def test_email_render_leaves_the_piece_alone(
    workspace: Workspace, add_contacts: Callable[..., object], tmp_path: Path
) -> None:
    add_contacts(make_contact("u1", "Ann", "Lee", email="ann@example.com"))
    path = campaign_file(tmp_path, body="Hi {{ row.project }}", data="people.csv")
    (path.parent / "people.csv").write_text("email,project\nann@example.com,Atlas\n")
    engine = Engine(workspace)
    campaign = engine.load(path)
    plan = engine.plan(campaign)
    renderer = engine.renderer(campaign)
    from outreach.channel import Piece

    item = plan.todo[0]
    context = renderer.context(item.contact, campaign=campaign, part="main", channel="email")
    piece = Piece(
        item.key, item.contact, item.address, item.part.options["email"], context, campaign
    )
    before = dict(context)
    rendered = engine.channel("email").render(piece, renderer)
    assert "Hi Atlas" in rendered.preview
    assert piece.context == before and "row" not in piece.context


def test_recording_run_sees_what_the_fake_channel_reports(
    workspace: Workspace,
    add_contacts: Callable[..., object],
    fake_channel: type[FakeChannel],
    tmp_path: Path,
) -> None:
    add_contacts(
        make_contact("u1", "Ann", "Lee", email="ann@example.com"),
        make_contact("u2", "Bo", "Chen", email="bo@example.com"),
    )
    path = tmp_path / "c.toml"
    path.write_text('name = "c"\n[fake]\nfail = ["u2"]\n')
    engine = Engine(workspace)
    campaign = engine.load(path)
    _, rendered = engine.preview(campaign)
    run = RecordingRun(tmp_path / "out", campaign=campaign, send=True)
    engine.channel("fake").deliver(rendered, run)
    assert run.statuses() == {"u1": "sent", "u2": "failed"}
    first = next(r for r in rendered if r.contact.uid == "u1")
    assert run.marked_before_finishing(first.key)
    log = run.send_log("fake")
    log.note(["example.com"], 100.0)
    assert log.times(50.0) == [(100.0, "example.com")]
    dry = RecordingRun(tmp_path / "dry", campaign=campaign)
    dry.send_log("fake").note(["example.com"], 100.0)
    assert dry.send_log("fake").times(0) == []
