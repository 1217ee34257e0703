"""The built-in email channel: personal messages to a Maildir outbox, or over SMTP.

The modules, each one concern:

* :mod:`.settings` the account's ``[email]`` table (server, credentials, limits, presets);
* :mod:`.options` a campaign's ``[email]`` table (what the message says);
* :mod:`.safety` refusing contact data that could add a header or a recipient;
* :mod:`.headers` and :mod:`.message` building the message bytes;
* :mod:`.outbox` the Maildir outbox;
* :mod:`.secrets` credentials, and keeping them out of every text outreach writes;
* :mod:`.smtp` one connection, opened safely; :mod:`.delivery` the sending loop;
* :mod:`.ratelimit` sending limits kept across runs;
* :mod:`.mailmerge` and :mod:`.commands` ``outreach campaign from-mailmerge``.

Heavy libraries (aiosmtplib, email-validator, markdown) are imported only when used.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from outreach import hookimpl

from .channel import EmailChannel

if TYPE_CHECKING:
    import click

    from outreach.channel import Channel

__all__ = ["EmailChannel", "register_channels", "register_commands"]


@hookimpl
def register_channels(register: Callable[[type[Channel]], None]) -> None:
    """The email channel."""
    register(EmailChannel)


@hookimpl
def register_commands(cli: click.Group) -> None:
    """``outreach campaign from-mailmerge``."""
    from .commands import from_mailmerge

    group = cli.commands.get("campaign")
    if group is not None and hasattr(group, "add_command"):
        group.add_command(from_mailmerge)
