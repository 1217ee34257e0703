"""A summary of a workspace: the book, the journal, who is due, and how old the backups are.

``outreach status`` prints it; the rule of three (three places, at least monthly) decides the
warnings about backups.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from .workspace import Workspace

__all__ = ["MAX_AGE_DAYS", "WANTED_DESTINATIONS", "workspace_status"]

#: The rule of three: this many places, at least this often.
WANTED_DESTINATIONS = 3
MAX_AGE_DAYS = 30


def workspace_status(workspace: Workspace, today: date) -> dict[str, Any]:
    """The workspace's summary on ``today``, as ``outreach status --json`` prints it.

    Reads only: the journal is not created, and no first-seen date is written.
    """
    from .backup import backup_history
    from .planinputs import PlanInputs
    from .touchplan import plan_from_inputs

    book = workspace.open_book()
    contacts = book.contacts
    info: dict[str, Any] = {
        "workspace": str(workspace.root),
        "book": {
            "path": str(workspace.book_path),
            "kind": "vdir" if book.is_vdir else "file",
            "contacts": len(contacts),
            "with_email": sum(1 for c in contacts if c.emails),
            "with_postal_address": sum(1 for c in contacts if c.postal_address is not None),
            "returned_addresses": sum(1 for c in contacts if c.has_returned_address),
        },
        "journal": None,
        "due": None,
        "last_backup": None,
        "warnings": [],
    }
    journal_info = None
    if workspace.journal_path.exists():
        with workspace.open_journal() as journal:
            inputs = PlanInputs.load(
                workspace, today, record=False, contacts=contacts, journal=journal
            )
            statuses: dict[str, int] = {}
            for delivery in journal.deliveries():
                statuses[delivery.status] = statuses.get(delivery.status, 0) + 1
            journal_info = {
                "path": str(workspace.journal_path),
                "touches": len(journal.touches()),
                "deliveries": statuses,
            }
    else:
        inputs = PlanInputs.load(workspace, today, record=False, contacts=contacts)
    info["journal"] = journal_info
    # The same due contacts as `outreach plan`.
    info["due"] = len(plan_from_inputs(inputs, today).due_uids())
    history = backup_history(workspace)
    warnings: list[str] = info["warnings"]
    done = [r for r in history if r.reached]
    if not done:
        warnings.append(
            "no backup yet: run outreach backup with three destinations (this machine, a "
            "cloud folder, another device)"
        )
    else:
        last = done[-1]
        age = (today - last.when.date()).days
        info["last_backup"] = {
            "at": last.at,
            "archive": last.name,
            "sha256": last.sha256,
            "age_days": age,
            "destinations": last.destinations,
        }
        if age > MAX_AGE_DAYS:
            warnings.append(
                f"the last backup is {age} days old (more than {MAX_AGE_DAYS}): run outreach backup"
            )
        if last.reached < WANTED_DESTINATIONS:
            warnings.append(
                f"the last backup reached {last.reached} destination"
                f"{'s' if last.reached != 1 else ''}; the rule of three wants "
                f"{WANTED_DESTINATIONS} (this machine, a cloud folder, another device)"
            )
    if history and history[-1].failed:
        warnings.append(
            f"the last backup attempt could not write to {', '.join(history[-1].failed)}"
        )
    return info
