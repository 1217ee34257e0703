"""Follow-up parts: a reminder that goes only to those who did not answer.

In a campaign file::

    [[part]]
    id = "reminder"
    follow_up = "recommendation"   # the part it follows
    after = "P10D"                 # how long after that part was sent (ISO 8601 duration)
    unless = "replied"             # the default

A contact gets the follow-up when a delivery of the followed part to them was sent (or
printed) at least ``after`` ago, none of its deliveries was replied to (``outreach mail sync``
marks replies), and it did not bounce. ``unless = "bounced"`` sends the follow-up to those who
replied as well (a thank-you, say); bounced deliveries never count as sent.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Literal

from .cadence import Cadence
from .delivery import BOUNCED, PRINTED, REPLIED, SENT
from .errors import ConfigError
from .journal import Delivery

if TYPE_CHECKING:
    from .campaign import Part

__all__ = [
    "NOT_NEEDED",
    "WAITING",
    "FollowUp",
    "check_follow_up_chains",
    "follow_up_exclusion",
    "parse_follow_up",
]

_UNLESS = ("replied", "bounced")


@dataclass(frozen=True, slots=True)
class FollowUp:
    """A part's follow-up rule: which part it follows, how long after, and unless what."""

    part: str
    after: Cadence
    unless: Literal["replied", "bounced"] = "replied"


def parse_follow_up(
    raw: dict[str, Any], part_id: str, parts: Sequence[Part], source: str
) -> FollowUp | None:
    """The follow-up rule of a ``[[part]]`` table, checked against the campaign's parts."""
    target = raw.get("follow_up")
    if target is None:
        for key in ("after", "unless"):
            if key in raw:
                raise ConfigError(
                    f'{source}: part {part_id!r} has {key!r} but no follow_up = "PART_ID"'
                )
        return None
    ids = [p.id for p in parts]
    if not isinstance(target, str) or target not in ids:
        raise ConfigError(
            f"{source}: part {part_id!r}: follow_up = {target!r} names no part "
            f"(parts: {', '.join(ids)})"
        )
    if target == part_id:
        raise ConfigError(f"{source}: part {part_id!r} cannot follow up itself")
    after_text = raw.get("after")
    if not isinstance(after_text, str):
        raise ConfigError(
            f'{source}: part {part_id!r}: a follow-up needs after = "P10D" (how long to wait)'
        )
    try:
        after = Cadence.parse(after_text)
    except ValueError as exc:
        raise ConfigError(f"{source}: part {part_id!r}: after: {exc}") from None
    if after.never:
        raise ConfigError(f"{source}: part {part_id!r}: after = {after_text!r} never comes")
    unless = raw.get("unless", "replied")
    if unless not in _UNLESS:
        raise ConfigError(
            f"{source}: part {part_id!r}: unless must be {' or '.join(map(repr, _UNLESS))}, "
            f"not {unless!r}"
        )
    return FollowUp(target, after, unless)


def check_follow_up_chains(parts: Sequence[Part], source: str) -> None:
    """Refuse follow-ups that follow each other round in a circle: none could ever go."""
    follows = {p.id: p.follow.part for p in parts if p.follow is not None}
    for start in follows:
        chain = [start]
        while chain[-1] in follows:
            chain.append(follows[chain[-1]])
            if chain[-1] in chain[:-1]:
                circle = " -> ".join(chain[chain.index(chain[-1]) :])
                raise ConfigError(
                    f"{source}: the follow-ups go round in a circle ({circle}): "
                    "none of them could ever be sent"
                )


def _sent_day(delivery: Delivery) -> date | None:
    if not delivery.sent_at:
        return None
    return datetime.fromisoformat(delivery.sent_at).date()


#: A follow-up held back because it is not due yet (the first message is too recent or unsent).
WAITING = "waiting"
#: A follow-up held back because it is not needed (a reply came, or the first message bounced).
NOT_NEEDED = "not-needed"


def follow_up_exclusion(
    rule: FollowUp, earlier: Iterable[Delivery], today: date
) -> tuple[str, str] | None:
    """Why a contact does not get the follow-up today, as ``(WAITING or NOT_NEEDED, reason)``,
    or ``None`` when they do.

    ``earlier`` are the contact's deliveries of the followed part.
    """
    deliveries = list(earlier)
    if rule.unless == "replied" and any(d.status == REPLIED for d in deliveries):
        return NOT_NEEDED, f"replied to {rule.part}"
    sent = [d for d in deliveries if d.status in (SENT, PRINTED, REPLIED)]
    days = [day for day in map(_sent_day, sent) if day is not None]
    if not days:
        if any(d.status == BOUNCED for d in deliveries):
            return NOT_NEEDED, f"{rule.part} bounced"
        return WAITING, f"{rule.part} not sent yet"
    first = min(days)
    due = rule.after.after(first)
    assert due is not None
    if due > today:
        return WAITING, f"{rule.part} sent {first.isoformat()}; the follow-up goes from {due}"
    return None
