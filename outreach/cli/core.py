"""Workspace-level commands: ``init``, ``touch`` and ``plugins``."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from pathlib import Path

import click

from ..errors import InputError
from ..workspace import Workspace
from .context import AppContext, DateType, echo_json, pass_app


@click.command()
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--name", default="", help="Your name, as campaigns sign it.")
@click.option("--email", default="", help="Your email address, the sender of campaigns.")
@click.option(
    "--settings",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Start from this outreach.toml (e.g. one from another machine).",
)
@pass_app
def init(
    app: AppContext, directory: Path | None, name: str, email: str, settings: Path | None
) -> None:
    """Create a workspace in DIRECTORY (default: --home, $OUTREACH_HOME or here)."""
    if settings is not None and (name or email):
        raise InputError("give --settings or --name/--email, not both")
    root = directory if directory is not None else Workspace.resolve_root(app.home)
    existed = (root / "outreach.toml").exists()
    workspace = Workspace.init(root, name=name, email=email, settings=settings)
    if existed:
        click.echo(f"{workspace.config_path} already exists; left as it was")
    else:
        click.echo(f"created {workspace.config_path}")
        click.echo(f"next: outreach --home {root} contacts import YOUR-EXPORT.vcf")


@click.command()
@click.argument("contact")
@click.option("--via", required=True, help="How: call, email, lunch, card, linkedin, ...")
@click.option("--note", default="", help="What it was about.")
@click.option("--date", "day", type=DateType(), default=None, help="When (default: today).")
@pass_app
def touch(app: AppContext, contact: str, via: str, note: str, day: date | None) -> None:
    """Record that you were in touch with CONTACT (restarts their cadence)."""
    workspace = app.workspace
    person = workspace.open_book().find(contact)
    when = day or date.today()
    from ..drafts import mark_contact_drafts_sent

    channel = via.strip().lower()
    with workspace.open_journal() as journal:
        journal.add_touch(person.uid, when, channel, note)
        # A touch on a channel that only drafts (LinkedIn) means the drafts went out.
        marked = mark_contact_drafts_sent(journal, person.uid, channel)
    click.echo(f"touched {person.display_name} on {when.isoformat()} via {via}")
    for delivery in marked:
        click.echo(f"marked sent: {delivery.key.campaign} ({delivery.key.part}) {channel} draft")


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def plugins(as_json: bool) -> None:
    """List loaded plugins and the distribution each comes from."""
    from ..pluginhost import get_host

    host = get_host()
    infos = host.plugin_info()
    if as_json:
        echo_json([asdict(i) for i in infos])
        return
    for info in infos:
        origin = f"{info.distribution} {info.version}".strip() or "registered at run time"
        click.echo(f"{info.name}  ({origin})  hooks: {', '.join(info.hooks)}")
    click.echo(f"channels: {', '.join(sorted(host.channels()))}")
    click.echo(f"importers: {', '.join(sorted(host.importers()))}")
    click.echo(f"exporters: {', '.join(sorted(host.exporters()))}")


def register(cli: click.Group) -> None:
    """Add this module's commands to ``cli``."""
    for command in (init, touch, plugins):
        cli.add_command(command)
