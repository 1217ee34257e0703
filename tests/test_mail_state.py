"""The journal's mail tables: added to an existing journal without touching what it holds."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

from outreach.journal import _MIGRATIONS, SENT, DeliveryKey, Journal
from outreach.mailstate import MailState


def test_a_journal_from_before_mail_sync_is_migrated_in_place(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite"
    db = sqlite3.connect(path)
    db.executescript(_MIGRATIONS[0])
    db.execute(
        "INSERT INTO deliveries (campaign, part, contact_uid, channel, status, address, "
        "message_id, created_at, updated_at, sent_at) VALUES ('c', 'main', 'u1', 'email', "
        "'sent', 'ann@example.org', '<m1@example.com>', 'x', 'x', '2026-05-01T10:00:00+00:00')"
    )
    db.execute("PRAGMA user_version = 1")
    db.commit()
    db.close()
    with Journal(path) as journal:
        assert journal.schema_version == len(_MIGRATIONS) >= 2
        (delivery,) = journal.deliveries()
        assert delivery.key == DeliveryKey("c", "main", "u1", "email")
        assert delivery.status == SENT
        state = MailState(journal)
        assert list(state.delivery_ids(["<m1@example.com>"])) == ["<m1@example.com>"]
        assert state.latest_delivery_to("ANN@example.org") is not None
        with journal.transaction():
            state.mark_bounced("Ann@Example.org", "u1", date(2026, 5, 2), "5.1.1 gone")
            state.mark_bounced("ann@example.org", "u1", date(2026, 5, 1), "5.1.1 older")
        (bounced,) = state.bounced().values()
        assert (bounced.address, bounced.day, bounced.diagnostic) == (
            "ann@example.org",
            date(2026, 5, 2),
            "5.1.1 gone",
        )
        assert state.clear_bounced("ANN@example.org") and state.bounced() == {}
        assert not state.clear_bounced("ann@example.org")
