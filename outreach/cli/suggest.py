"""``outreach contacts suggest``: the people in your mail who are not in the book yet."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import InputError
from .context import AppContext, echo_json, pass_app
from .merge_report import echo_merge


def _picked(picks: tuple[str, ...], shown: list, where: str) -> list:
    """The suggestions named by rank (``3``) or address among those listed."""
    chosen = []
    by_address = {c.address: c for c in shown}
    for item in (p.strip() for pick in picks for p in pick.split(",")):
        if not item:
            continue
        if item.isdigit():
            rank = int(item)
            if not 1 <= rank <= len(shown):
                raise InputError(f"--pick {item}: {where} lists ranks 1 to {len(shown)}")
            person = shown[rank - 1]
        else:
            person = by_address.get(item.lower())
            if person is None:
                raise InputError(f"--pick {item}: not among the suggestions listed")
        if person not in chosen:
            chosen.append(person)
    return chosen


@click.command()
@click.argument("mailboxes", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--me",
    "addresses",
    multiple=True,
    metavar="ADDRESS",
    help="An address of yours (repeatable; [me] email in outreach.toml is always included).",
)
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    default=20,
    show_default=True,
    help="List this many suggestions.",
)
@click.option("--import", "do_import", is_flag=True, help="Add the suggestions listed to the book.")
@click.option(
    "--pick",
    "picks",
    multiple=True,
    metavar="RANK|ADDRESS",
    help="With --import, add only these (ranks or addresses from the list, comma-separated).",
)
@click.option("--tag", "tags", multiple=True, help="With --import, tag the contacts added.")
@click.option("--dry-run", is_flag=True, help="With --import, show what would be added.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_app
def suggest(
    app: AppContext,
    mailboxes: tuple[Path, ...],
    addresses: tuple[str, ...],
    limit: int,
    do_import: bool,
    picks: tuple[str, ...],
    tags: tuple[str, ...],
    dry_run: bool,
    as_json: bool,
) -> None:
    """List the people you corresponded with most who are not in the book yet.

    MAILBOXES are mbox files or Maildirs (your Sent folder matters most: mail you sent
    counts three times as much as mail you received). With --import, the listed people
    are added (or only those chosen with --pick), and the date of your last message with
    each is recorded as a touch.
    """
    from ..harvest import harvest
    from ..importing import import_records

    if picks and not do_import:
        raise InputError("--pick chooses whom --import adds; add --import")
    workspace = app.workspace
    found = harvest(mailboxes, [workspace.me.email, *addresses])
    book = workspace.open_book()
    known_addresses = {e.address.strip().lower() for p in book for e in p.emails}
    fresh = [c for c in found.ranked() if c.address not in known_addresses]
    shown = fresh[:limit]
    if as_json:
        echo_json(
            [
                {
                    "rank": rank,
                    "address": c.address,
                    "name": c.display,
                    "score": c.score,
                    "sent": c.sent,
                    "received": c.received,
                    "first": c.first.isoformat() if c.first else None,
                    "last": c.last.isoformat() if c.last else None,
                }
                for rank, c in enumerate(shown, 1)
            ]
        )
    else:
        for rank, c in enumerate(shown, 1):
            who = f"{c.display} <{c.address}>" if c.display else c.address
            last = c.last.isoformat() if c.last else "undated"
            click.echo(f"{rank:3}  {who}  (sent {c.sent}, received {c.received}, last {last})")
        known = len(found.correspondents) - len(fresh)
        click.echo(
            f"{found.messages} messages read, {len(found.correspondents)} people, "
            f"{known} already in the book, {found.skipped_automated} automated messages "
            "left out",
            err=True,
        )
    if not do_import:
        return
    chosen = _picked(picks, shown, "the list") if picks else shown
    outcome = import_records(
        workspace,
        [c.record() for c in chosen],
        tags=tags,
        dry_run=dry_run,
        touch_via="email",
        touch_note="last message in the mailbox",
    )
    echo_merge(outcome.report, dry_run, err=as_json)
