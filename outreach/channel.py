"""The channel contract: the one seam between the campaign engine and a way of reaching people.

The engine knows nothing about SMTP, PDFs or LinkedIn. A channel answers three questions:

* :meth:`Channel.reach`: can this contact be reached, and at which address?
* :meth:`Channel.render`: what exactly would they get? (pure: no side effects, so a preview
  and a real run render the same thing, and a template error stops a run before anything
  is delivered)
* :meth:`Channel.deliver`: deliver a batch, telling the run what happened to each piece.

A channel reports progress through the :class:`DeliveryRun` it is given. It calls
:meth:`DeliveryRun.sending` right before the step that cannot be taken back (SMTP DATA), and
:meth:`DeliveryRun.finished` once the outcome is known; the run records both in the journal
(only when the user asked to ``--send``). Per-piece failures are outcomes, not exceptions: one
failing contact must never stop a campaign. A channel never sees the journal: the run is the
only way in, so the engine alone writes deliveries, touches and the send log.

A channel also declares what the core would otherwise have to know about it: its account
table in ``outreach.toml`` (:attr:`Channel.Settings`, checked when a campaign is loaded, so a
typo fails a dry run) and what an audience may ``require`` of a contact
(:attr:`Channel.requirements`).
"""

from __future__ import annotations

import dataclasses
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from .contact import Contact
from .delivery import DeliveryKey, Outcome
from .options import parse_table
from .requirements import Requirement

if TYPE_CHECKING:
    from .campaign import Campaign
    from .templating import Renderer
    from .workspace import Workspace

__all__ = [
    "Channel",
    "DeliveryRun",
    "NoOptions",
    "Outcome",
    "Piece",
    "Reach",
    "Rendered",
    "Requirement",
    "SendLog",
]


@dataclass(frozen=True, slots=True)
class Reach:
    """Whether a channel can reach a contact: the address to use, or why not."""

    address: str | None
    reason: str = ""

    @classmethod
    def at(cls, address: str) -> Reach:
        """The contact is reachable at ``address`` (email, postal one-liner, profile URL)."""
        return cls(address)

    @classmethod
    def no(cls, reason: str) -> Reach:
        """The contact cannot be reached on this channel, for ``reason``."""
        return cls(None, reason)

    @property
    def ok(self) -> bool:
        """True when there is an address."""
        return self.address is not None


@dataclass(slots=True)
class Piece:
    """What a channel renders: one part of a campaign for one contact."""

    key: DeliveryKey
    contact: Contact
    address: str
    #: The channel's parsed options for this part (an instance of ``Channel.Options``).
    options: Any
    #: The template variables (see :meth:`outreach.templating.Renderer.context`).
    context: dict[str, Any]
    campaign: Campaign
    #: In a follow-up part: the message ID of the delivery it follows up (the followed part's
    #: message to this contact on this channel), so that a channel that keeps conversations
    #: together (email's In-Reply-To) can put it in the same thread; else ``None``.
    follows: str | None = None


@dataclass(slots=True)
class Rendered:
    """A rendered piece, ready to deliver, and what a person reviewing it should see."""

    key: DeliveryKey
    contact: Contact
    address: str
    #: Channel-specific content (message bytes, card text ...); the engine never looks inside.
    payload: Any
    #: One line for listings: a subject, a card's first words.
    summary: str = ""
    #: The full text for a preview: headers and body, the card's inside.
    preview: str = ""
    #: Extra facts for the review page (character counts, page numbers ...).
    details: dict[str, Any] = field(default_factory=dict)


class SendLog(Protocol):
    """The run's record of what left the machine when, for a channel's rate limits.

    It answers on a dry run too (from the journal, when there is one), so a dry run can tell
    how much of the daily allowance is left; :meth:`note` does nothing on a dry run.
    """

    def times(self, since: float) -> list[tuple[float, str]]:
        """(epoch seconds, recipient domain) of every send on this channel since ``since``."""

    def note(self, domains: Sequence[str], at: float) -> None:
        """Note one send to each of ``domains`` at ``at`` (committed with the run's batch)."""


class DeliveryRun(Protocol):
    """What the engine gives a channel's :meth:`Channel.deliver`."""

    workspace: Workspace
    campaign: Campaign
    #: False on a dry run: write the outbox / PDFs / drafts, but send nothing.
    send: bool
    #: ``out/<campaign name>/``; created by the engine.
    out_dir: Path
    today: date

    def sending(self, item: Rendered) -> None:
        """Call right before the irreversible step for ``item``.

        On a sending run this claims the delivery in the journal: if another run has it
        (sending or settled), this raises :class:`~outreach.errors.DeliveryClaimed` and the
        channel must not deliver the item (letting the exception end ``deliver`` is right).
        """

    def finished(self, item: Rendered, outcome: Outcome) -> None:
        """Call once ``item``'s outcome is known."""

    def sending_many(self, items: Sequence[Rendered]) -> None:
        """:meth:`sending` for several items at once (one journal statement)."""

    def finished_many(self, outcomes: Sequence[tuple[Rendered, Outcome]]) -> None:
        """:meth:`finished` for several items at once (one journal commit)."""

    def reopen(self, item: Rendered, error: str) -> None:
        """Put ``item`` back to pending: the server refused it before taking it, and it is to
        be tried again (``error`` is kept as the last error)."""

    def reopen_many(self, items: Sequence[tuple[Rendered, str]]) -> None:
        """:meth:`reopen` for several items at once (one journal statement)."""

    def send_log(self, channel: str) -> SendLog:
        """The send log of ``channel`` (see :class:`SendLog`)."""

    def artifact(self, path: Path, description: str) -> None:
        """Report a file the channel wrote (cards.pdf, linkedin.html ...)."""

    def warn(self, message: str) -> None:
        """Report something the user should know that is not a failure."""

    def batch(self) -> AbstractContextManager[None]:
        """Group the journal writes of several ``sending``/``finished`` calls into one commit.

        A ``sending`` mark made inside is durable only when the block ends, so the channel
        starts the irreversible step for that item after leaving it.
        """


@dataclass(slots=True)
class NoOptions:
    """A channel without campaign options."""


class Channel(ABC):
    """Base class of every delivery channel; subclass it and register it with a hook.

    Set :attr:`name` (used in campaign files) and :attr:`Options` (a dataclass that the
    channel's campaign table is checked against). One instance is made per run, with the
    workspace, so account settings (``[email]`` in ``outreach.toml``) are read in
    ``__init__`` with :meth:`account_settings`.
    """

    #: The channel's name: its table in campaign files and in ``channels = [...]``.
    name: ClassVar[str] = ""
    #: One line for ``outreach plugins``.
    description: ClassVar[str] = ""
    #: The dataclass a campaign's table for this channel is checked against.
    Options: ClassVar[type] = NoOptions
    #: The dataclass the account table of ``outreach.toml`` is checked against; ``None``
    #: when the channel has no account settings.
    Settings: ClassVar[type | None] = None
    #: The account table's name in ``outreach.toml``; empty: the channel's :attr:`name`.
    settings_table: ClassVar[str] = ""
    #: What an audience may ``require`` of a contact for this channel.
    requirements: ClassVar[tuple[Requirement, ...]] = ()

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace

    @classmethod
    def parse_options(cls, table: Mapping[str, Any], where: str) -> Any:
        """Check a campaign's table for this channel; raise ConfigError naming ``where``."""
        return parse_table(cls.Options, table, where)

    @classmethod
    def account_table(cls) -> str:
        """The name of this channel's account table in ``outreach.toml``."""
        return cls.settings_table or cls.name

    @classmethod
    def account_keys(cls) -> frozenset[str]:
        """Keys of the account table: found in a campaign, they are reported as misplaced."""
        if cls.Settings is None or not dataclasses.is_dataclass(cls.Settings):
            return frozenset()
        return frozenset(f.name for f in dataclasses.fields(cls.Settings))

    @classmethod
    def account_settings(cls, workspace: Workspace) -> Any:
        """The account table parsed into :attr:`Settings` (``None`` without one).

        Raises ConfigError naming ``outreach.toml`` and the table, with a did-you-mean for a
        misspelt key. The engine calls it for every channel a campaign uses when the
        campaign is loaded, so a mistake here stops a dry run too.
        """
        if cls.Settings is None:
            return None
        table = cls.account_table()
        where = f"{workspace.config_path} [{table}]"
        return parse_table(cls.Settings, workspace.section(table), where)

    @abstractmethod
    def reach(self, contact: Contact, options: Any) -> Reach:
        """Whether and where this channel can reach ``contact``."""

    @abstractmethod
    def render(self, piece: Piece, renderer: Renderer) -> Rendered:
        """Render one piece. Must have no side effects."""

    @abstractmethod
    def deliver(self, items: Sequence[Rendered], run: DeliveryRun) -> None:
        """Deliver (or on a dry run, write out) ``items``, reporting each to ``run``."""
