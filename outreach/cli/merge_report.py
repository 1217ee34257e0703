"""Printing what an import merged into the book: shared by ``contacts import`` and
``contacts suggest``, so neither command module imports the other."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from ..merge import MergeReport

__all__ = ["echo_merge"]


def echo_merge(report: MergeReport, dry_run: bool, *, err: bool = False) -> None:
    """Print what an import added and merged (on stderr with ``err``) and its conflicts."""
    from ..importing import describe

    for contact in report.added:
        click.echo(f"{'would add' if dry_run else 'added'}: {describe(contact)}", err=err)
    for contact, changes in report.merged:
        verb = "would merge" if dry_run else "merged"
        click.echo(f"{verb}: {describe(contact)} ({'; '.join(changes)})", err=err)
    for conflict in report.conflicts:
        click.echo(
            f"conflict: {conflict.name}: {conflict.field} is {conflict.current!r} in the book, "
            f"{conflict.incoming!r} in {conflict.where}; kept the book's",
            err=True,
        )
