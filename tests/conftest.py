"""Shared fixtures: a fresh workspace, a fake channel, and the CLI runner.

The fake channel is the engine's test double, the way httpx tests use ``MockTransport``; it
ships in :mod:`outreach.testing` for plugin authors too. It is registered as a plugin for one
test and unregistered after, and it records every delivery in a JSON-lines file so a test can
tell exactly what was delivered, even across a crash.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from dovecot import (  # noqa: F401  (the Dovecot fixtures)
    Dovecot,
    dovecot,
    dovecot_oauth_only,
    dovecot_plaintext,
    imap_account,
)

from outreach.cli import cli
from outreach.contact import Address, Contact, Email, Name
from outreach.testing import (  # noqa: F401 - re-exported for the tests that import them here
    FakeChannel,
    FakeOptions,
    _FakeChannelPlugin,
    fake_channel_registered,
    read_fake_log,
)
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


@pytest.fixture
def fake_channel() -> Iterator[type[FakeChannel]]:
    """Register the fake channel for one test."""
    with fake_channel_registered() as channel:
        yield channel


@pytest.fixture
def run_cli(workspace: Workspace) -> Callable[..., Result]:
    """Run ``outreach --home <workspace> ARGS`` through click's runner."""
    runner = CliRunner()

    def run(*args: str, home: Path | None = None) -> Result:
        return runner.invoke(cli, ["--home", str(home or workspace.root), *args])

    return run


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """A failed test that used a Dovecot shows the server's log: its reasons are only there."""
    report = yield
    if report.failed:
        # An account made by new_account shares its server's log: one section per server.
        servers = {
            value.root: value
            for value in getattr(item, "funcargs", {}).values()
            if isinstance(value, Dovecot)
        }
        for server in servers.values():
            report.sections.append((f"Dovecot {server.user} on {server.root}", server.report()))
    return report
