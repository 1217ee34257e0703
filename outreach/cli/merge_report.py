"""Printing what an import merged into the book: shared by ``contacts import`` and
``contacts suggest``, so neither command module imports the other."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from ..merge import Duplicate, MergeReport

__all__ = ["describe_duplicate", "echo_merge"]


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
    if report.conflicts:
        click.echo(
            "(to take the file's values instead: import again with --prefer incoming)", err=True
        )
    for change in report.job_changes:
        click.echo(f"job change: {change.describe()}", err=err)
    shown = report.duplicates[:_DUPLICATES_SHOWN]
    for duplicate in shown:
        click.echo(f"likely duplicate: {describe_duplicate(duplicate)}", err=True)
    if len(report.duplicates) > len(shown):
        more = len(report.duplicates) - len(shown)
        click.echo(f"... and {more} more: outreach contacts duplicates", err=True)
    if shown:
        click.echo("(join the cards of one person with: outreach contacts merge UID UID)", err=True)


#: How many likely duplicates an import lists (the rest: ``contacts duplicates``).
_DUPLICATES_SHOWN = 10
#: How many look-alikes one line names (``contacts duplicates --json`` has them all).
_PEOPLE_SHOWN = 6


def describe_duplicate(duplicate: Duplicate) -> str:
    """Look-alike contacts on one line: names, UIDs and why they look alike."""
    shown = duplicate.contacts[:_PEOPLE_SHOWN]
    people = ", ".join(f"{c.display_name} <{c.uid}>" for c in shown)
    if len(duplicate.contacts) > len(shown):
        people += f" and {len(duplicate.contacts) - len(shown)} more"
    return f"{people}: {duplicate.reason}"
