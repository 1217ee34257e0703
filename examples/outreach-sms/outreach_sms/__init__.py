"""outreach-sms: text messages through an SMS provider's HTTP API, as an outreach channel.

The module is the plugin: outreach finds it through the ``outreach`` entry point declared in
this distribution's ``pyproject.toml`` and calls the hooks marked ``@hookimpl``.
"""

from __future__ import annotations

from collections.abc import Callable

from outreach import Channel, hookimpl

from .channel import SmsChannel

__all__ = ["SmsChannel", "register_channels"]


@hookimpl
def register_channels(register: Callable[[type[Channel]], None]) -> None:
    """The SMS channel."""
    register(SmsChannel)
