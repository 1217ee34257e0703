"""The journal: deliveries, touches, idempotent upserts, crash recovery and migrations."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from outreach.errors import InputError
from outreach.journal import (
    BOUNCED,
    DRAFTED,
    FAILED,
    PENDING,
    REPLIED,
    SCHEMA_VERSION,
    SENDING,
    SENT,
    UNKNOWN,
    DeliveryKey,
    Journal,
    Record,
)

KEY = DeliveryKey("catch-up", "main", "u1", "email")


def test_new_journal_is_wal_and_current(tmp_path: Path) -> None:
    with Journal(tmp_path / "j.sqlite") as journal:
        assert journal.schema_version == SCHEMA_VERSION
    mode = sqlite3.connect(tmp_path / "j.sqlite").execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_record_is_an_upsert_that_counts_attempts(tmp_path: Path) -> None:
    clock = iter(datetime(2026, 11, 1, 12, m, tzinfo=UTC) for m in range(10))
    with Journal(tmp_path / "j.sqlite", clock=lambda: next(clock)) as journal:
        journal.record(KEY, SENDING, address="a@example.com", attempt=True)
        journal.record(KEY, FAILED, error="451 4.3.0 try later")
        journal.record(KEY, SENDING, attempt=True)
        journal.record(KEY, SENT, message_id="<m1@example.com>")
        (delivery,) = journal.deliveries("catch-up")
    assert delivery.status == SENT
    assert delivery.attempts == 2
    assert delivery.last_error is None
    assert delivery.address == "a@example.com"
    assert delivery.message_id == "<m1@example.com>"
    assert delivery.created_at == "2026-11-01T12:00:00+00:00"
    assert delivery.sent_at == "2026-11-01T12:03:00+00:00"


def test_a_draft_written_again_never_takes_back_a_sent_or_answered_delivery(
    tmp_path: Path,
) -> None:
    # A LinkedIn run that planned its drafts before the user ran `campaign mark-sent` records
    # "drafted" after the mark: the mark (and what mail sync learnt since) must stand.
    with Journal(tmp_path / "j.sqlite") as journal:
        for status in (SENT, REPLIED, BOUNCED):
            key = DeliveryKey("farewell", "main", f"u-{status}", "linkedin")
            journal.record(key, DRAFTED)
            journal.record(key, status)
            journal.record(key, DRAFTED)
            assert journal.get(key).status == status  # type: ignore[union-attr]
        fresh = DeliveryKey("farewell", "main", "u-pending", "linkedin")
        journal.record(fresh, PENDING)
        journal.record(fresh, DRAFTED)
        assert journal.get(fresh).status == DRAFTED  # type: ignore[union-attr]


def test_failure_keeps_the_servers_words(tmp_path: Path) -> None:
    with Journal(tmp_path / "j.sqlite") as journal:
        journal.record(KEY, FAILED, error="550 5.1.1 <a@example.com>: user unknown")
        assert journal.get(KEY).last_error == "550 5.1.1 <a@example.com>: user unknown"  # type: ignore[union-attr]


def test_in_flight_deliveries_become_unknown(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    with Journal(path) as journal:
        journal.record(KEY, SENDING, attempt=True)
        other = DeliveryKey("catch-up", "main", "u2", "email")
        journal.record(other, SENT)
    with Journal(path) as journal:
        stuck = journal.settle_in_flight("catch-up")
        assert [d.key for d in stuck] == [KEY]
        assert journal.get(KEY).status == UNKNOWN  # type: ignore[union-attr]
        assert journal.get(other).status == SENT  # type: ignore[union-attr]


def test_touches_and_last_touch(tmp_path: Path) -> None:
    with Journal(tmp_path / "j.sqlite") as journal:
        journal.add_touch("u1", date(2025, 3, 1), "call", "birthday")
        journal.add_touch("u1", date(2026, 1, 5), "email", campaign="catch-up")
        journal.add_touch("u2", date(2024, 7, 9), "lunch")
        assert journal.last_touches() == {"u1": date(2026, 1, 5), "u2": date(2024, 7, 9)}
        assert [t.via for t in journal.touches("u1")] == ["call", "email"]


def test_transaction_rolls_back_on_error(tmp_path: Path) -> None:
    with Journal(tmp_path / "j.sqlite") as journal:
        with pytest.raises(RuntimeError), journal.transaction():
            journal.record(KEY, SENT)
            raise RuntimeError("boom")
        assert journal.get(KEY) is None


def test_unknown_status_is_refused(tmp_path: Path) -> None:
    with Journal(tmp_path / "j.sqlite") as journal, pytest.raises(ValueError):
        journal.record(KEY, "delivered-ish")


def test_send_log_counts_by_window_and_domain(tmp_path: Path) -> None:
    with Journal(tmp_path / "j.sqlite") as journal:
        for at, domain in [(100.0, "a.com"), (150.0, "b.com"), (170.0, "a.com")]:
            journal.log_send("email", domain, at)
        assert journal.count_sends("email", 120.0) == 2
        assert journal.count_sends("email", 0.0, "a.com") == 2
        assert journal.send_times("email", 160.0) == [(170.0, "a.com")]


def test_meta_values(tmp_path: Path) -> None:
    with Journal(tmp_path / "j.sqlite") as journal:
        assert journal.get_meta("last_backup") is None
        journal.set_meta("last_backup", "2026-11-01")
        journal.set_meta("last_backup", "2026-11-02")
        assert journal.get_meta("last_backup") == "2026-11-02"


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(InputError, match="newer outreach"):
        Journal(path)


def test_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(InputError, match="not a usable journal"):
        Journal(path)


def test_migration_from_empty_database(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    sqlite3.connect(path).close()
    with Journal(path) as journal:
        assert journal.schema_version == SCHEMA_VERSION
        tables = {
            r[0] for r in journal._db.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
    assert {"deliveries", "touches", "sends", "meta"} <= tables


def test_backup_copy_is_consistent(tmp_path: Path) -> None:
    with Journal(tmp_path / "j.sqlite") as journal:
        journal.add_touch("u1", date(2026, 1, 1), "call")
        journal.backup_to(tmp_path / "copy.sqlite")
    with Journal(tmp_path / "copy.sqlite") as copy:
        assert copy.last_touches() == {"u1": date(2026, 1, 1)}


def test_batched_records_land_as_one_by_one_upserts_would(tmp_path: Path) -> None:
    # record_many updates rows that exist and inserts the missing ones (the upsert when a
    # key repeats in a batch): whatever the mix, the rows end as applying each record alone
    # with the upsert leaves them.
    import random

    rng = random.Random(7)
    keys = [DeliveryKey("c", "main", f"u{i}", "email") for i in range(12)]
    statuses = ["pending", "sending", "sent", "failed", "unknown", "drafted", "replied"]
    batched = Journal(tmp_path / "batched.sqlite", clock=lambda: datetime(2026, 12, 1, tzinfo=UTC))
    single = Journal(tmp_path / "single.sqlite", clock=lambda: datetime(2026, 12, 1, tzinfo=UTC))
    for _ in range(60):
        batch = [
            Record(
                rng.choice(keys),
                rng.choice(statuses),
                address=rng.choice([None, "a@example.org", "b@example.org"]),
                message_id=rng.choice([None, "<1@x>", "<2@x>"]),
                error=rng.choice([None, "550 no"]),
                attempt=rng.random() < 0.5,
            )
            for _ in range(rng.randint(1, 6))
        ]
        batched.record_many(batch)
        for record in batch:
            single.db.execute(
                Journal._UPSERT, Journal._upsert_row(record, "2026-12-01T00:00:00+00:00")
            )
    assert batched.deliveries() == single.deliveries()
    assert len(batched.deliveries()) == len(keys)
