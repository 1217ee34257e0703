"""``outreach backup``, ``outreach restore`` and ``outreach status``."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from pathlib import Path

import click

from .context import AppContext, DateType, echo_json, pass_app


@click.command()
@click.argument("destinations", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--keep",
    type=click.IntRange(min=1),
    default=10,
    show_default=True,
    help="Keep this many of the workspace's archives in each destination.",
)
@pass_app
def backup(app: AppContext, destinations: tuple[Path, ...], keep: int) -> None:
    """Write one archive of the workspace to every DESTINATION folder and verify each copy.

    The rule of three: one copy on this machine, one in a cloud-synced folder, one on
    another device. The archive holds the book, the journal, outreach.toml (never a
    secret) and your templates, with a SHA-256 manifest; it is readable by you alone.
    """
    from ..backup import make_backup

    result = make_backup(app.workspace, destinations, keep=keep)
    manifest = result.manifest
    for key in manifest.stripped:
        click.echo(
            f"note: left {key} out of the archive's outreach.toml: passwords belong in the "
            "environment (password_env), not in the config file",
            err=True,
        )
    devices: dict[int, list[str]] = {}
    for destination in result.destinations:
        if destination.ok:
            click.echo(f"ok      {Path(destination.path) / result.name} (verified)")
            for old in destination.removed:
                click.echo(f"        removed the older {old}")
            devices.setdefault(os.stat(destination.path).st_dev, []).append(destination.path)
        else:
            click.echo(f"FAILED  {destination.path}: {destination.error}", err=True)
    for paths in devices.values():
        if len(paths) > 1:
            click.echo(
                f"note: {' and '.join(paths)} are on the same disk: one failure loses both",
                err=True,
            )
    click.echo(
        f"{manifest.contacts} contacts, {len(manifest.files)} files, sha256 {result.sha256[:16]}; "
        f"{result.reached} of {len(result.destinations)} destinations"
    )
    if result.reached < len(result.destinations):
        raise click.exceptions.Exit(1 if result.reached else 2)


@click.command()
@click.argument("archive", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--force",
    is_flag=True,
    help="Replace a book or journal that holds data (the current state is saved first).",
)
@pass_app
def restore(app: AppContext, archive: Path, force: bool) -> None:
    """Verify ARCHIVE and restore the workspace from it (--home, or the current folder)."""
    from ..backup import restore as restore_archive
    from ..workspace import Workspace

    root = Workspace.resolve_root(app.home)
    result = restore_archive(root, archive, force=force)
    manifest = result.manifest
    if result.saved_as is not None:
        click.echo(f"the workspace as it was is saved in {result.saved_as}")
    for name in result.skipped:
        click.echo(
            f"note: left {name} out: a backup never writes it (caches are rebuilt, not restored)",
            err=True,
        )
    click.echo(
        f"restored {manifest.contacts} contacts, {len(result.restored)} files from the backup "
        f"of {manifest.created} into {root}"
    )
    if manifest.journal_path:
        click.echo(
            "note: the journal is as of that backup: anything sent after it is not recorded, "
            "so check campaign status before sending again",
            err=True,
        )


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--today", type=DateType(), default=None, help="Pretend today is this date.")
@pass_app
def status(app: AppContext, as_json: bool, today: date | None) -> None:
    """A summary of the workspace, with a warning when the backups fall behind."""
    from ..status import workspace_status

    info = workspace_status(app.workspace, today or datetime.now(UTC).date())
    if as_json:
        echo_json(info)
        return
    book = info["book"]
    click.echo(f"workspace  {info['workspace']}")
    click.echo(
        f"book       {book['path']}: {book['contacts']} contacts ({book['with_email']} with "
        f"email, {book['with_postal_address']} with a postal address, "
        f"{book['returned_addresses']} returned)"
    )
    journal = info["journal"]
    if journal is None:
        click.echo("journal    none yet")
    else:
        counts = ", ".join(f"{n} {s}" for s, n in sorted(journal["deliveries"].items()))
        click.echo(
            f"journal    {journal['path']}: {journal['touches']} touches, "
            f"deliveries: {counts or 'none'}"
        )
    click.echo(f"plan       {info['due']} contacts due")
    last = info["last_backup"]
    if last is None:
        click.echo("backup     never")
    else:
        places = len(last["destinations"])
        click.echo(
            f"backup     {last['at']} ({last['age_days']} days ago) to {places} "
            f"place{'s' if places != 1 else ''}: {', '.join(last['destinations'])}"
        )
    for warning in info["warnings"]:
        click.echo(f"warning: {warning}", err=True)


def register(cli: click.Group) -> None:
    """Add ``backup``, ``restore`` and ``status`` to ``cli``."""
    for command in (backup, restore, status):
        cli.add_command(command)
