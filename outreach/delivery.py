"""The delivery vocabulary: what a delivery is called, where it stands, and what happened to it.

This is a leaf module: the journal stores these values, the engine and the channel contract
speak them, and a plugin imports them from here (or from :mod:`outreach`), never from the
journal. :class:`Status` is a :class:`enum.StrEnum`, so ``Status.SENT == "sent"`` and a status
read back from the journal as plain text compares equal to its member.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "BOUNCED",
    "DRAFTED",
    "FAILED",
    "PENDING",
    "PRINTED",
    "REPLIED",
    "SENDING",
    "SENT",
    "SETTLED",
    "STATUSES",
    "TOUCHING",
    "UNKNOWN",
    "DeliveryKey",
    "Outcome",
    "Status",
]


class Status(StrEnum):
    """Where one delivery stands."""

    #: Rendered and queued; nothing has left the machine.
    PENDING = "pending"
    #: Handed to the server: after a crash in this state it may or may not have arrived.
    SENDING = "sending"
    #: Delivered (the server took it).
    SENT = "sent"
    #: Permanently refused (or retries exhausted); the error says why.
    FAILED = "failed"
    #: It may have been delivered (a crash or a timeout after the data was sent).
    UNKNOWN = "unknown"
    #: A draft for the user to send by hand (LinkedIn); becomes sent when marked so.
    DRAFTED = "drafted"
    #: Printed (a card or an envelope in a PDF for the print shop).
    PRINTED = "printed"
    #: The contact wrote back (mail coming back matched the message).
    REPLIED = "replied"
    #: The message came back undelivered (a bounce matched it).
    BOUNCED = "bounced"


# Short names for the members, for code that compares and reports statuses.
PENDING = Status.PENDING
SENDING = Status.SENDING
SENT = Status.SENT
FAILED = Status.FAILED
UNKNOWN = Status.UNKNOWN
DRAFTED = Status.DRAFTED
PRINTED = Status.PRINTED
REPLIED = Status.REPLIED
BOUNCED = Status.BOUNCED

#: Every status, in the order above.
STATUSES: tuple[Status, ...] = tuple(Status)
#: Statuses a new run leaves alone (``--retry-failed`` / ``--retry-unknown`` reopen two; see
#: :mod:`outreach.retry`).
SETTLED: frozenset[Status] = frozenset({SENT, PRINTED, FAILED, UNKNOWN, REPLIED, BOUNCED})
#: Statuses that count as having been in touch with the contact.
TOUCHING: frozenset[Status] = frozenset({SENT, PRINTED})


@dataclass(frozen=True, slots=True)
class DeliveryKey:
    """What makes a delivery unique: one part of one campaign to one contact on one channel."""

    campaign: str
    part: str
    contact_uid: str
    channel: str


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to one piece: a status, and the server's words when it failed."""

    status: str
    message_id: str | None = None
    error: str | None = None
