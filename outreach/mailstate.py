"""The journal's record of mail coming back: how far each source was read, which messages were
counted, replies and bounces matched to deliveries, and the addresses that bounce.

The tables are created by the journal's second migration. Sync state is written in the same
transaction as what the messages changed, so a sync stopped at any point resumes where the
last commit left it, and nothing is counted twice:

* ``mail_files``: the unique part of every Maildir file name already read, per folder;
* ``mail_sources``: per mbox file its size and mtime, per IMAP folder its UIDVALIDITY and the
  last UID read;
* ``mail_seen``: every Message-ID counted, with what it turned out to be;
* ``mail_events``: replies, bounces and delays, with the delivery they concern;
* ``bounced_addresses``: email addresses a permanent failure was reported for, until the user
  clears them (``outreach contacts set CONTACT --email-ok ADDRESS``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from .delivery import DeliveryKey
from .journal import Delivery, Journal

__all__ = [
    "BouncedAddress",
    "MailEvent",
    "MailState",
]

#: Rows looked up per query; SQLite allows 999 parameters in older builds.
_CHUNK = 500


@dataclass(frozen=True, slots=True)
class BouncedAddress:
    """An email address that bounced: whose it is, when, and what the server said."""

    address: str
    contact_uid: str
    day: date
    diagnostic: str


@dataclass(frozen=True, slots=True)
class MailEvent:
    """A reply, bounce or delay found for a delivery."""

    key: DeliveryKey
    #: ``replied``, ``bounced`` or ``delayed``.
    kind: str
    day: date
    detail: str


class MailState:
    """Mail-sync tables of an open :class:`~outreach.journal.Journal`."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal
        self._db = journal.db

    # -- messages already counted --------------------------------------------------------

    def seen(self, message_ids: Sequence[str]) -> set[str]:
        """Which of ``message_ids`` were counted by an earlier sync."""
        found: set[str] = set()
        for start in range(0, len(message_ids), _CHUNK):
            chunk = message_ids[start : start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                f"SELECT message_id FROM mail_seen WHERE message_id IN ({marks})", chunk
            )
            found.update(r[0] for r in rows)
        return found

    def mark_seen(self, rows: Iterable[tuple[str, date | None, str]]) -> None:
        """Note messages as counted: (Message-ID, date, outcome)."""
        now = self.journal.clock().isoformat(timespec="seconds")
        self._db.executemany(
            "INSERT OR IGNORE INTO mail_seen (message_id, day, outcome, seen_at) "
            "VALUES (?, ?, ?, ?)",
            [(mid, day.isoformat() if day else None, outcome, now) for mid, day, outcome in rows],
        )

    def outcomes(self) -> dict[str, int]:
        """How many counted messages had each outcome (touch, reply, bounce, ignored...)."""
        rows = self._db.execute("SELECT outcome, COUNT(*) FROM mail_seen GROUP BY outcome")
        return {str(o): int(n) for o, n in rows}

    # -- how far each source was read ------------------------------------------------------

    def known_files(self, folder: str, names: Sequence[str]) -> set[str]:
        """Which of a Maildir folder's file names were read before."""
        found: set[str] = set()
        for start in range(0, len(names), _CHUNK):
            chunk = list(names[start : start + _CHUNK])
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                f"SELECT name FROM mail_files WHERE folder=? AND name IN ({marks})",
                [folder, *chunk],
            )
            found.update(r[0] for r in rows)
        return found

    def add_files(self, folder: str, names: Iterable[str]) -> None:
        """Note Maildir file names as read."""
        self._db.executemany(
            "INSERT OR IGNORE INTO mail_files (folder, name) VALUES (?, ?)",
            [(folder, n) for n in names],
        )

    def source_state(self, source: str) -> str | None:
        """The state an mbox file or IMAP folder was left at, or ``None``."""
        row = self._db.execute(
            "SELECT state FROM mail_sources WHERE source=?", (source,)
        ).fetchone()
        return str(row[0]) if row else None

    def set_source_state(self, source: str, state: str) -> None:
        """Record how far an mbox file or IMAP folder has been read."""
        self._db.execute(
            "INSERT INTO mail_sources (source, state, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT (source) DO UPDATE SET state=excluded.state, "
            "updated_at=excluded.updated_at",
            (source, state, self.journal.clock().isoformat(timespec="seconds")),
        )

    # -- deliveries ----------------------------------------------------------------------

    def delivery_ids(self, message_ids: Sequence[str]) -> dict[str, tuple[int, Delivery]]:
        """The deliveries outreach sent with any of ``message_ids``, by Message-ID."""
        found: dict[str, tuple[int, Delivery]] = {}
        columns = Journal._COLUMNS  # noqa: SLF001 - the same row shape as the journal's
        for start in range(0, len(message_ids), _CHUNK):
            chunk = list(message_ids[start : start + _CHUNK])
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                f"SELECT id, {columns} FROM deliveries WHERE message_id IN ({marks})", chunk
            )
            for row in rows:
                delivery = Journal._delivery(row[1:])  # noqa: SLF001
                assert delivery.message_id is not None
                found[delivery.message_id] = (int(row[0]), delivery)
        return found

    def latest_delivery_to(
        self, address: str, channel: str = "email", *, before: date | None = None
    ) -> tuple[int, Delivery] | None:
        """The most recent delivery sent to ``address`` on ``channel`` (for a bounce that
        does not quote the original Message-ID); with ``before``, the latest sent before
        that day."""
        until = before.isoformat() if before else "\uffff"
        row = self._db.execute(
            f"SELECT id, {Journal._COLUMNS} FROM deliveries "  # noqa: SLF001
            "WHERE lower(address)=? AND channel=? AND sent_at IS NOT NULL AND sent_at < ? "
            "ORDER BY sent_at DESC, id DESC LIMIT 1",
            (address.strip().lower(), channel, until),
        ).fetchone()
        return (int(row[0]), Journal._delivery(row[1:])) if row else None  # noqa: SLF001

    def add_event(
        self,
        delivery_id: int | None,
        message_id: str,
        kind: str,
        day: date,
        address: str = "",
        detail: str = "",
    ) -> None:
        """Record a reply, bounce or delay (``delivery_id`` is ``None`` when none matched)."""
        self._db.execute(
            "INSERT INTO mail_events (delivery_id, message_id, kind, day, address, detail) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (delivery_id, message_id, kind, day.isoformat(), address, detail),
        )

    def events(self, campaign: str) -> dict[DeliveryKey, MailEvent]:
        """The latest reply or bounce of each delivery of ``campaign``."""
        rows = self._db.execute(
            "SELECT d.campaign, d.part, d.contact_uid, d.channel, e.kind, e.day, e.detail "
            "FROM mail_events e JOIN deliveries d ON d.id = e.delivery_id "
            "WHERE d.campaign=? AND e.kind IN ('replied', 'bounced') ORDER BY e.day, e.id",
            (campaign,),
        )
        found: dict[DeliveryKey, MailEvent] = {}
        for r in rows:
            key = DeliveryKey(*r[:4])
            found[key] = MailEvent(key, r[4], date.fromisoformat(r[5]), r[6])
        return found

    # -- addresses that bounce -------------------------------------------------------------

    def mark_bounced(self, address: str, contact_uid: str, day: date, diagnostic: str) -> None:
        """Note that mail to ``address`` bounces permanently (a later bounce updates it)."""
        self._db.execute(
            "INSERT INTO bounced_addresses (address, contact_uid, day, diagnostic) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (address) DO UPDATE SET "
            "contact_uid=excluded.contact_uid, "
            # The latest bounce wins, whatever order the mail is read in.
            "diagnostic=CASE WHEN excluded.day >= day THEN excluded.diagnostic "
            "ELSE diagnostic END, day=MAX(day, excluded.day)",
            (address.strip().lower(), contact_uid, day.isoformat(), diagnostic),
        )

    def clear_bounced(self, address: str) -> bool:
        """Forget that ``address`` bounced; True when it had."""
        cursor = self._db.execute(
            "DELETE FROM bounced_addresses WHERE address=?", (address.strip().lower(),)
        )
        return cursor.rowcount > 0

    def bounced(self) -> dict[str, BouncedAddress]:
        """Every address that bounces, by address in lower case."""
        rows = self._db.execute(
            "SELECT address, contact_uid, day, diagnostic FROM bounced_addresses"
        )
        return {r[0]: BouncedAddress(r[0], r[1], date.fromisoformat(r[2]), r[3]) for r in rows}
