"""The LinkedIn channel: drafts for the user to paste (LinkedIn has no API for messages).

The modules, smallest first: :mod:`.limits` (how LinkedIn counts, and its limits),
:mod:`.profile` (profile links and people searches), :mod:`.options` (the campaign's and the
account's ``[linkedin]`` tables), :mod:`.draft` (rendering and checking one draft),
:mod:`.drafts_csv` and :mod:`.page` (the two outputs) and :mod:`.channel` (the channel).
"""

from __future__ import annotations

from collections.abc import Callable

from outreach import hookimpl
from outreach.channel import Channel

from .channel import LinkedInChannel

__all__ = ["LinkedInChannel", "register_channels"]


@hookimpl
def register_channels(register: Callable[[type[Channel]], None]) -> None:
    """The LinkedIn drafts channel."""
    register(LinkedInChannel)
