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
failing contact must never stop a campaign.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from .contact import Contact
from .journal import DeliveryKey
from .options import parse_table

if TYPE_CHECKING:
    from .campaign import Campaign
    from .journal import Journal
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


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to one piece: a journal status, and the server's words when it failed."""

    status: str
    message_id: str | None = None
    error: str | None = None


class DeliveryRun(Protocol):
    """What the engine gives a channel's :meth:`Channel.deliver`."""

    workspace: Workspace
    campaign: Campaign
    #: False on a dry run: write the outbox / PDFs / drafts, but send nothing.
    send: bool
    #: ``out/<campaign name>/``; created by the engine.
    out_dir: Path
    today: date
    #: The journal, open for the run (rate limits live there); ``None`` on a dry run.
    journal: Journal | None

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
    ``__init__``.
    """

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    Options: ClassVar[type] = NoOptions

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace

    @classmethod
    def parse_options(cls, table: Mapping[str, Any], where: str) -> Any:
        """Check a campaign's table for this channel; raise ConfigError naming ``where``."""
        return parse_table(cls.Options, table, where)

    @abstractmethod
    def reach(self, contact: Contact, options: Any) -> Reach:
        """Whether and where this channel can reach ``contact``."""

    @abstractmethod
    def render(self, piece: Piece, renderer: Renderer) -> Rendered:
        """Render one piece. Must have no side effects."""

    @abstractmethod
    def deliver(self, items: Sequence[Rendered], run: DeliveryRun) -> None:
        """Deliver (or on a dry run, write out) ``items``, reporting each to ``run``."""
