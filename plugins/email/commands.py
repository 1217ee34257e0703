"""``outreach campaign from-mailmerge DIR``: bring a mailmerge folder into outreach."""

from __future__ import annotations

import re
from pathlib import Path

import click

__all__ = ["from_mailmerge"]

_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


@click.command("from-mailmerge")
@click.argument(
    "folder", type=click.Path(exists=True, file_okay=False, path_type=Path), metavar="DIR"
)
@click.option("--name", default=None, help="The campaign's name (default: the folder's name).")
@click.option("--tag", default=None, help="Tag for the imported contacts (default: the name).")
@click.option("--force", is_flag=True, help="Replace campaign.toml and templates in DIR.")
@click.option("--dry-run", is_flag=True, help="Show what would be done; change nothing.")
def from_mailmerge(
    folder: Path, name: str | None, tag: str | None, force: bool, dry_run: bool
) -> None:
    """Turn a mailmerge folder (template, database CSV, server config) into a campaign.

    Writes DIR/campaign.toml and DIR/message.txt.j2, imports the database's rows into the
    address book (tagged), and adds an [email] table to outreach.toml when it has none.
    """
    from outreach.cli.context import get_workspace
    from outreach.errors import InputError
    from outreach.fsutil import atomic_write
    from outreach.importer import ImportedRecord
    from outreach.merge import merge_records

    from .mailmerge import DATABASE, convert

    workspace = get_workspace()
    campaign_name = name or _UNSAFE_NAME.sub("-", folder.resolve().name).strip("-.") or "mailmerge"
    tag = tag or campaign_name
    conversion = convert(folder, campaign_name, tag)
    targets = [folder / "campaign.toml", *(folder / f for f in conversion.templates)]
    existing = [t for t in targets if t.exists()]
    if existing and not force and not dry_run:
        raise InputError(f"{existing[0]}: already exists (use --force to replace it)")
    book = workspace.open_book()
    records = [
        ImportedRecord(contact, line) for line, contact in enumerate(conversion.contacts, start=2)
    ]
    report = merge_records(book, records, [tag])
    section = workspace.section("email")
    for warning in conversion.warnings:
        click.echo(f"warning: {warning}", err=True)
    verb = "would write" if dry_run else "wrote"
    if not dry_run:
        for file_name, text in conversion.templates.items():
            atomic_write(folder / file_name, text.encode("utf-8"), mode=0o644)
        atomic_write(folder / "campaign.toml", conversion.campaign_toml.encode("utf-8"), 0o644)
        if report.changed:
            # Merged again into the book as it is under the lock, so no concurrent change
            # to it is lost; the report above came from the same merge on an earlier read.
            with workspace.edit_book() as current:
                merge_records(current, records, [tag])
        if not section:
            _append_settings(workspace.config_path, conversion.settings_toml)
    for target in targets:
        click.echo(f"{verb} {target}")
    click.echo(
        f"contacts from {folder / DATABASE}: {len(report.added)} added, "
        f"{len(report.merged)} merged, {len(report.unchanged)} unchanged (tag {tag!r})"
    )
    for conflict in report.conflicts:
        click.echo(
            f"conflict: {conflict.name}: {conflict.field} is {conflict.current!r} in the book, "
            f"{conflict.incoming!r} in the database; kept the book's",
            err=True,
        )
    if section:
        click.echo(
            f"{workspace.config_path} already has an [email] table; left as it is. "
            "mailmerge's server settings are:"
        )
        click.echo(conversion.settings_toml.rstrip())
    else:
        click.echo(f"{'would add' if dry_run else 'added'} [email] to {workspace.config_path}")
    click.echo(f"next: outreach campaign preview {folder / 'campaign.toml'}")


def _append_settings(path: Path, table: str) -> None:
    from outreach.fsutil import atomic_write

    text = path.read_text(encoding="utf-8")
    if text and not text.endswith("\n"):
        text += "\n"
    text += "\n# SMTP settings converted from mailmerge_server.conf\n" + table
    atomic_write(path, text.encode("utf-8"))
