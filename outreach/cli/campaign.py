"""``outreach campaign``: preview, run and follow a campaign."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any

import click

from . import LazyPluginGroup
from .context import AppContext, DateType, echo_json, pass_app

#: The exit status of a run stopped early (a rate limit) with pieces left to deliver.
EXIT_WORK_LEFT = 3


def say_waiting_to_send(holder: Any) -> None:
    """Tell the user whom a sending run waits for (the ``on_wait`` of the send lock)."""
    click.echo(
        f"waiting: {holder.describe()} is sending from this workspace; this run starts when "
        "it ends (Ctrl-C to stop waiting, --no-wait not to wait)",
        err=True,
    )


def _engine(app: AppContext, today: date | None) -> Any:
    from ..engine import Engine

    return Engine(app.workspace, today=today)


@click.group(cls=LazyPluginGroup)
def campaign() -> None:
    """Run campaigns: a dry run by default, --send to deliver."""


@campaign.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--html",
    "html",
    is_flag=False,
    flag_value="",
    default=None,
    metavar="[OUT.html]",
    help="Write a review page of every piece (default: out/<campaign>/review.html). "
    "This does a dry run: outputs are written, nothing is sent or recorded.",
)
@click.option("--today", type=DateType(), default=None, help="Pretend today is this date.")
@pass_app
def preview(app: AppContext, file: Path, html: str | None, today: date | None) -> None:
    """Show every piece FILE would deliver, and who is left out; send and record nothing."""
    engine = _engine(app, today)
    if html is not None:
        _review_page(app, engine, file, html)
        return
    chosen = engine.load(file)
    _warn_stale(chosen, engine.today)
    plan, rendered = engine.preview(chosen)
    for item in rendered:
        click.echo(
            f"=== {item.contact.display_name} <{item.address}> "
            f"[{item.key.channel}, {item.key.part}]"
        )
        click.echo(item.preview.rstrip())
        click.echo()
    for excluded in plan.left_out:
        who = excluded.contact.display_name
        click.echo(f"left out: {who} ({excluded.part}): {excluded.reason}")
    click.echo(
        f"{len(rendered)} to deliver, {len(plan.done)} already done, {len(plan.left_out)} left out"
    )


def _warn_stale(campaign: Any, today: date) -> None:
    """A preview shows the pieces anyway, and says what ``campaign run`` will refuse."""
    from ..varchecks import stale_vars

    found = stale_vars(campaign.checks, campaign.vars, today, campaign.source, campaign.path)
    for _, problem in found:
        click.echo(f"note: {problem} (campaign run refuses this)", err=True)


def _review_page(app: AppContext, engine: Any, file: Path, html: str) -> None:
    from ..engine import summarise
    from ..review import write_review_page

    campaign = engine.load(file)
    _warn_stale(campaign, engine.today)
    result = engine.run(campaign, send=False)
    out = Path(html) if html else app.workspace.out_dir(campaign.name) / "review.html"
    path = write_review_page(result, out, today=engine.today)
    for line in summarise(result):
        click.echo(line)
    click.echo(f"review page: {path}")
    if not result.ok:
        raise click.exceptions.Exit(1)


@campaign.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--send", is_flag=True, help="Deliver for real (default: a dry run).")
@click.option("--limit", type=click.IntRange(min=0), default=None, help="Deliver at most N pieces.")
@click.option("--retry-failed", is_flag=True, help="Try failed deliveries again.")
@click.option(
    "--retry-unknown",
    is_flag=True,
    help="Send again what may or may not have arrived (a crash or timeout mid-send).",
)
@click.option(
    "--skip-unprintable",
    is_flag=True,
    help="Leave out contacts whose name, address or card note no font can print.",
)
@click.option("--today", type=DateType(), default=None, help="Pretend today is this date.")
@click.option(
    "--no-wait",
    is_flag=True,
    help="With --send: when another sending run holds the workspace's send lock, exit 2 at "
    "once instead of waiting for it.",
)
@pass_app
def run(
    app: AppContext,
    file: Path,
    send: bool,
    limit: int | None,
    retry_failed: bool,
    retry_unknown: bool,
    skip_unprintable: bool,
    today: date | None,
    no_wait: bool,
) -> None:
    """Run FILE: write outbox, PDFs and drafts; with --send, deliver and record.

    One sending run at a time per workspace: a second one waits for the first to finish
    (saying whom it waits for), then sends only what is left.
    """
    from ..engine import summarise

    engine = _engine(app, today)
    loaded = engine.load(file)
    loaded.check_vars(engine.today)  # an example's own facts, or a past last day: stop here
    if skip_unprintable:
        # A channel that can meet text it cannot print declares the option itself.
        for part in loaded.parts:
            for options in part.options.values():
                if hasattr(options, "skip_unprintable"):
                    options.skip_unprintable = True
    result = engine.run(
        loaded,
        send=send,
        limit=limit,
        retry_failed=retry_failed,
        retry_unknown=retry_unknown,
        wait=not no_wait,
        on_wait=say_waiting_to_send,
    )
    for line in summarise(result):
        click.echo(line)
    if not result.ok:
        raise click.exceptions.Exit(1)
    if send and result.not_finished:
        # Stopped early (a sending limit) with pieces left: not "all done".
        raise click.exceptions.Exit(EXIT_WORK_LEFT)


@campaign.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--today", type=DateType(), default=None, help="Pretend today is this date.")
@pass_app
def status(app: AppContext, file: Path, as_json: bool, today: date | None) -> None:
    """A row per contact and channel: its status and, for a failure, the server's reply."""
    engine = _engine(app, today)
    rows = engine.status(engine.load(file))
    if as_json:
        echo_json([asdict(r) for r in rows])
        return
    for row in rows:
        where = f" <{row.address}>" if row.address else ""
        channel = f" [{row.channel}]" if row.channel else ""
        reason = f": {row.error}" if row.error else ""
        when = f" on {row.event_date}" if row.event_date else ""
        click.echo(f"{row.status:9} {row.name}{where}{channel} ({row.part}){when}{reason}")
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.status] = counts.get(row.status, 0) + 1
    click.echo(", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "nothing planned")


@campaign.command("mark-sent")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("contacts", nargs=-1, metavar="[CONTACT]...")
@click.option("--all", "everyone", is_flag=True, help="Every draft of the campaign.")
@click.option(
    "--channel",
    default="linkedin",
    show_default=True,
    help="The channel whose drafts you sent by hand.",
)
@click.option("--date", "day", type=DateType(), default=None, help="When (default: today).")
@pass_app
def mark_sent(
    app: AppContext,
    file: Path,
    contacts: tuple[str, ...],
    everyone: bool,
    channel: str,
    day: date | None,
) -> None:
    """Record that you sent FILE's drafts to CONTACT... (or --all) by hand.

    Each draft becomes sent and counts as a touch in the plan; one already marked is left
    alone.
    """
    from ..drafts import mark_campaign_sent

    if bool(contacts) == everyone:
        raise click.UsageError("name the contacts you sent drafts to, or give --all")
    engine = _engine(app, day)
    campaign = engine.load(file)
    if channel not in campaign.channel_names:
        raise click.UsageError(f"campaign {campaign.name} does not use the {channel} channel")
    book = app.workspace.open_book()
    chosen = list({c.uid: c for c in (book.find(q) for q in contacts)}.values()) or None
    result = mark_campaign_sent(
        engine, campaign, chosen, channel=channel, day=day or date.today(), book=book
    )

    def name(uid: str) -> str:
        contact = book.get(uid)
        return contact.display_name if contact else uid

    for key, _ in result.marked:
        click.echo(f"sent: {name(key.contact_uid)} ({key.part})")
    for key in result.already:
        click.echo(f"already marked sent: {name(key.contact_uid)} ({key.part})")
    click.echo(
        f"{len(result.marked)} {channel} draft(s) marked sent, {len(result.already)} already were"
    )


def register(cli: click.Group) -> None:
    """Add ``campaign`` to ``cli``."""
    cli.add_command(campaign)
