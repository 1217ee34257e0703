"""``outreach contacts``: import, list, show, set and export the address book."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..cadence import Cadence
from ..errors import InputError
from ..fsutil import atomic_write
from .. import viewcache
from ..jsonview import contact_json
from . import LazyPluginGroup
from .context import (
    AppContext,
    DateType,
    echo_json,
    echo_json_lines,
    gc_paused,
    pass_app,
    say_waiting,
)
from .merge_report import describe_duplicate, echo_merge

if TYPE_CHECKING:
    from ..bookedit import ContactEdit
    from ..contact import Contact
    from ..mailstate import BouncedAddress
    from ..workspace import Workspace


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
@click.option(
    "--prefer",
    type=click.Choice(["book", "incoming"]),
    default="book",
    show_default=True,
    help="Where book and file differ: keep the book's value (a conflict) or take the file's "
    "(a new employer or title is recorded as a job change).",
)
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
    prefer: str,
) -> None:
    """Import FILES into the book, merging with the contacts already there.

    Nothing is changed unless every file reads cleanly (--skip-bad leaves bad rows out and
    lists them). A record is the same person as a contact that shares its UID, an email
    address, the LinkedIn profile or a personal phone number; name and organisation alone
    join them only when nothing contradicts (two cards of one file with distinct UIDs are
    two people). A match gains what it lacks and keeps what it has: differences are listed
    as conflicts, or with --prefer incoming the file's values are taken. Look-alikes that
    were not merged are listed (see `contacts duplicates`, `contacts merge`).
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
        prefer=prefer,
        on_wait=say_waiting,
    )
    report = outcome.report
    for row in outcome.skipped:
        click.echo(f"skipped {row.source}:{row.line}: {row.reason}", err=True)
    for note in outcome.notes:
        click.echo(note, err=True)
    echo_merge(report, dry_run)
    click.echo(outcome.summary())


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
    touches: dict[str, date] = {}
    if workspace.journal_path.exists():
        with workspace.open_journal() as journal:
            touches = journal.last_touches()
    whole = as_json and not tags and not overdue
    if whole:
        # Checking the kept lines parses them into 10,000 small objects with no cycles: the
        # cycle collector would walk them over and over (a third of the listing's time).
        with gc_paused():
            kept = viewcache.load(workspace.book_path, workspace.cache_dir)
            if kept is not None:
                echo_json_lines(
                    [viewcache.with_touch(line, touches.get(uid)) for uid, line in kept]
                )
                return
    book = workspace.open_book()
    selected = [c for c in book if not tags or any(c.has_tag(t) for t in tags)]
    if overdue:
        from ..touchplan import build_plan

        due = build_plan(workspace, today).due_uids()
        selected = [c for c in selected if c.uid in due]
    if as_json:
        # The listing builds two small objects per field and holds no cycles: pausing the
        # cycle collector while it is built and printed saves a tenth of a warm listing.
        with gc_paused():
            rows = [(c.uid, viewcache.encode(c)) for c in selected]
            echo_json_lines([viewcache.with_touch(line, touches.get(uid)) for uid, line in rows])
        if whole:
            # The next whole listing prints these lines while the book stays as it is.
            viewcache.store(book, workspace.cache_dir, rows)
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
    bounced: dict[str, BouncedAddress] = {}
    if workspace.journal_path.exists():
        from ..mailstate import MailState

        with workspace.open_journal() as journal:
            touches = journal.touches(person.uid)
            bounced = MailState(journal).bounced()
    last = touches[-1].day if touches else None
    data = contact_json(person, last)
    data["bouncing"] = [e for e in data["emails"] if e.strip().lower() in bounced]
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
    for job in person.past_jobs:
        until = f" (until {job.until.isoformat()})" if job.until else ""
        click.echo(f"  before: {job.describe()}{until}")
    for alias in person.aliases:
        click.echo(f"  merged card: {alias}")
    for email in data["emails"]:
        entry = bounced.get(email.strip().lower())
        flag = f" (bounced on {entry.day.isoformat()}: {entry.diagnostic})" if entry else ""
        click.echo(f"  email: {email}{flag}")
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
@click.option("--name", help="The whole name as they write it ('Dr. Jane Q. Doe').")
@click.option("--org", help="Organisation; a new one is a job change (the old one is kept).")
@click.option("--title", help="Job title; a new one is a job change (the old one is kept).")
@click.option("--email", "add_emails", multiple=True, help="Add an email address (repeatable).")
@click.option(
    "--remove-email", "remove_emails", multiple=True, help="Remove an email address (repeatable)."
)
@click.option(
    "--street",
    multiple=True,
    help="Postal address: a street line (repeatable, in order); replaces the street.",
)
@click.option("--locality", help="Postal address: city or town.")
@click.option("--region", help="Postal address: state, province or region.")
@click.option("--postal-code", help="Postal address: postal or ZIP code.")
@click.option("--country", help="Postal address: country (a name or an ISO code).")
@click.option(
    "--email-ok",
    "email_ok",
    multiple=True,
    metavar="ADDRESS",
    help="This email address of theirs works again: forget that it bounced (repeatable).",
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
    name: str | None,
    org: str | None,
    title: str | None,
    add_emails: tuple[str, ...],
    remove_emails: tuple[str, ...],
    street: tuple[str, ...],
    locality: str | None,
    region: str | None,
    postal_code: str | None,
    country: str | None,
    email_ok: tuple[str, ...],
) -> None:
    """Change a contact's fields, cadence and tags.

    The postal address options change the parts given (an empty value clears a part) of
    the contact's postal address, which is made when there is none; a changed address is
    no longer marked as returned.
    """
    from ..bookedit import AddressEdit, ContactEdit

    workspace = app.workspace
    edit = ContactEdit(
        name=name,
        org=org,
        title=title,
        add_emails=add_emails,
        remove_emails=remove_emails,
        address=AddressEdit(
            street=street or None,
            locality=locality,
            region=region,
            postal_code=postal_code,
            country=country,
        ),
    )
    # Read, changed and saved under the book lock: a concurrent edit is never lost.
    with workspace.edit_book(on_wait=say_waiting) as book:
        person = book.find(contact)
        changes = _set_fields(
            person,
            edit,
            cadence,
            add_tags,
            remove_tags,
            relationship,
            nickname,
            card_note,
            address_returned,
            email_ok,
        )
        if changes:
            book.update(person)
    if not changes and not email_ok:
        click.echo(f"{person.display_name}: nothing to change")
        return
    if email_ok:
        changes.extend(_clear_bounces(workspace, email_ok))
    click.echo(f"{person.display_name}: {'; '.join(changes)}")


def _set_fields(
    person: Contact,
    edit: ContactEdit,
    cadence: str | None,
    add_tags: tuple[str, ...],
    remove_tags: tuple[str, ...],
    relationship: str | None,
    nickname: str | None,
    card_note: str | None,
    address_returned: bool,
    email_ok: tuple[str, ...],
) -> list[str]:
    """Apply ``contacts set``'s options to ``person``; what changed, for the user."""
    from ..bookedit import apply_edit

    changes = apply_edit(person, edit)
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
    for working in email_ok:
        if not person.has_email(working):
            raise InputError(f"{person.display_name} has no email address {working!r}")
    return changes


def _clear_bounces(workspace: Workspace, addresses: tuple[str, ...]) -> list[str]:
    """Forget that ``addresses`` bounced; a line per address for the summary."""
    from ..mailstate import MailState

    lines = []
    with workspace.open_journal() as journal, journal.transaction():
        state = MailState(journal)
        for address in addresses:
            cleared = state.clear_bounced(address)
            lines.append(f"{address} {'cleared' if cleared else 'was not marked'} as bouncing")
    return lines


@contacts.command(name="merge")
@click.argument("people", metavar="CONTACT CONTACT...", nargs=-1, required=True)
@pass_app
def merge(app: AppContext, people: tuple[str, ...]) -> None:
    """Join the cards of one person into the first CONTACT named.

    The merged card has every email, phone, address, tag and property of the others; their
    UIDs are kept as aliases, so a later import of any of those cards matches it. Where the
    cards differ the first one's value stays; another employer or title is kept as a past
    job, another note appended. The journal's touches and campaign deliveries of every card
    count for the merged one, so nothing already sent to one of them is sent again.
    """
    from ..bookedit import carry_history, merge_contacts

    workspace = app.workspace
    touches = deliveries = 0
    with workspace.edit_book(on_wait=say_waiting) as book:
        merged = merge_contacts(book, people)
        # The history first, the book after: a journal that cannot be written leaves the
        # cards as they were (run the merge again), never a merged card without its history.
        if workspace.journal_path.exists():
            with workspace.open_journal() as journal:
                touches, deliveries = carry_history(journal, merged)
    person = merged.contact
    if touches or deliveries:
        click.echo(
            f"{person.display_name}: {touches} touches and {deliveries} campaign deliveries "
            "of the merged cards now count for this contact"
        )
    for field_name, kept, other in merged.differences:
        if field_name in ("org", "title"):
            where = f"{other!r} is kept as a past job"
        elif field_name == "notes":
            where = "the other note is appended"
        else:
            where = f"not {other!r}"
        click.echo(f"{person.display_name}: {field_name} kept {kept!r}; {where}", err=True)
    absorbed = ", ".join(f"{c.display_name} <{c.uid}>" for c in merged.absorbed)
    click.echo(f"merged {absorbed} into {person.display_name} <{person.uid}>")


@contacts.command(name="remove")
@click.argument("contact")
@pass_app
def remove(app: AppContext, contact: str) -> None:
    """Remove CONTACT from the book; the journal keeps their history."""
    from ..bookedit import remove_contact

    with app.workspace.edit_book(on_wait=say_waiting) as book:
        person = remove_contact(book, contact)
    click.echo(f"removed {person.display_name} <{person.uid}> (the journal keeps their history)")


@contacts.command(name="duplicates")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_app
def duplicates(app: AppContext, as_json: bool) -> None:
    """List contacts that look like one person but are separate cards.

    Alike means the same full name, or an email address, LinkedIn profile or personal phone
    number in common; the reason says which, and what tells them apart. Join those that are
    one person with `outreach contacts merge`.
    """
    from ..merge import find_duplicates

    found = find_duplicates(app.workspace.open_book())
    if as_json:
        echo_json(
            [
                {
                    "uids": list(d.uids),
                    "names": [c.display_name for c in d.contacts],
                    "reason": d.reason,
                    "apart": d.apart,
                }
                for d in found
            ]
        )
        return
    for duplicate in found:
        click.echo(describe_duplicate(duplicate))
    click.echo(f"{len(found)} groups of likely duplicates", err=True)


@contacts.command(name="export")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    default=None,
    help="vcard or csv (Google Contacts' columns); default: from the extension "
    "(.vcf, .vcard, .csv); another extension needs --format.",
)
@click.option("--tag", "tags", multiple=True, help="Only contacts with this tag.")
@pass_app
def export(app: AppContext, file: Path, fmt: str | None, tags: tuple[str, ...]) -> None:
    """Write the book (or the contacts with a tag) to FILE.

    Whatever the format cannot hold is listed: nothing is left out silently.
    """
    from ..exportformat import export_format
    from ..pluginhost import get_host

    exporters = get_host().exporters()
    name = export_format(file, fmt, exporters)
    workspace = app.workspace
    book_path = workspace.book_path.resolve()
    if file.resolve() == book_path:
        raise InputError(f"{file}: that is the address book itself; export to another file")
    if workspace.book_path.is_dir() and file.resolve().is_relative_to(book_path):
        # A file in the folder book would be read as cards of the book: every UID twice.
        raise InputError(
            f"{file}: that is inside the address book folder {workspace.book_path}; "
            "export to a file outside it"
        )
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
    from .movebook import move_book
    from .suggest import suggest

    contacts.add_command(suggest)
    contacts.add_command(move_book)
    cli.add_command(contacts)
