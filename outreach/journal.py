"""The journal: a SQLite record of every delivery and every touch.

The journal is what makes campaign runs idempotent and resumable. A delivery is identified by
:class:`DeliveryKey` (campaign, part, contact, channel); one whose status is settled (sent,
printed, failed, unknown) is never delivered again unless the user asks. A channel marks a
delivery ``sending`` *before* the step that cannot be undone (SMTP DATA), so after a crash an
in-flight delivery is known to be ``unknown`` rather than silently sent twice.

The database runs in WAL mode with ``synchronous=NORMAL``: a committed row survives the
process being killed, which is the failure a resumable run must handle, without an fsync per
message.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

# The vocabulary lives in outreach.delivery; its names stay importable from here for code
# written before it moved.
from .delivery import (
    BOUNCED,
    DRAFTED,
    FAILED,
    PENDING,
    PRINTED,
    REPLIED,
    SENDING,
    SENT,
    SETTLED,
    STATUSES,
    TOUCHING,
    UNKNOWN,
    DeliveryKey,
)
from .errors import DeliveryClaimed, InputError, JournalReplaced
from .storage_errors import journal_error

__all__ = [
    "BOUNCED",
    "DRAFTED",
    "FAILED",
    "PENDING",
    "PRINTED",
    "REPLIED",
    "Record",
    "SENDING",
    "SENT",
    "SETTLED",
    "STATUSES",
    "UNKNOWN",
    "Delivery",
    "DeliveryKey",
    "Journal",
    "Touch",
]

_MIGRATIONS: tuple[str, ...] = (
    # 1: deliveries, touches, the send log for rate limits, and a small key/value table.
    """
    CREATE TABLE deliveries (
        id INTEGER PRIMARY KEY,
        campaign TEXT NOT NULL,
        part TEXT NOT NULL,
        contact_uid TEXT NOT NULL,
        channel TEXT NOT NULL,
        status TEXT NOT NULL,
        address TEXT NOT NULL DEFAULT '',
        message_id TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        sent_at TEXT,
        UNIQUE (campaign, part, contact_uid, channel)
    );
    CREATE INDEX deliveries_by_contact ON deliveries (contact_uid);
    CREATE TABLE touches (
        id INTEGER PRIMARY KEY,
        contact_uid TEXT NOT NULL,
        day TEXT NOT NULL,
        via TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT '',
        campaign TEXT,
        created_at TEXT NOT NULL
    );
    CREATE INDEX touches_by_contact ON touches (contact_uid, day);
    CREATE TABLE sends (
        id INTEGER PRIMARY KEY,
        channel TEXT NOT NULL,
        domain TEXT NOT NULL DEFAULT '',
        at REAL NOT NULL
    );
    CREATE INDEX sends_by_time ON sends (channel, at);
    CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    """,
    # 2: mail coming back (outreach.mailstate): what each source has been read up to, the
    # Message-IDs already counted, replies and bounces matched to deliveries, and the
    # addresses that bounce.
    """
    CREATE INDEX deliveries_by_message_id ON deliveries (message_id);
    CREATE TABLE mail_seen (
        message_id TEXT PRIMARY KEY,
        day TEXT,
        outcome TEXT NOT NULL,
        seen_at TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE mail_files (
        folder TEXT NOT NULL,
        name TEXT NOT NULL,
        PRIMARY KEY (folder, name)
    ) WITHOUT ROWID;
    CREATE TABLE mail_sources (
        source TEXT PRIMARY KEY,
        state TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE mail_events (
        id INTEGER PRIMARY KEY,
        delivery_id INTEGER,
        message_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        day TEXT NOT NULL,
        address TEXT NOT NULL DEFAULT '',
        detail TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX mail_events_by_delivery ON mail_events (delivery_id);
    CREATE TABLE bounced_addresses (
        address TEXT PRIMARY KEY,
        contact_uid TEXT NOT NULL,
        day TEXT NOT NULL,
        diagnostic TEXT NOT NULL DEFAULT ''
    );
    """,
)

#: The schema version this code writes.
SCHEMA_VERSION = len(_MIGRATIONS)


@dataclass(frozen=True, slots=True)
class Delivery:
    """A row of the deliveries table."""

    key: DeliveryKey
    status: str
    address: str
    message_id: str | None
    attempts: int
    last_error: str | None
    created_at: str
    updated_at: str
    sent_at: str | None


@dataclass(frozen=True, slots=True)
class Record:
    """One change to a delivery, for :meth:`Journal.record_many`."""

    key: DeliveryKey
    status: str
    address: str | None = None
    message_id: str | None = None
    error: str | None = None
    #: Count one more attempt.
    attempt: bool = False


@dataclass(frozen=True, slots=True)
class Touch:
    """A moment you were in touch with a contact."""

    contact_uid: str
    day: date
    via: str
    note: str = ""
    campaign: str | None = None


def _utcnow() -> datetime:
    return datetime.now(UTC)


class _Connection(sqlite3.Connection):
    """A connection whose operational errors (disk full, read-only, locked) name the journal
    and say what to do, instead of surfacing as SQLite's bare text."""

    journal_path: Path = Path()

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        try:
            return super().execute(sql, parameters)
        except sqlite3.OperationalError as exc:
            raise journal_error(self.journal_path, exc) from None

    def executemany(self, sql: str, parameters: Any, /) -> sqlite3.Cursor:
        try:
            return super().executemany(sql, parameters)
        except sqlite3.OperationalError as exc:
            raise journal_error(self.journal_path, exc) from None


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return (st.st_dev, st.st_ino)


class Journal:
    """The SQLite journal of one workspace. Use as a context manager, or call :meth:`close`."""

    def __init__(self, path: Path | str, *, clock: Callable[[], datetime] = _utcnow) -> None:
        self.path = Path(path)
        self.clock = clock
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(
                self.path, isolation_level=None, timeout=30, factory=_Connection
            )
            self._db.journal_path = self.path
            # A new journal gets 1 KiB pages (a no-op for one that exists): a sending run
            # commits a few rows at a time, and every commit writes each page it touched to
            # the log whole, so 10,000 messages wrote 180 MB of log with SQLite's 4 KiB pages
            # and 70 MB with these; commits and the final checkpoint take half the time.
            self._db.execute("PRAGMA page_size=1024")
            self._db.execute("PRAGMA journal_mode=WAL")
            #: The file this connection writes: each commit checks it is still at :attr:`path`.
            self._identity = _identity(self.path)
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._migrate()
        except sqlite3.OperationalError as exc:
            raise journal_error(self.path, exc) from None
        except sqlite3.DatabaseError as exc:
            raise InputError(f"{self.path}: not a usable journal database ({exc})") from None

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the database connection."""
        self._db.close()

    @property
    def db(self) -> sqlite3.Connection:
        """The open connection, for modules that keep tables of their own in the journal
        (:mod:`outreach.mailstate`)."""
        return self._db

    @property
    def schema_version(self) -> int:
        """The schema version of the open database."""
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    def _migrate(self) -> None:
        current = self.schema_version
        if current > SCHEMA_VERSION:
            raise InputError(
                f"{self.path}: written by a newer outreach (schema {current}, this one knows "
                f"{SCHEMA_VERSION}); upgrade outreach"
            )
        if current == SCHEMA_VERSION:
            return
        with self.transaction():
            # Read again under the write lock: two processes opening a new journal at once
            # both saw it empty, and only the first may create the tables.
            current = self.schema_version
            for version in range(current + 1, SCHEMA_VERSION + 1):
                for statement in _MIGRATIONS[version - 1].split(";"):
                    if statement.strip():
                        self._db.execute(statement)
                self._db.execute(f"PRAGMA user_version = {version}")

    def _now(self) -> str:
        return self.clock().isoformat(timespec="seconds")

    # -- deliveries -----------------------------------------------------------------------

    @staticmethod
    def _delivery(row: tuple[Any, ...]) -> Delivery:
        return Delivery(DeliveryKey(*row[:4]), *row[4:])

    _COLUMNS = (
        "campaign, part, contact_uid, channel, status, address, message_id, attempts, "
        "last_error, created_at, updated_at, sent_at"
    )

    def get(self, key: DeliveryKey) -> Delivery | None:
        """The delivery for ``key``, or ``None`` when it was never recorded."""
        row = self._db.execute(
            f"SELECT {self._COLUMNS} FROM deliveries "
            "WHERE campaign=? AND part=? AND contact_uid=? AND channel=?",
            (key.campaign, key.part, key.contact_uid, key.channel),
        ).fetchone()
        return self._delivery(row) if row else None

    def deliveries(self, campaign: str | None = None) -> list[Delivery]:
        """Every delivery, or those of one campaign, in the order they were first recorded."""
        if campaign is None:
            rows = self._db.execute(f"SELECT {self._COLUMNS} FROM deliveries ORDER BY id")
        else:
            rows = self._db.execute(
                f"SELECT {self._COLUMNS} FROM deliveries WHERE campaign=? ORDER BY id",
                (campaign,),
            )
        return [self._delivery(r) for r in rows]

    _INSERT = """
        INSERT INTO deliveries (campaign, part, contact_uid, channel, status, address,
                                message_id, attempts, last_error, created_at, updated_at,
                                sent_at)
        VALUES (?, ?, ?, ?, ?, COALESCE(?, ''), ?, ?, ?, ?, ?, ?)
        """
    #: A new row only (the first twelve values of :meth:`_upsert_row`).
    _INSERT_NEW = _INSERT + "ON CONFLICT DO NOTHING"
    _UPSERT = (
        _INSERT
        + """
        ON CONFLICT (campaign, part, contact_uid, channel) DO UPDATE SET
            -- A draft written again (a run that planned it before the user marked it sent,
            -- with no send lock between the two) never takes back what was sent or answered.
            status = CASE WHEN excluded.status = 'drafted'
                               AND deliveries.status IN ('sent', 'replied', 'bounced')
                          THEN deliveries.status ELSE excluded.status END,
            address = COALESCE(?, deliveries.address),
            message_id = COALESCE(excluded.message_id, deliveries.message_id),
            attempts = deliveries.attempts + excluded.attempts,
            last_error = CASE WHEN excluded.status IN ('sent', 'printed', 'drafted')
                              THEN NULL
                              ELSE COALESCE(excluded.last_error, deliveries.last_error) END,
            updated_at = excluded.updated_at,
            sent_at = COALESCE(excluded.sent_at, deliveries.sent_at)
        """
    )

    def record(
        self,
        key: DeliveryKey,
        status: str,
        *,
        address: str | None = None,
        message_id: str | None = None,
        error: str | None = None,
        attempt: bool = False,
    ) -> None:
        """Create or update the delivery for ``key`` (committed before returning).

        ``attempt`` counts one more attempt; ``error`` replaces the last error (a success
        clears it); a status of sent or printed stamps ``sent_at``.
        """
        self.record_many([Record(key, status, address, message_id, error, attempt)])

    #: :data:`_UPSERT`'s DO UPDATE as a plain UPDATE, for rows that exist: what a delivery
    #: run's outcomes are (each was claimed first), and cheaper than an upsert that must fail
    #: to insert first. Parameters: status twice, address, message id, attempts, status,
    #: error, updated and sent times, then the key.
    _UPDATE = """
        UPDATE deliveries SET
            status = CASE WHEN ? = 'drafted' AND status IN ('sent', 'replied', 'bounced')
                          THEN status ELSE ? END,
            address = COALESCE(?, address),
            message_id = COALESCE(?, message_id),
            attempts = attempts + ?,
            last_error = CASE WHEN ? IN ('sent', 'printed', 'drafted')
                              THEN NULL ELSE COALESCE(?, last_error) END,
            updated_at = ?,
            sent_at = COALESCE(?, sent_at)
        WHERE campaign = ? AND part = ? AND contact_uid = ? AND channel = ?
        """

    def record_many(self, records: Sequence[Record]) -> None:
        """:meth:`record` for several deliveries in one statement (one commit, unless inside
        :meth:`transaction`); they are applied in order."""
        now = self._now()
        for r in records:
            if r.status not in STATUSES:
                raise ValueError(f"unknown delivery status {r.status!r}")
        if not records:
            return
        with self._joined():
            self._apply(records, now)

    def _apply(self, records: Sequence[Record], now: str) -> None:
        """Write ``records`` in order inside the open transaction.

        Most update a row that exists (a delivery run's outcomes: each was claimed first), so
        they go as plain updates; the rows still missing are then inserted. When a delivery
        appears twice, the upsert applies them one after the other instead, so a record for a
        row its predecessor inserted updates it.
        """
        if len({r.key for r in records}) < len(records):
            self._db.executemany(self._UPSERT, [self._upsert_row(r, now) for r in records])
            return
        updated = self._db.executemany(
            self._UPDATE,
            [
                (
                    r.status,
                    r.status,
                    r.address,
                    r.message_id,
                    1 if r.attempt else 0,
                    r.status,
                    r.error,
                    now,
                    now if r.status in TOUCHING else None,
                    r.key.campaign,
                    r.key.part,
                    r.key.contact_uid,
                    r.key.channel,
                )
                for r in records
            ],
        ).rowcount
        if updated != len(records):
            # Only the missing rows are inserted: the others conflict and stay as updated.
            self._db.executemany(
                self._INSERT_NEW, [self._upsert_row(r, now)[:-1] for r in records]
            )

    @staticmethod
    def _upsert_row(r: Record, now: str) -> tuple[object, ...]:
        key = r.key
        return (
            key.campaign,
            key.part,
            key.contact_uid,
            key.channel,
            r.status,
            r.address,
            r.message_id,
            1 if r.attempt else 0,
            r.error,
            now,
            now,
            now if r.status in TOUCHING else None,
            r.address,
        )

    def settle_in_flight(self, campaign: str) -> list[Delivery]:
        """Turn deliveries left ``sending`` by a crash into ``unknown``; return them."""
        stuck = [d for d in self.deliveries(campaign) if d.status == SENDING]
        reason = "interrupted while sending: it may or may not have been delivered"
        self.record_many([Record(d.key, UNKNOWN, error=reason) for d in stuck])
        return stuck

    # -- touches --------------------------------------------------------------------------

    def add_touch(
        self,
        contact_uid: str,
        day: date,
        via: str,
        note: str = "",
        campaign: str | None = None,
    ) -> Touch:
        """Record that you were in touch with a contact on ``day``."""
        self._db.execute(
            "INSERT INTO touches (contact_uid, day, via, note, campaign, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (contact_uid, day.isoformat(), via, note, campaign, self._now()),
        )
        return Touch(contact_uid, day, via, note, campaign)

    def add_touches(self, touches: Sequence[Touch]) -> None:
        """:meth:`add_touch` for several touches in one statement."""
        now = self._now()
        self._db.executemany(
            "INSERT INTO touches (contact_uid, day, via, note, campaign, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [(t.contact_uid, t.day.isoformat(), t.via, t.note, t.campaign, now) for t in touches],
        )

    def touches(self, contact_uid: str | None = None) -> list[Touch]:
        """Every touch, or one contact's, oldest first."""
        query = "SELECT contact_uid, day, via, note, campaign FROM touches"
        args: tuple[str, ...] = ()
        if contact_uid is not None:
            query += " WHERE contact_uid=?"
            args = (contact_uid,)
        rows = self._db.execute(query + " ORDER BY day, id", args)
        return [Touch(r[0], date.fromisoformat(r[1]), r[2], r[3], r[4]) for r in rows]

    def last_touches(self) -> dict[str, date]:
        """Each contact's most recent touch date."""
        rows = self._db.execute("SELECT contact_uid, MAX(day) FROM touches GROUP BY contact_uid")
        return {uid: date.fromisoformat(day) for uid, day in rows}

    def latest_touches(self) -> dict[str, Touch]:
        """Each contact's most recent touch, with how it happened and its note.

        Of two touches on the same day, the one recorded last wins.
        """
        # SQLite takes the bare columns from the row that holds the MAX() of the group.
        rows = self._db.execute(
            "SELECT contact_uid, MAX(day || printf('#%012d', id)), via, note, campaign "
            "FROM touches GROUP BY contact_uid"
        )
        return {
            uid: Touch(uid, date.fromisoformat(key[:10]), via, note or "", campaign)
            for uid, key, via, note, campaign in rows
        }

    # -- the send log (rate limits) -------------------------------------------------------

    def log_send(self, channel: str, domain: str, at: float) -> None:
        """Note that a message went to a server at ``at`` (epoch seconds)."""
        self._db.execute(
            "INSERT INTO sends (channel, domain, at) VALUES (?, ?, ?)", (channel, domain, at)
        )

    def log_sends(self, channel: str, domains: Sequence[str], at: float) -> None:
        """:meth:`log_send` for one send to each of ``domains``, in one statement."""
        self._db.executemany(
            "INSERT INTO sends (channel, domain, at) VALUES (?, ?, ?)",
            [(channel, domain, at) for domain in domains],
        )

    def count_sends(self, channel: str, since: float, domain: str | None = None) -> int:
        """How many messages went out on ``channel`` since ``since`` (optionally to a domain)."""
        if domain is None:
            row = self._db.execute(
                "SELECT COUNT(*) FROM sends WHERE channel=? AND at>=?", (channel, since)
            ).fetchone()
        else:
            row = self._db.execute(
                "SELECT COUNT(*) FROM sends WHERE channel=? AND at>=? AND domain=?",
                (channel, since, domain),
            ).fetchone()
        return int(row[0])

    def send_times(self, channel: str, since: float) -> list[tuple[float, str]]:
        """(time, domain) of every send on ``channel`` since ``since``, oldest first."""
        rows = self._db.execute(
            "SELECT at, domain FROM sends WHERE channel=? AND at>=? ORDER BY at",
            (channel, since),
        )
        return [(float(at), str(domain)) for at, domain in rows]

    # -- meta -----------------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        """A value from the journal's key/value table."""
        row = self._db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return str(row[0]) if row else None

    def set_meta(self, key: str, value: str) -> None:
        """Store a value in the journal's key/value table."""
        self._db.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value=excluded.value",
            (key, value),
        )

    def meta_items(self, prefix: str) -> dict[str, str]:
        """Every key/value pair whose key starts with ``prefix`` (keys as stored)."""
        rows = self._db.execute(
            "SELECT key, value FROM meta WHERE substr(key, 1, ?) = ?", (len(prefix), prefix)
        )
        return {str(k): str(v) for k, v in rows}

    @contextmanager
    def checkpoints_deferred(self) -> Iterator[None]:
        """Hold back WAL checkpoints until the block ends (a run committing many times).

        A checkpoint copies the log back into the database and syncs it to disk; SQLite does
        one every thousand pages, which during a long delivery run means a disk sync every
        few hundred commits in the middle of sending. Committed transactions are exactly as
        durable either way; the log is checkpointed once at the end instead.
        """
        (previous,) = self._db.execute("PRAGMA wal_autocheckpoint").fetchone()
        self._db.execute("PRAGMA wal_autocheckpoint=0")
        try:
            yield
        finally:
            self._db.execute(f"PRAGMA wal_autocheckpoint={int(previous)}")
            self._db.execute("PRAGMA wal_checkpoint(PASSIVE)")

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group several writes into one commit; an exception rolls them all back."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
            self.check_identity()
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    @contextmanager
    def _joined(self) -> Iterator[None]:
        """Join the transaction that is open, or make one (see :meth:`transaction`)."""
        if self._db.in_transaction:
            yield
            return
        with self.transaction():
            yield

    def check_identity(self) -> None:
        """Raise :class:`~outreach.errors.JournalReplaced` when the file at :attr:`path` is no
        longer the one this connection writes (deleted, or replaced by a restore or a copy).

        Writes to a deleted journal would succeed and be lost with it, and the next run would
        deliver again everything this one sent; every commit checks first.
        """
        if _identity(self.path) != self._identity:
            raise JournalReplaced(
                f"{self.path}: the journal was deleted or replaced while this run was using "
                "it; stopped before sending more. Put the journal back (or restore it from a "
                "backup) before running again, or what was sent will be sent again"
            )

    def claim(self, records: Sequence[Record], claimable: Collection[str]) -> None:
        """Mark deliveries ``sending`` in one transaction, only if none is taken already.

        A delivery can be claimed when it has no row yet or its status is in ``claimable``
        (``pending``, and ``failed`` or ``unknown`` when the run retries those); one that is
        ``sending`` or settled belongs to another run. The statements that take the rows are
        the check itself, under SQLite's write lock, so of two claimers of one delivery
        exactly one wins, whichever processes or connections they run in. When any record
        cannot be claimed none is, and :class:`~outreach.errors.DeliveryClaimed` names it.
        Inside :meth:`transaction` the claim joins it; otherwise it commits itself.
        """
        unique = list({r.key: r for r in records}.values())
        if not unique:
            return
        allowed = tuple(sorted(set(claimable) - {SENDING}))
        marks = ",".join("?" * len(allowed)) or "NULL"
        now = self._now()
        with self._joined():
            self._claim(unique, allowed, marks, now)

    def _claim(
        self, unique: Sequence[Record], allowed: Sequence[str], marks: str, now: str
    ) -> None:
        self._db.execute("SAVEPOINT claim")
        try:
            # One statement for the whole batch (a sending run claims every message): a new
            # row is inserted as sending; a row already there is taken only from a claimable
            # status (the WHERE of DO UPDATE). A row left as it was is not counted, so the
            # count is what was claimed.
            claimed = self._db.executemany(
                "INSERT INTO deliveries (campaign, part, contact_uid, channel, status, address, "
                "attempts, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, COALESCE(?, ''), ?, ?, ?) "
                "ON CONFLICT (campaign, part, contact_uid, channel) DO UPDATE SET "
                "status = excluded.status, address = COALESCE(?, deliveries.address), "
                "attempts = deliveries.attempts + excluded.attempts, "
                "updated_at = excluded.updated_at "
                f"WHERE deliveries.status IN ({marks})",
                [
                    (
                        r.key.campaign,
                        r.key.part,
                        r.key.contact_uid,
                        r.key.channel,
                        SENDING,
                        r.address,
                        int(r.attempt),
                        now,
                        now,
                        r.address,
                        *allowed,
                    )
                    for r in unique
                ],
            ).rowcount
            if claimed != len(unique):
                # Undo this claim first (the write lock stays ours), then name what was taken.
                self._db.execute("ROLLBACK TO claim")
                self._refuse_claim(unique, allowed)
        except BaseException:
            # Undo this claim only: the rest of a transaction it joined stays.
            self._db.execute("ROLLBACK TO claim")
            self._db.execute("RELEASE claim")
            raise
        self._db.execute("RELEASE claim")

    def _refuse_claim(self, records: Sequence[Record], allowed: Sequence[str]) -> None:
        """Raise :class:`~outreach.errors.DeliveryClaimed` for the first record another run
        has (sending or settled)."""
        for r in records:
            current = self.get(r.key)
            if current is not None and current.status not in allowed:
                key = r.key
                raise DeliveryClaimed(
                    f"{self.path}: {key.contact_uid} on {key.channel} ({key.campaign}, part "
                    f"{key.part}) is already {current.status} by another run; stopped so that "
                    "nothing is sent twice (is another sending run using this journal?)"
                )
        raise DeliveryClaimed(
            f"{self.path}: a delivery of {records[0].key.campaign} is already taken by another "
            "run; stopped so that nothing is sent twice"
        )

    def statuses(self, campaign: str) -> dict[DeliveryKey, str]:
        """Every delivery's status for one campaign."""
        rows = self._db.execute(
            "SELECT campaign, part, contact_uid, channel, status FROM deliveries WHERE campaign=?",
            (campaign,),
        )
        return {DeliveryKey(*r[:4]): r[4] for r in rows}

    def backup_to(self, target: Path) -> None:
        """Copy the database to ``target`` consistently, even while it is in use."""
        dest = sqlite3.connect(target)
        try:
            self._db.backup(dest)
        finally:
            dest.close()
