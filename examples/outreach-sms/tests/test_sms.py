"""The example SMS plugin, end to end: a campaign through outreach to a real HTTP server."""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest

from outreach import Address, Contact, Email, Engine, Name, Phone, Workspace
from outreach.errors import OutreachError
from outreach.pluginhost import get_host
from outreach.testing import RecordingRun

# Importable from a checkout too; `pip install ./examples/outreach-sms` is what users do.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import outreach_sms  # noqa: E402
from outreach_sms.channel import e164  # noqa: E402
from outreach_sms.segments import segments  # noqa: E402

TOKEN = "sk-test-0123456789"


class Provider(BaseHTTPRequestHandler):
    """An SMS provider's API on loopback: records requests, fails for one number."""

    received: list[dict[str, Any]] = []

    def do_POST(self) -> None:  # noqa: N802 - the http.server API
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.received.append({"auth": self.headers["Authorization"], **body})
        if body["to"] == "+4915112345678":
            self.send_response(400)
            self.end_headers()
            self.wfile.write(b'{"error": "number not reachable"}')
            return
        self.send_response(201)
        self.end_headers()
        self.wfile.write(json.dumps({"id": f"msg-{len(self.received)}"}).encode())

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def provider() -> Iterator[str]:
    Provider.received = []
    server = HTTPServer(("127.0.0.1", 0), Provider)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/v1/messages"
    server.shutdown()


@pytest.fixture
def plugin() -> Iterator[None]:
    """Use the plugin whether or not the distribution is installed."""
    host = get_host()
    if "sms" in host.channels():
        yield
        return
    host.register(outreach_sms, name="outreach-sms-test")
    yield
    host.unregister(name="outreach-sms-test")


def workspace_with(tmp_path: Path, sms_settings: str) -> Workspace:
    ws = Workspace.init(tmp_path / "ws", name="Alex Example", email="alex@example.com")
    ws.config_path.write_text(ws.config_path.read_text() + "\n[sms]\n" + sms_settings)
    book = ws.open_book()
    book.add(
        Contact(
            uid="ann",
            name=Name(given="Ann", formatted="Ann Lee"),
            phones=[Phone("(555) 010-2030", ("CELL",))],
        )
    )
    book.add(
        Contact(
            uid="jo",
            name=Name(given="Jörg", formatted="Jörg Weiß"),
            phones=[Phone("+49 151 12345678", ("CELL",))],
        )
    )
    book.add(
        Contact(
            uid="bo",
            name=Name(given="Bo", formatted="Bo Chen"),
            emails=[Email("bo@example.com")],
            addresses=[Address(street=("1 Main St",), locality="Springfield")],
        )
    )
    book.save()
    return Workspace.load(ws.root)


def campaign(ws: Workspace, body: str = "Hi {{ greeting }}, lunch is at noon!") -> Path:
    path = ws.root / "lunch.toml"
    path.write_text(f'name = "lunch"\n[sms]\nbody = "{body}"\n')
    return path


def test_numbers_and_segments() -> None:
    assert e164("(555) 010-2030", "US") == "+15550102030"
    assert e164("0049 30 123456", "US") == "+4930123456"
    assert e164("030 123456", "DE") == "+4930123456"
    assert e164("12", "US") is None
    assert segments("a" * 160) == (1, "GSM-7")
    assert segments("a" * 161) == (2, "GSM-7")
    assert segments("€" * 80) == (1, "GSM-7")  # two septets each
    assert segments("Jörg 😀") == (1, "UCS-2")
    assert segments("ж" * 71) == (2, "UCS-2")


def test_dry_run_writes_requests_and_sends_nothing(
    tmp_path: Path, plugin: None, provider: str
) -> None:
    ws = workspace_with(tmp_path, f'sender = "+15555550100"\napi_url = "{provider}"\n')
    engine = Engine(ws)
    result = engine.run(engine.load(campaign(ws)))
    assert Provider.received == []
    written = json.loads((ws.out_dir("lunch") / "sms" / "main-ann.json").read_text())
    assert written == {
        "from": "+15555550100",
        "to": "+15550102030",
        "text": "Hi Ann, lunch is at noon!",
    }
    assert {e.contact.uid: e.reason for e in result.plan.left_out} == {
        "bo": "sms: no mobile number"
    }


def test_send_posts_with_the_token_and_records_failures(
    tmp_path: Path, plugin: None, provider: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OUTREACH_SMS_TOKEN", TOKEN)
    ws = workspace_with(tmp_path, f'sender = "+15555550100"\napi_url = "{provider}"\n')
    engine = Engine(ws)
    result = engine.run(engine.load(campaign(ws)), send=True)
    assert [r["to"] for r in Provider.received] == ["+15550102030", "+4915112345678"]
    assert {r["auth"] for r in Provider.received} == {f"Bearer {TOKEN}"}
    assert Provider.received[1]["text"] == "Hi Jörg, lunch is at noon!"
    (failure,) = result.failures
    assert failure[1].error == 'HTTP 400: {"error": "number not reachable"}'
    with ws.open_journal() as journal:
        statuses = {d.key.contact_uid: (d.status, d.message_id) for d in journal.deliveries()}
        assert TOKEN not in json.dumps([d.last_error for d in journal.deliveries()])
    assert statuses == {"ann": ("sent", "msg-1"), "jo": ("failed", None)}
    # Sent is settled: a second run posts nothing more.
    engine.run(engine.load(campaign(ws)), send=True)
    assert len(Provider.received) == 2


def test_too_many_segments_stops_before_anything_is_sent(
    tmp_path: Path, plugin: None, provider: str
) -> None:
    ws = workspace_with(tmp_path, f'api_url = "{provider}"\n')
    engine = Engine(ws)
    long_text = "Hi {{ greeting }}! " + "x" * 600
    with pytest.raises(OutreachError, match="needs 4 SMS segments"):
        engine.run(engine.load(campaign(ws, long_text)), send=True)
    assert Provider.received == []


def test_installed_distribution_is_listed(plugin: None) -> None:
    """When installed with pip, outreach lists it under its own distribution."""
    infos = {i.name: i for i in get_host().plugin_info()}
    if "sms" not in infos:
        message = "the distribution is not installed (pip install ./examples/outreach-sms)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    assert infos["sms"].distribution == "outreach-sms"
    assert infos["sms"].hooks == ("register_channels",)


def test_the_channel_keeps_the_contract(
    tmp_path: Path, plugin: None, provider: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Delivered through outreach.testing's RecordingRun: no engine, no journal."""
    monkeypatch.setenv("OUTREACH_SMS_TOKEN", TOKEN)
    ws = workspace_with(tmp_path, f'sender = "+15555550100"\napi_url = "{provider}"\n')
    engine = Engine(ws)
    loaded = engine.load(campaign(ws))
    _, rendered = engine.preview(loaded)
    run = RecordingRun(tmp_path / "out", campaign=loaded, workspace=ws, send=True)
    engine.channel("sms").deliver(rendered, run)
    assert run.statuses() == {"ann": "sent", "jo": "failed"}
    # Marked sending before the request went, and only for what was really posted.
    assert all(run.marked_before_finishing(item.key) for item in rendered)
    assert len(Provider.received) == 2
    assert run.artifacts == [(tmp_path / "out" / "sms", "SMS requests")]


def test_without_a_provider_pieces_stay_pending(tmp_path: Path, plugin: None) -> None:
    ws = workspace_with(tmp_path, 'sender = "+15555550100"\n')
    engine = Engine(ws)
    loaded = engine.load(campaign(ws))
    _, rendered = engine.preview(loaded)
    run = RecordingRun(tmp_path / "out", campaign=loaded, send=True)
    engine.channel("sms").deliver(rendered, run)
    assert set(run.statuses().values()) == {"pending"}
    assert not [kind for kind, _, _ in run.events if kind == "sending"]
    assert run.warnings == ["no [sms] api_url in outreach.toml: requests written, nothing sent"]


def test_audience_can_require_a_mobile_number(tmp_path: Path, plugin: None) -> None:
    ws = workspace_with(tmp_path, 'sender = "+15555550100"\n')
    path = ws.root / "lunch.toml"
    path.write_text('name = "lunch"\n[audience]\nrequire = ["mobile"]\n[sms]\nbody = "Hi"\n')
    engine = Engine(ws)
    plan = engine.plan(engine.load(path))
    assert {e.contact.uid: e.reason for e in plan.left_out} == {"bo": "no mobile number"}
    assert sorted(i.contact.uid for i in plan.todo) == ["ann", "jo"]


def test_a_typo_in_the_account_table_fails_a_dry_run(tmp_path: Path, plugin: None) -> None:
    ws = workspace_with(tmp_path, 'sender = "+15555550100"\napi_ur = "http://127.0.0.1:9/"\n')
    engine = Engine(ws)
    with pytest.raises(OutreachError, match=r"\[sms\]: unknown key 'api_ur' \(did you mean"):
        engine.load(campaign(ws))


def test_plugins_json_shows_the_account_table_and_requirement(plugin: None) -> None:
    from click.testing import CliRunner

    from outreach.cli import cli

    result = CliRunner().invoke(cli, ["plugins", "--json"])
    assert result.exit_code == 0, result.output
    channels = {c["name"]: c for p in json.loads(result.output) for c in p["channels"]}
    assert channels["sms"]["settings_table"] == "sms"
    assert channels["sms"]["settings"] == ["sender", "api_url", "token_env", "timeout"]
    assert channels["sms"]["requirements"] == {"mobile": "a mobile phone number"}
