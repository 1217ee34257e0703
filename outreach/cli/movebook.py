"""``outreach contacts move-book``: make the book one ``.vcf`` file or a folder of cards."""

from __future__ import annotations

from pathlib import Path

import click

from .context import AppContext, pass_app, say_waiting


@click.command(name="move-book")
@click.argument("path", type=click.Path(path_type=Path))
@pass_app
def move_book(app: AppContext, path: Path) -> None:
    """Convert the book to PATH: a single file when PATH ends in .vcf, else a folder with one
    .vcf per contact (for khard and vdirsyncer).

    Every card is kept byte for byte; [book] path in outreach.toml is updated, and the old
    book is removed once the new one reads back the same.
    """
    from ..bookmove import move_book as convert

    workspace = app.workspace
    target = path if path.is_absolute() else Path.cwd() / path
    # Under the book lock: an edit saved meanwhile to the old book would be left behind.
    with workspace.book_lock(on_wait=say_waiting):
        result = convert(workspace.root, workspace.book_path, target, workspace.cache_dir)
    layout = "a folder, one .vcf per contact" if target.suffix.lower() != ".vcf" else "one file"
    click.echo(f"moved {result.cards} contacts from {result.source} to {result.target} ({layout})")
    click.echo(f'{workspace.config_path}: [book] path = "{result.setting}"')
