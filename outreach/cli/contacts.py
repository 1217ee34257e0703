"""``outreach contacts``: import, list, show, set and export the address book."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..cadence import Cadence
from ..errors import InputError
from ..fsutil import atomic_write
from ..jsonview import contact_json
from . import LazyPluginGroup
from .context import AppContext, DateType, echo_json, pass_app

if TYPE_CHECKING:
    from ..merge import MergeReport


@click.group(cls=LazyPluginGroup)
def contacts() -> None:
    """The master address book."""


@contacts.command(name="import")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    default="auto",
    show_default=True,
    help="auto, vcard, linkedin, google, outlook, csv (installed importers).",
)
@click.option("--tag", "tags", multiple=True, help="Tag every contact this import touches.")
@click.option("--dry-run", is_flag=True, help="Show what would change; change nothing.")
@click.option("--skip-bad", is_flag=True, help="Skip rows that cannot be read, listing each.")
@click.option(
    "--map",
    "mapping",
    multiple=True,
    metavar="COLUMN=FIELD",
    help="CSV: the contact field of a column, e.g. 'E-mail=email' (repeatable; implies "
    "--format csv). Fields include name, given, family, email, phone, org, title, linkedin, "
    "tags, notes, street, locality, region, postal_code, country, birthday, ignore.",
)
@click.option(
    "--preset",
    default=None,
    help="CSV: the column mapping of a known format: mailmerge (implies --format csv).",
)
@click.option("--encoding", default=None, help="The files' text encoding (default: detected).")
@pass_app
def import_(
    app: AppContext,
    files: tuple[Path, ...],
    fmt: str,
    tags: tuple[str, ...],
    dry_run: bool,
    skip_bad: bool,
    mapping: tuple[str, ...],
    preset: str | None,
    encoding: str | None,
) -> None:
    """Import FILES into the book, merging with the contacts already there.

    Nothing is changed unless every file reads cleanly (--skip-bad leaves bad rows out and
    lists them). A contact is matched by UID, email, LinkedIn profile, then name with
    organisation; a match gains what it lacks and keeps what it has: differences are listed
    as conflicts, never overwritten.
    """
    from ..importing import import_files

    options: dict[str, object] = {}
    if mapping or preset:
        if fmt not in ("auto", "csv"):
            raise InputError(
                f"--map and --preset read plain CSV; they do not apply to --format {fmt}"
            )
        fmt = "csv"
        options.update(map=list(mapping), preset=preset)
    if encoding:
        options["encoding"] = encoding
    outcome = import_files(
        app.workspace,
        files,
        fmt,
        tags=tags,
        dry_run=dry_run,
        skip_bad=skip_bad,
        options=options,
    )
    report = outcome.report
    for row in outcome.skipped:
        click.echo(f"skipped {row.source}:{row.line}: {row.reason}", err=True)
    echo_merge(report, dry_run)
    summary = (
        f"{len(report.added)} added, {len(report.merged)} merged, "
        f"{len(report.unchanged)} unchanged, {len(report.conflicts)} conflicts, "
        f"{len(outcome.skipped)} skipped"
    )
    if outcome.touches:
        verb = "to record" if dry_run else "recorded"
        summary += f", {len(outcome.touches)} connection dates {verb} as touches"
    click.echo(summary + (" (dry run: nothing changed)" if dry_run else ""))


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


@contacts.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--tag", "tags", multiple=True, help="Only contacts with this tag (repeatable: any).")
@click.option("--overdue", is_flag=True, help="Only contacts the touch plan says are due.")
@click.option("--today", type=DateType(), default=None, help="Pretend today is this date.")
@pass_app
def list_(
    app: AppContext, as_json: bool, tags: tuple[str, ...], overdue: bool, today: date | None
) -> None:
    """List contacts."""
    workspace = app.workspace
    book = workspace.open_book()
    touches: dict[str, date] = {}
    if workspace.journal_path.exists():
        with workspace.open_journal() as journal:
            touches = journal.last_touches()
    selected = [c for c in book if not tags or any(c.has_tag(t) for t in tags)]
    if overdue:
        from ..touchplan import build_plan

        due = build_plan(workspace, today).due_uids()
        selected = [c for c in selected if c.uid in due]
    if as_json:
        echo_json([contact_json(c, touches.get(c.uid)) for c in selected])
        return
    for contact in selected:
        email = contact.primary_email or "-"
        last = touches.get(contact.uid)
        bits = [contact.display_name, email]
        if contact.org:
            bits.append(contact.org)
        if contact.tags:
            bits.append("#" + " #".join(contact.tags))
        bits.append(f"last touch {last.isoformat()}" if last else "never touched")
        click.echo("  ".join(bits))
    click.echo(f"{len(selected)} contacts", err=True)


@contacts.command(name="show")
@click.argument("contact")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_app
def show(app: AppContext, contact: str, as_json: bool) -> None:
    """Show one contact and their touches."""
    workspace = app.workspace
    person = workspace.open_book().find(contact)
    touches = []
    if workspace.journal_path.exists():
        with workspace.open_journal() as journal:
            touches = journal.touches(person.uid)
    last = touches[-1].day if touches else None
    data = contact_json(person, last)
    if as_json:
        data["touches"] = [
            {"date": t.day.isoformat(), "via": t.via, "note": t.note, "campaign": t.campaign}
            for t in touches
        ]
        echo_json(data)
        return
    click.echo(data["name"])
    for key in ("uid", "org", "title", "linkedin", "relationship", "cadence", "birthday"):
        if data[key]:
            click.echo(f"  {key}: {data[key]}")
    for email in data["emails"]:
        click.echo(f"  email: {email}")
    for address in person.addresses:
        flag = " (returned: fix address)" if address.returned else ""
        click.echo(f"  address: {address.one_line()}{flag}")
    if data["tags"]:
        click.echo(f"  tags: {', '.join(data['tags'])}")
    for t in touches:
        click.echo(f"  touched {t.day.isoformat()} via {t.via}{': ' + t.note if t.note else ''}")


@contacts.command(name="set")
@click.argument("contact")
@click.option("--cadence", help="monthly, quarterly, yearly, never, or a duration such as P6W.")
@click.option("--tag", "add_tags", multiple=True, help="Add a tag (repeatable).")
@click.option("--untag", "remove_tags", multiple=True, help="Remove a tag (repeatable).")
@click.option("--relationship", help="How you know each other.")
@click.option("--nickname", help="What you call them in a greeting.")
@click.option("--card-note", help="A personal line for this year's card.")
@click.option(
    "--address-returned",
    is_flag=True,
    help="Mail to their postal address came back: leave them out of print runs until fixed.",
)
@pass_app
def set_(
    app: AppContext,
    contact: str,
    cadence: str | None,
    add_tags: tuple[str, ...],
    remove_tags: tuple[str, ...],
    relationship: str | None,
    nickname: str | None,
    card_note: str | None,
    address_returned: bool,
) -> None:
    """Change a contact's cadence, tags and other outreach fields."""
    workspace = app.workspace
    book = workspace.open_book()
    person = book.find(contact)
    changes = []
    if cadence is not None:
        try:
            person.cadence = Cadence.parse(cadence)
        except ValueError as exc:
            raise InputError(f"--cadence: {exc}") from None
        changes.append(f"cadence {person.cadence}")
    for tag in add_tags:
        if person.add_tag(tag):
            changes.append(f"tagged {tag}")
    for tag in remove_tags:
        if person.remove_tag(tag):
            changes.append(f"untagged {tag}")
    if relationship is not None:
        person.relationship = relationship.strip()
        changes.append("relationship set")
    if nickname is not None:
        person.name.nickname = nickname.strip()
        changes.append("nickname set")
    if card_note is not None:
        person.card_note = card_note.strip()
        changes.append("card note set")
    if address_returned:
        address = person.postal_address
        if address is None:
            raise InputError(f"{person.display_name} has no postal address to mark as returned")
        address.returned = True
        changes.append(f"address marked returned: {address.one_line()}")
    if not changes:
        click.echo(f"{person.display_name}: nothing to change")
        return
    book.update(person)
    book.save()
    click.echo(f"{person.display_name}: {'; '.join(changes)}")


@contacts.command(name="export")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    default=None,
    help="vcard or csv (Google Contacts' columns); default: from the extension.",
)
@click.option("--tag", "tags", multiple=True, help="Only contacts with this tag.")
@pass_app
def export(app: AppContext, file: Path, fmt: str | None, tags: tuple[str, ...]) -> None:
    """Write the book (or the contacts with a tag) to FILE.

    Whatever the format cannot hold is listed: nothing is left out silently.
    """
    from ..pluginhost import get_host

    exporters = get_host().exporters()
    name = fmt or ("csv" if file.suffix.lower() == ".csv" else "vcard")
    if name not in exporters:
        raise InputError(f"unknown export format {name!r} (known: {', '.join(sorted(exporters))})")
    workspace = app.workspace
    if file.resolve() == workspace.book_path.resolve():
        raise InputError(f"{file}: that is the address book itself; export to another file")
    book = workspace.open_book()
    selected = [c for c in book if not tags or any(c.has_tag(t) for t in tags)]
    exporter = exporters[name]()
    data = exporter.dumps(selected)
    for line in exporter.losses(selected):
        click.echo(f"not exported: {line}", err=True)
    try:
        atomic_write(file, data)
    except OSError as exc:
        raise InputError(f"{file}: cannot write: {exc.strerror or exc}") from None
    click.echo(f"exported {len(selected)} contacts to {file} ({name})")


def register(cli: click.Group) -> None:
    """Add ``contacts`` (with ``suggest``, the mailbox harvest) to ``cli``."""
    from .suggest import suggest

    contacts.add_command(suggest)
    cli.add_command(contacts)
