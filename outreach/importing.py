"""Importing files into a workspace's address book: read everything, merge, then save.

Every file is read completely before the book is even opened, so a bad row stops the import
with its file and line while the workspace is left exactly as it was. The book is saved once,
atomically, and only when something changed: importing the same file twice leaves it
byte-for-byte the same. Dates the source gives for when you connected (LinkedIn) are recorded
in the journal as touches, each once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from .addressbook import AddressBook
from .contact import Contact
from .importer import ImportedRecord, ImportResult, SkippedRow, read_contacts
from .locks import Holder
from .merge import MergeReport, merge_records
from .planstate import note_first_seen
from .pluginhost import PluginHost, get_host
from .workspace import Workspace

__all__ = ["ImportOutcome", "import_files", "import_records"]

#: How a connection date from an import is recorded in the journal.
CONNECTED_VIA = "linkedin"
CONNECTED_NOTE = "connected"


@dataclass(slots=True)
class ImportOutcome:
    """What an import did (or, on a dry run, would do)."""

    report: MergeReport
    results: list[ImportResult] = field(default_factory=list)
    #: (UID, date) touches recorded (or that a dry run would record).
    touches: list[tuple[str, date]] = field(default_factory=list)
    dry_run: bool = False

    @property
    def skipped(self) -> list[SkippedRow]:
        """Every row or card left out, from every file."""
        return [row for result in self.results for row in result.skipped]

    @property
    def notes(self) -> list[str]:
        """What the importers said about each file, as ``file: note`` lines."""
        return [f"{result.source}: {note}" for result in self.results for note in result.notes]

    def summary(self) -> str:
        """The counts on one line; added + merged + unchanged + skipped = records read."""
        report = self.report
        skipped = len(self.skipped)
        read = report.records + skipped
        line = (
            f"{read} records read: {len(report.added)} added, {report.merged_records} merged, "
            f"{report.unchanged_records} unchanged, {skipped} skipped; "
            f"{len(report.conflicts)} conflicts"
        )
        if report.job_changes:
            line += f", {len(report.job_changes)} job changes"
        if report.duplicates:
            line += f", {len(report.duplicates)} likely duplicates not merged"
        if self.touches:
            verb = "to record" if self.dry_run else "recorded"
            line += f", {len(self.touches)} connection dates {verb} as touches"
        return line + (" (dry run: nothing changed)" if self.dry_run else "")


def import_files(
    workspace: Workspace,
    files: Sequence[Path],
    fmt: str = "auto",
    *,
    tags: Sequence[str] = (),
    dry_run: bool = False,
    skip_bad: bool = False,
    options: Mapping[str, Any] | None = None,
    host: PluginHost | None = None,
    prefer: str = "book",
    on_wait: Callable[[Holder], None] | None = None,
) -> ImportOutcome:
    """Import ``files`` into the workspace's book: all of them, or (on an error) none.

    The files are read before the book lock is taken, so a long parse never holds up other
    commands; ``on_wait`` is told when another command holds the lock.

    ``prefer`` is ``book`` (differences are conflicts, the book's value kept) or
    ``incoming`` (the file's value taken; a new employer or title is a job change).
    """
    host = host or get_host()
    results = [read_contacts(Path(f), host, fmt, skip_bad=skip_bad, options=options) for f in files]
    records = [record for result in results for record in result.records]
    outcome = import_records(
        workspace, records, tags=tags, dry_run=dry_run, prefer=prefer, on_wait=on_wait
    )
    outcome.results = results
    return outcome


def import_records(
    workspace: Workspace,
    records: Sequence[ImportedRecord],
    *,
    tags: Sequence[str] = (),
    dry_run: bool = False,
    touch_via: str = CONNECTED_VIA,
    touch_note: str = CONNECTED_NOTE,
    prefer: str = "book",
    on_wait: Callable[[Holder], None] | None = None,
) -> ImportOutcome:
    """Merge records already read into the workspace's book, save it and record touches.

    The book is read, merged into and saved under the book lock, so a change another command
    makes meanwhile is merged with, never overwritten.
    """
    if dry_run:
        return _merge(workspace, workspace.open_book(), records, tags, dry_run, prefer)
    with workspace.edit_book(on_wait=on_wait) as book:
        outcome = _merge(workspace, book, records, tags, dry_run, prefer)
    if outcome.touches:
        with workspace.open_journal() as journal, journal.transaction():
            for uid, day in outcome.touches:
                journal.add_touch(uid, day, touch_via, touch_note)
    if outcome.report.added:
        # A contact never touched is due from the day it entered the book: note that day.
        with workspace.open_journal() as journal:
            note_first_seen(journal, [c.uid for c in outcome.report.added], date.today())
    return outcome


def _merge(
    workspace: Workspace,
    book: AddressBook,
    records: Sequence[ImportedRecord],
    tags: Sequence[str],
    dry_run: bool,
    prefer: str,
) -> ImportOutcome:
    report = merge_records(book, records, tags, prefer=prefer)
    outcome = ImportOutcome(report, dry_run=dry_run)
    known: set[tuple[str, date]] = set()
    if report.connections and workspace.journal_path.exists():
        with workspace.open_journal() as journal:
            known = {(t.contact_uid, t.day) for t in journal.touches()}
    for uid, day in report.connections:
        if (uid, day) not in known:
            known.add((uid, day))
            outcome.touches.append((uid, day))
    return outcome


def describe(contact: Contact) -> str:
    """A contact on one line for import reports: name and first email."""
    email = contact.primary_email
    return f"{contact.display_name} <{email}>" if email else contact.display_name
