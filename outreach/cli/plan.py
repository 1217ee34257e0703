"""The touch plan on the command line: ``plan``, ``snooze``, ``reminders`` and ``congrats``."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..errors import InputError
from .context import AppContext, DateType, echo_json, pass_app, say_waiting

if TYPE_CHECKING:
    from ..touchplan import PlanEntry

#: Headings of the sections listed after this week's picks.
HEADINGS = {
    "soon": "Due soon",
    "birthday": "Birthdays and dates to remember",
    "fix-address": "Fix address: a way to reach them failed",
    "unreachable": "No way to reach: no email, postal address or LinkedIn",
    "job-change": "New job: a moment to congratulate",
}
#: How many entries of a section the plan shows without --all.
SHOWN = 10


def _width(text: str) -> int:
    """Columns ``text`` takes in a terminal: CJK characters take two."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    """``text`` cut or padded to ``width`` terminal columns."""
    while _width(text) > width:
        text = text[:-1]
    return text + " " * (width - _width(text))


def _last(entry: PlanEntry) -> str:
    if entry.last_touch is None:
        return "never touched"
    text = f"last {entry.last_touch.isoformat()}"
    if entry.last_via:
        text += f" {entry.last_via}"
    if entry.last_note:
        note = " ".join(entry.last_note.split())
        short = note if len(note) <= 60 else note[:57] + "..."
        text += f': "{short}"'
    return text


def _lines(entries: list[PlanEntry], *, due: bool) -> list[str]:
    width = min(max(_width(e.name) for e in entries), 28)
    reason_width = max(len(e.reason) for e in entries) if due else 0
    cadence_width = max(len(e.cadence) for e in entries)
    lines = []
    for e in entries:
        if due:
            lines.append(
                f"  {_pad(e.name, width)}  {e.reason:<{reason_width}}  "
                f"{e.cadence:<{cadence_width}}  {_last(e)}"
            )
        else:
            lines.append(f"  {_pad(e.name, width)}  {e.reason}")
    return lines


@click.command()
@click.option(
    "--json", "as_json", is_flag=True, help="Print JSON: an object per contact and section."
)
@click.option("--today", type=DateType(), default=None, help="Pretend today is this date.")
@click.option(
    "--all", "show_all", is_flag=True, help="List every due contact, not only this week's picks."
)
@pass_app
def plan(app: AppContext, as_json: bool, today: date | None, show_all: bool) -> None:
    """This week's suggestions among who is due, then birthdays, news and what to fix.

    A contact is due one cadence after the last touch (never touched: from the day they
    entered the book). [plan] per_week sets how many due contacts to suggest a week, the
    most overdue for their cadence first. A pretend --today writes nothing.
    """
    from ..touchplan import DUE_SECTIONS, SOON, build_plan

    day = today or date.today()
    result = build_plan(app.workspace, today)
    if as_json:
        echo_json([e.as_json() for e in result.entries])
        return
    due = result.due_entries()
    early = [e for e in result.section(SOON) if e.pick]
    blocks: list[list[str]] = []
    if due or early:
        picked = [e for e in due if e.pick]
        shown = (due if show_all else picked) + early
        budget = f"per_week {result.settings.per_week}"
        if result.touched_this_week:
            budget += f", {result.touched_this_week} touched in the last 7 days"
        counts = f"{len(picked)} of {len(due)} due"
        if early:
            counts += f", {len(early)} due before the week is out"
        lines = [
            f"This week: {len(picked) + len(early)} to get in touch with ({counts}; {budget}), "
            "the most overdue for their cadence first"
        ]
        lines.extend(_lines(shown, due=True))
        rest = len(due) - len(picked) if not show_all else 0
        if rest:
            lines.append(f"  and {rest} more due; outreach plan --all lists them")
        lines.append(
            "Due one cadence after the last touch; never touched: from the day they entered "
            "the book."
        )
        blocks.append(lines)
    for section in (SOON, "birthday", "job-change", "fix-address", "unreachable"):
        entries = result.section(section)
        if section == SOON:
            entries = [e for e in entries if not e.pick]  # the picked ones are listed above
        if not entries:
            continue
        lines = [f"{HEADINGS[section]} ({len(entries)})"]
        shown = entries if show_all else entries[:SHOWN]
        lines.extend(_lines(shown, due=section == SOON))
        if len(shown) < len(entries):
            lines.append(f"  and {len(entries) - len(shown)} more; outreach plan --all lists them")
        blocks.append(lines)
    if not any(e.section in DUE_SECTIONS or e.section == SOON for e in result.entries):
        lines = [f"Nobody is due in the next {result.settings.soon_days} days."]
        upcoming = result.next_due()
        if upcoming is not None:
            lines.append(f"Next due: {upcoming[1]} on {upcoming[0].isoformat()}")
        blocks.append(lines)
    for index, lines in enumerate(blocks):
        if index:
            click.echo()
        for line in lines:
            click.echo(line)
    click.echo(
        f"{result.planned} of {len(result.inputs.contacts)} contacts in the plan on "
        f"{day.isoformat()}",
        err=True,
    )


@click.command()
@click.argument("contact")
@click.option(
    "--until", "until", type=DateType(), default=None, help="Leave them alone until then."
)
@click.option("--clear", is_flag=True, help="End the snooze now.")
@click.option("--today", type=DateType(), default=None, help="Pretend today is this date.")
@pass_app
def snooze(
    app: AppContext, contact: str, until: date | None, clear: bool, today: date | None
) -> None:
    """Leave CONTACT out of the plan until a date (they are due again then)."""
    if (until is None) == (not clear):
        raise InputError("give either --until YYYY-MM-DD or --clear")
    day = today or date.today()
    if until is not None and until <= day:
        raise InputError(f"--until {until.isoformat()} is not after today ({day.isoformat()})")
    with app.workspace.edit_book(on_wait=say_waiting) as book:
        person = book.find(contact)
        if clear and person.snooze_until is None:
            click.echo(f"{person.display_name} is not snoozed")
            return
        person.snooze_until = until
        book.update(person)
    if until is None:
        click.echo(f"{person.display_name}: snooze ended")
    else:
        click.echo(f"{person.display_name}: snoozed until {until.isoformat()}")


@click.command()
@click.option(
    "--ics",
    "ics",
    required=True,
    type=click.Path(dir_okay=False, allow_dash=True),
    help="The iCalendar file to write ('-' for standard output).",
)
@click.option("--today", type=DateType(), default=None, help="Pretend today is this date.")
@click.option(
    "--events",
    is_flag=True,
    help="Due contacts as all-day events rather than to-dos (Google Calendar ignores to-dos).",
)
@pass_app
def reminders(app: AppContext, ics: str, today: date | None, events: bool) -> None:
    """Write calendar reminders: who is due, and the habits (connections, backups, cards).

    Import the file into your calendar; importing a newer one updates what is there.
    """
    from ..reminders import write_reminders

    path = None if ics == "-" else Path(ics)
    report = write_reminders(
        app.workspace, path, today=today or date.today(), events=events, record=today is None
    )
    if path is None:
        sys.stdout.buffer.write(report.data)
        sys.stdout.flush()
        return
    due = f"{report.events} due-contact events" if events else f"{report.todos} to-dos"
    closed = f", {report.closed} closed" if report.closed else ""
    dates = f", {report.dates} birthdays and dates" if report.dates else ""
    click.echo(f"wrote {path}: {due}{dates}, {report.habits} recurring reminders{closed}")


@click.command()
@click.argument("contact")
@click.option("--for", "occasion", required=True, help='What for, e.g. "the new role".')
@click.option(
    "--via",
    type=click.Choice(["auto", "email", "linkedin"]),
    default="auto",
    show_default=True,
    help="auto: email where they have an address, else a LinkedIn draft.",
)
@click.option("--send", is_flag=True, help="Send it (email) or record the draft, and the touch.")
@click.option("--today", type=DateType(), default=None, help="Pretend today is this date.")
@click.option(
    "--no-wait",
    is_flag=True,
    help="With --send: when another sending run holds the workspace's send lock, exit 2 at "
    "once instead of waiting for it.",
)
@pass_app
def congrats(
    app: AppContext,
    contact: str,
    occasion: str,
    via: str,
    send: bool,
    today: date | None,
    no_wait: bool,
) -> None:
    """Congratulate CONTACT at once, briefly: by email or as a LinkedIn draft."""
    from ..congrats import congratulate
    from ..engine import summarise
    from .campaign import EXIT_WORK_LEFT, say_waiting_to_send

    result = congratulate(
        app.workspace,
        contact,
        occasion,
        via=via,  # type: ignore[arg-type]
        send=send,
        today=today,
        wait=not no_wait,
        on_wait=say_waiting_to_send,
    )
    name = result.contact.display_name
    if result.status == "already-done":
        click.echo(
            f"{name}: congratulations on {result.occasion} already went out today "
            f"({result.channel}); nothing sent again"
        )
        return
    click.echo(f"=== {name} [{result.channel}]")
    click.echo(result.preview.rstrip())
    click.echo()
    for line in summarise(result.run)[1:]:
        click.echo(line)
    if result.status == "failed":
        raise click.exceptions.Exit(1)
    if result.status == "stopped":
        raise click.exceptions.Exit(EXIT_WORK_LEFT)
    if result.status == "dry-run":
        click.echo("not sent: run again with --send to send it and record the touch")
    elif result.touched:
        click.echo(f"touch recorded for {name} ({result.channel})")


def register(cli: click.Group) -> None:
    """Add this module's commands to ``cli``."""
    for command in (plan, snooze, reminders, congrats):
        cli.add_command(command)
