"""Shared fixtures: a fresh workspace, a fake channel, and the CLI runner.

The fake channel is the engine's test double, the way httpx tests use ``MockTransport``: it is
registered as a plugin for one test and unregistered after, and it records every delivery in
a JSON-lines file so a test can tell exactly what was delivered, even across a crash.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from dovecot import (  # noqa: F401  (the Dovecot fixtures)
    dovecot,
    dovecot_oauth_only,
    dovecot_plaintext,
    imap_account,
)

from outreach import hookimpl
from outreach.channel import Channel, DeliveryRun, Outcome, Piece, Reach, Rendered
from outreach.cli import cli
from outreach.contact import Address, Contact, Email, Name
from outreach.journal import FAILED, SENT
from outreach.pluginhost import get_host
from outreach.templating import Renderer
from outreach.workspace import Workspace


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test may see the developer's workspace or SMTP password."""
    monkeypatch.delenv("OUTREACH_HOME", raising=False)
    monkeypatch.delenv("OUTREACH_SMTP_PASSWORD", raising=False)


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    """A new, empty workspace with a sender identity."""
    return Workspace.init(tmp_path / "ws", name="Alex Example", email="alex@example.com")


def make_contact(
    uid: str,
    given: str,
    family: str,
    *,
    email: str | None = None,
    tags: Sequence[str] = (),
    address: Address | None = None,
    linkedin: str = "",
    org: str = "",
) -> Contact:
    """A contact for tests, with just the parts a test cares about."""
    return Contact(
        uid=uid,
        name=Name(given=given, family=family, formatted=f"{given} {family}"),
        emails=[Email(email, ("INTERNET",))] if email else [],
        addresses=[address] if address else [],
        tags=list(tags),
        linkedin=linkedin,
        org=org,
    )


@pytest.fixture
def add_contacts(workspace: Workspace) -> Callable[..., list[Contact]]:
    """Add contacts to the workspace's book and save it."""

    def add(*contacts: Contact) -> list[Contact]:
        book = workspace.open_book()
        for contact in contacts:
            book.add(contact)
        book.save()
        return list(contacts)

    return add


@dataclass(slots=True)
class FakeOptions:
    """The fake channel's campaign table."""

    body: str = "Hello {{ greeting }}"
    #: Contacts (by UID) whose delivery fails permanently.
    fail: list[str] | None = None
    #: Kill the process (os._exit) right after marking this many pieces as sending.
    crash_after: int = 0


class FakeChannel(Channel):
    """Delivers by appending a JSON line to ``<out>/fake.jsonl``; nothing else."""

    name = "fake"
    description = "test double"
    Options = FakeOptions

    def reach(self, contact: Contact, options: FakeOptions) -> Reach:
        address = contact.primary_email
        return Reach.at(address) if address else Reach.no("no email address")

    def render(self, piece: Piece, renderer: Renderer) -> Rendered:
        text = renderer.render_string(
            piece.options.body, piece.context, name="[fake] body", contact=piece.contact
        )
        return Rendered(piece.key, piece.contact, piece.address, text, text, text)

    def deliver(self, items: Sequence[Rendered], run: DeliveryRun) -> None:
        log = run.out_dir / "fake.jsonl"
        for count, item in enumerate(items, 1):
            options = self._options(run, item)
            failing = set(options.fail or [])
            crash_after = options.crash_after
            if item.contact.uid in failing:
                run.finished(item, Outcome(FAILED, error="550 5.1.1 no such user"))
                continue
            run.sending(item)
            if run.send:
                with log.open("a", encoding="utf-8") as handle:
                    handle.write(json.dumps({"uid": item.contact.uid, "text": item.payload}) + "\n")
            if crash_after and count >= crash_after:
                os._exit(137)
            run.finished(item, Outcome(SENT, message_id=f"<{item.contact.uid}@fake>"))

    @staticmethod
    def _options(run: DeliveryRun, item: Rendered) -> FakeOptions:
        part = next(p for p in run.campaign.parts if p.id == item.key.part)
        options: FakeOptions = part.options["fake"]
        return options


class _FakeChannelPlugin:
    @hookimpl
    def register_channels(self, register: Callable[[type[Channel]], None]) -> None:
        register(FakeChannel)


@pytest.fixture
def fake_channel() -> Iterator[type[FakeChannel]]:
    """Register the fake channel for one test."""
    host = get_host()
    plugin = _FakeChannelPlugin()
    host.register(plugin, name="fake-channel")
    try:
        yield FakeChannel
    finally:
        host.unregister(name="fake-channel")


def read_fake_log(workspace: Workspace, campaign: str) -> list[dict[str, Any]]:
    """Every delivery the fake channel made for a campaign."""
    log = workspace.out_dir(campaign) / "fake.jsonl"
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def run_cli(workspace: Workspace) -> Callable[..., Result]:
    """Run ``outreach --home <workspace> ARGS`` through click's runner."""
    runner = CliRunner()

    def run(*args: str, home: Path | None = None) -> Result:
        return runner.invoke(cli, ["--home", str(home or workspace.root), *args])

    return run
