"""``outreach mail``: read your own mail to find replies, bounces and real correspondence."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import click

from ..errors import InputError
from . import LazyPluginGroup
from .context import AppContext, DateType, pass_app


@click.group(cls=LazyPluginGroup)
def mail() -> None:
    """Mail coming back: replies, bounces and the mail you exchange."""


@mail.command()
@click.argument("sources", nargs=-1, metavar="[SOURCE]...")
@click.option("--today", type=DateType(), default=None, help="Pretend today is this date.")
@pass_app
def sync(app: AppContext, sources: tuple[str, ...], today: date | None) -> None:
    """Read new mail from each SOURCE and update the journal.

    A SOURCE is a Maildir folder (or a tree of them), an mbox file, or "imap" for the
    [imap] account of outreach.toml; with none, the [mail] sources are read. Replies to
    campaign messages mark them replied, bounces mark them bounced, and mail you exchange
    with contacts counts as touches. Mailboxes are only read, never changed; a second sync
    reads only what is new.
    """
    from ..mailsources import open_source
    from ..mailsync import mail_settings, summary
    from ..mailsync import sync as run_sync

    workspace = app.workspace
    settings = mail_settings(workspace)
    names = list(sources) or settings.sources
    if not names:
        raise InputError(
            f"name a Maildir folder, an mbox file or 'imap', or list them in [mail] sources of "
            f"{workspace.config_path}"
        )
    # Relative paths from the settings file are the workspace's; from the command line, ours.
    base = Path.cwd() if sources else workspace.root
    opened = [_imap_source(workspace) if n == "imap" else open_source(n, base) for n in names]
    me = [workspace.me.email, *settings.me]
    book = workspace.open_book()
    with workspace.open_journal() as journal:
        result = run_sync(
            opened,
            book=book,
            journal=journal,
            me=me,
            today=today or date.today(),
        )
    for line in summary(result):
        click.echo(line)


def _imap_source(workspace: Any) -> Any:
    from ..mailimap import imap_source

    return imap_source(workspace)


def register(cli: click.Group) -> None:
    """Add ``mail`` to ``cli``."""
    cli.add_command(mail)
