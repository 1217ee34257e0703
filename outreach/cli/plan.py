"""The touch plan on the command line: ``plan``, ``snooze``, ``reminders`` and ``congrats``."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click

from ..errors import InputError
from .context import AppContext, DateType, echo_json, pass_app

#: Section headings, in the order the plan lists them.
HEADINGS = {
    "overdue": "Overdue",
    "soon": "Due soon",
    "slipping-away": "Slipping away: due, and no touch for over {silence}",
    "fix-address": "Fix address: mail came back",
    "unreachable": "No way to reach: no email, postal address or LinkedIn",
    "job-change": "New job: a moment to congratulate",
}


def _heading(section: str, slipping_days: int) -> str:
    silence = "a year" if slipping_days == 365 else f"{slipping_days} days"
    return HEADINGS[section].format(silence=silence)


@click.command()
@click.option(
    "--json", "as_json", is_flag=True, help="Print JSON: an object per contact and section."
)
@click.option("--today", type=DateType(), default=None, help="Pretend today is this date.")
@pass_app
def plan(app: AppContext, as_json: bool, today: date | None) -> None:
    """Who is overdue or due soon, who is slipping away, and whose details need fixing.

    A contact's next touch is due one cadence after the last touch. Contacts that were
    already due when the plan first saw them (a fresh import) are spread over one cadence.
    """
    from ..planstate import workspace_plan
    from ..touchplan import DUE_SECTIONS, SECTIONS, SOON, effective_cadence, next_due

    day = today or date.today()
    result = workspace_plan(app.workspace, day)
    if as_json:
        echo_json([e.as_json() for e in result.entries])
        return
    printed = False
    for section in SECTIONS:
        entries = result.section(section)
        if not entries:
            continue
        if printed:
            click.echo()
        printed = True
        click.echo(f"{_heading(section, result.settings.slipping_days)} ({len(entries)})")
        width = min(max(len(e.name) for e in entries), 32)
        for entry in entries:
            click.echo(f"  {entry.name:<{width}}  {entry.reason}")
    planned = sum(1 for c in result.contacts if not effective_cadence(c, result.settings).never)
    if not any(e.section in DUE_SECTIONS or e.section == SOON for e in result.entries):
        if printed:
            click.echo()
        upcoming = next_due(
            result.contacts, result.last_touches, result.settings, day, result.first_seen
        )
        click.echo(f"Nobody is due in the next {result.settings.soon_days} days.")
        if upcoming is not None:
            click.echo(f"Next due: {upcoming[1].display_name} on {upcoming[0].isoformat()}")
    click.echo(
        f"{planned} of {len(result.contacts)} contacts in the plan on {day.isoformat()}",
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
    book = app.workspace.open_book()
    person = book.find(contact)
    if clear and person.snooze_until is None:
        click.echo(f"{person.display_name} is not snoozed")
        return
    person.snooze_until = until
    book.update(person)
    book.save()
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
    report = write_reminders(app.workspace, path, today=today or date.today(), events=events)
    if path is None:
        sys.stdout.buffer.write(report.data)
        sys.stdout.flush()
        return
    due = f"{report.events} due-contact events" if events else f"{report.todos} to-dos"
    closed = f", {report.closed} closed" if report.closed else ""
    click.echo(f"wrote {path}: {due}, {report.habits} recurring reminders{closed}")


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
@pass_app
def congrats(
    app: AppContext, contact: str, occasion: str, via: str, send: bool, today: date | None
) -> None:
    """Congratulate CONTACT at once, briefly: by email or as a LinkedIn draft."""
    from ..congrats import congratulate
    from ..engine import summarise

    result = congratulate(
        app.workspace,
        contact,
        occasion,
        via=via,  # type: ignore[arg-type]
        send=send,
        today=today,
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
    if result.status == "dry-run":
        click.echo("not sent: run again with --send to send it and record the touch")
    elif result.touched:
        click.echo(f"touch recorded for {name} ({result.channel})")


def register(cli: click.Group) -> None:
    """Add this module's commands to ``cli``."""
    for command in (plan, snooze, reminders, congrats):
        cli.add_command(command)
