"""Test doubles for the channel contract, shipped the way httpx ships ``MockTransport``.

* :class:`FakeChannel` is a channel that delivers by appending a JSON line to
  ``<out>/fake.jsonl``: register it with :func:`fake_channel_registered` and run campaigns
  through the real engine, then read what it delivered with :func:`read_fake_log` (even
  after a crash, since every line is written before its outcome is reported).
* :class:`RecordingRun` is a :class:`~outreach.channel.DeliveryRun` without an engine or a
  journal: hand it to a channel's ``deliver`` and look at what the channel reported. A
  plugin's own tests use it to check the channel keeps the contract (``sending`` before the
  irreversible step, one outcome per piece) without a workspace.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .channel import Channel, DeliveryRun, Outcome, Piece, Reach, Rendered
from .delivery import DeliveryKey, Status
from .hookspecs import hookimpl

if TYPE_CHECKING:
    from .campaign import Campaign
    from .contact import Contact
    from .pluginhost import PluginHost
    from .templating import Renderer
    from .workspace import Workspace

__all__ = [
    "FakeChannel",
    "FakeOptions",
    "FakeSendLog",
    "RecordingRun",
    "fake_channel_registered",
    "read_fake_log",
]


@dataclass(slots=True)
class FakeOptions:
    """The fake channel's campaign table (``[fake]``)."""

    #: The text delivered (a template).
    body: str = "Hello {{ greeting }}"
    #: Contacts (by UID) whose delivery fails permanently.
    fail: list[str] | None = None
    #: Kill the process (``os._exit``) right after delivering this many pieces.
    crash_after: int = 0


class FakeChannel(Channel):
    """Delivers by appending a JSON line to ``<out>/fake.jsonl``; nothing else.

    It reaches contacts at their email address and keeps the contract as a real channel
    must: ``sending`` before the step that counts as delivery, then ``finished``.
    """

    name = "fake"
    description = "test double: delivers to a JSON-lines file"
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
            options = _options_of(run.campaign, item)
            if item.contact.uid in set(options.fail or []):
                run.finished(item, Outcome(Status.FAILED, error="550 5.1.1 no such user"))
                continue
            run.sending(item)
            if run.send:
                log.parent.mkdir(parents=True, exist_ok=True)
                with log.open("a", encoding="utf-8") as handle:
                    handle.write(json.dumps({"uid": item.contact.uid, "text": item.payload}) + "\n")
            if options.crash_after and count >= options.crash_after:
                os._exit(137)  # a killed process: nothing after this line runs
            run.finished(item, Outcome(Status.SENT, message_id=f"<{item.contact.uid}@fake>"))


def _options_of(campaign: Campaign, item: Rendered) -> FakeOptions:
    part = next(p for p in campaign.parts if p.id == item.key.part)
    options: FakeOptions = part.options[FakeChannel.name]
    return options


class _FakeChannelPlugin:
    """The plugin that registers :class:`FakeChannel`."""

    @hookimpl
    def register_channels(self, register: Callable[[type[Channel]], None]) -> None:
        register(FakeChannel)


@contextmanager
def fake_channel_registered(
    host: PluginHost | None = None, name: str = "fake-channel"
) -> Iterator[type[FakeChannel]]:
    """Register :class:`FakeChannel` on ``host`` (the process-wide one by default) for the
    block, and unregister it after."""
    from .pluginhost import get_host

    host = host or get_host()
    host.register(_FakeChannelPlugin(), name=name)
    try:
        yield FakeChannel
    finally:
        host.unregister(name=name)


def read_fake_log(workspace: Workspace, campaign: str) -> list[dict[str, Any]]:
    """Every delivery the fake channel made for a campaign, oldest first."""
    log = workspace.out_dir(campaign) / "fake.jsonl"
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]


@dataclass(slots=True)
class FakeSendLog:
    """An in-memory :class:`~outreach.channel.SendLog`."""

    #: (epoch seconds, domain) of every send noted, plus any given as history.
    entries: list[tuple[float, str]] = field(default_factory=list)
    #: False on a dry run: :meth:`note` records nothing.
    writable: bool = True

    def times(self, since: float) -> list[tuple[float, str]]:
        """Every send since ``since``, oldest first."""
        return sorted(e for e in self.entries if e[0] >= since)

    def note(self, domains: Sequence[str], at: float) -> None:
        """Note one send to each domain at ``at`` (nothing on a dry run)."""
        if self.writable:
            self.entries.extend((at, domain) for domain in domains)


class RecordingRun:
    """A :class:`~outreach.channel.DeliveryRun` that records what a channel reports.

    ``events`` holds every call in order as ``(kind, key, detail)`` (``kind`` is
    ``"sending"``, ``"finished"`` or ``"reopen"``); :attr:`outcomes` the last outcome of each
    piece. A second ``finished`` for the same piece is recorded in ``events`` but, as in the
    engine, does not replace the first outcome.
    """

    def __init__(
        self,
        out_dir: Path,
        *,
        campaign: Campaign | None = None,
        workspace: Workspace | None = None,
        send: bool = False,
        today: date | None = None,
        send_history: Sequence[tuple[float, str]] = (),
    ) -> None:
        self.out_dir = Path(out_dir)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self.campaign: Any = campaign
        self.workspace: Any = workspace
        self.send = send
        self.today = today or date.today()
        self.events: list[tuple[str, DeliveryKey, Any]] = []
        self.outcomes: dict[DeliveryKey, Outcome] = {}
        self.artifacts: list[tuple[Path, str]] = []
        self.warnings: list[str] = []
        self.batches = 0
        self._logs: dict[str, FakeSendLog] = {}
        self._history = list(send_history)

    # -- the DeliveryRun contract ---------------------------------------------------------

    def sending(self, item: Rendered) -> None:
        """Record that ``item`` is about to go."""
        self.events.append(("sending", item.key, None))

    def sending_many(self, items: Sequence[Rendered]) -> None:
        """:meth:`sending` for each item."""
        for item in items:
            self.sending(item)

    def finished(self, item: Rendered, outcome: Outcome) -> None:
        """Record ``item``'s outcome (the first one counts)."""
        self.events.append(("finished", item.key, outcome))
        self.outcomes.setdefault(item.key, outcome)

    def finished_many(self, outcomes: Sequence[tuple[Rendered, Outcome]]) -> None:
        """:meth:`finished` for each pair."""
        for item, outcome in outcomes:
            self.finished(item, outcome)

    def reopen(self, item: Rendered, error: str) -> None:
        """Record that ``item`` went back to pending."""
        self.events.append(("reopen", item.key, error))

    def reopen_many(self, items: Sequence[tuple[Rendered, str]]) -> None:
        """:meth:`reopen` for each pair."""
        for item, error in items:
            self.reopen(item, error)

    def send_log(self, channel: str) -> FakeSendLog:
        """The in-memory send log of ``channel`` (starting from ``send_history``)."""
        if channel not in self._logs:
            self._logs[channel] = FakeSendLog(list(self._history), writable=self.send)
        return self._logs[channel]

    def artifact(self, path: Path, description: str) -> None:
        """Record a file the channel wrote."""
        self.artifacts.append((path, description))

    def warn(self, message: str) -> None:
        """Record a warning."""
        self.warnings.append(message)

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Count the batches (nothing to commit here)."""
        self.batches += 1
        yield

    # -- for assertions -------------------------------------------------------------------

    def statuses(self) -> dict[str, str]:
        """Each piece's outcome status by contact UID."""
        return {key.contact_uid: str(o.status) for key, o in self.outcomes.items()}

    def marked_before_finishing(self, key: DeliveryKey) -> bool:
        """True when ``key`` was marked ``sending`` before its outcome was reported."""
        kinds = [kind for kind, k, _ in self.events if k == key]
        return "sending" in kinds and kinds.index("sending") < kinds.index("finished")
