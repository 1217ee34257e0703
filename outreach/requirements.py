"""What an audience may require of a contact: declared by channels, used by campaigns.

A leaf module, so that campaigns (which check ``[audience] require``) and the channel
contract (where channels declare them) both use it without importing each other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .contact import Contact

__all__ = ["Requirement"]


@dataclass(frozen=True, slots=True)
class Requirement:
    """Something an audience may ``require`` of a contact, declared by the channel that needs it.

    ``require = ["email"]`` in a campaign's ``[audience]`` names one; :attr:`missing` says why
    a contact does not meet it (that reason is listed under "left out"), or ``None`` when it
    does.
    """

    #: The word campaigns use in ``require`` ("email", "postal", "mobile").
    name: str
    #: One line for ``outreach plugins``: what a contact needs to meet it.
    description: str
    #: ``missing(contact)``: the reason ``contact`` does not meet it, or ``None``.
    missing: Callable[[Contact], str | None] = field(repr=False, compare=False)
