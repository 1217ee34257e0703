"""Mail sync: reading the user's own mail to update the journal.

What each new message means, in this order:

1. counted before (its Message-ID is in the journal), or one outreach sent itself (a
   delivery's Message-ID): nothing more;
2. sent by you (from one of your addresses, or found in a Sent folder): a touch for every
   contact it went to (To, Cc, Bcc);
3. a bounce (a delivery-status notification, :mod:`outreach.bounces`): a permanent failure
   marks the delivery it reports ``bounced`` with the diagnostic, and the address as
   bouncing (later campaigns skip it; the plan lists the contact under ``fix-address``); a
   temporary one (4.x.x) is recorded and changes nothing;
4. automated (mailing lists, newsletters, auto-replies, ``noreply@`` senders): ignored;
5. a personal message to you: when its In-Reply-To or References names a delivery's
   Message-ID, that delivery becomes ``replied``; when its sender is a contact, a touch.

A touch from mail is ``via = "email"`` on the message's date, with the subject as the note.
Mail from an address nobody in the book has is left to ``outreach contacts suggest``.

Only header blocks are read, in batches of :data:`~outreach.mailsources.BATCH`; a body is
read only for a message that looks like a bounce. Each batch is one journal commit with the
source's sync state, so memory stays flat for any mailbox size and an interrupted sync
resumes after the last committed batch.
"""

from __future__ import annotations

import email
import email.utils
import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from email.policy import compat32
from typing import TYPE_CHECKING, Any

from .bounces import looks_like_bounce, read_bounce
from .delivery import BOUNCED, REPLIED, SENT, UNKNOWN
from .harvest import _BULK, _ROBOTS, _decode
from .journal import Delivery, Journal, Record, Touch
from .mailheaders import HeaderBlock, addresses
from .mailsources import MailSource
from .mailstate import MailState
from .options import parse_table

if TYPE_CHECKING:
    from .addressbook import AddressBook
    from .engine import Progress
    from .progress import Bar
    from .workspace import Workspace

__all__ = ["MailSettings", "SyncResult", "mail_settings", "message_id_of", "summary", "sync"]

_MESSAGE_ID = re.compile(r"<[^<>\s]+>")
#: How long before a bounce the message it reports may have been sent, when the report does
#: not quote it: mail servers give up within days (Postfix after 5, Exim after 4).
BOUNCE_WINDOW = timedelta(days=30)
#: Deliveries a reply or a bounce may change: ones that went out (or may have).
_OPEN = frozenset({SENT, UNKNOWN})

# What a counted message turned out to be (mail_seen.outcome).
OWN = "own"
SENT_MAIL = "sent"
BOUNCE = "bounce"
AUTOMATED = "automated"
REPLY = "reply"
TOUCH = "touch"
OTHER = "other"


@dataclass(slots=True)
class MailSettings:
    """Table ``[mail]`` of ``outreach.toml``."""

    #: What ``outreach mail sync`` reads with no SOURCE: Maildir folders, mbox files, "imap".
    sources: list[str] = field(default_factory=list)
    #: Your other addresses (``[me] email`` is always yours): mail from them is mail you sent.
    me: list[str] = field(default_factory=list)


def mail_settings(workspace: Workspace) -> MailSettings:
    """The workspace's ``[mail]`` table."""
    return parse_table(MailSettings, workspace.section("mail"), f"{workspace.config_path} [mail]")


@dataclass(slots=True)
class SyncResult:
    """What a sync did."""

    #: Messages looked at, and those new to the journal.
    read: int = 0
    new: int = 0
    #: outcome -> number of new messages.
    outcomes: Counter[str] = field(default_factory=Counter)
    touches: int = 0
    #: Campaign deliveries marked replied, and bounced.
    replied: int = 0
    bounced: int = 0
    #: Permanent failures reported (of campaign messages or not), and temporary ones.
    failures: int = 0
    delayed: int = 0
    #: Addresses newly marked as bouncing.
    bouncing: list[str] = field(default_factory=list)
    #: One line per source: what it held.
    sources: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """True when the sync recorded anything."""
        return self.new > 0


def message_id_of(headers: HeaderBlock, raw: bytes) -> str:
    """The Message-ID, or a stable stand-in made from the header block when there is none."""
    value = headers.get("Message-ID")
    if value:
        match = _MESSAGE_ID.search(str(value))
        if match:
            return match.group(0)
    digest = hashlib.sha256(raw).hexdigest()[:32]
    return f"<{digest}@no-message-id.outreach>"


def _automated(headers: HeaderBlock) -> bool:
    """Mailing lists, newsletters, bulk and auto-submitted mail (auto-replies included)."""
    if headers.get("List-Id") or headers.get("List-Unsubscribe"):
        return True
    if (headers.get("Precedence") or "").strip().lower() in _BULK:
        return True
    return (headers.get("Auto-Submitted") or "no").strip().lower() not in ("", "no")


def _referenced_ids(headers: HeaderBlock) -> list[str]:
    ids = []
    for name in ("In-Reply-To", "References"):
        for value in headers.get_all(name):
            ids.extend(_MESSAGE_ID.findall(str(value)))
    return ids


@dataclass(slots=True)
class _Parsed:
    incoming: Any
    headers: HeaderBlock
    message_id: str
    day: date | None


class _Syncer:
    """One sync: the book's address index, the journal, and what has been found."""

    def __init__(self, book: AddressBook, journal: Journal, me: Iterable[str], today: date) -> None:
        self.journal = journal
        self.state = MailState(journal)
        self.today = today
        self.me = {m.strip().lower() for m in me if m.strip()}
        self.owners: dict[str, list[str]] = {}
        for contact in book:
            for e in contact.emails:
                self.owners.setdefault(e.address.strip().lower(), []).append(contact.uid)
        self.result = SyncResult()

    # -- a batch --------------------------------------------------------------------------

    def process(self, messages: Sequence[Any]) -> None:
        """Work out what each new message means and queue the journal writes."""
        parsed = []
        for incoming in messages:
            headers = HeaderBlock(incoming.header)
            mid = message_id_of(headers, incoming.header)
            day = headers.day()
            if day is not None and day > self.today:
                # A sender's clock (or a spammer) says the future: it came by today.
                day = self.today
            parsed.append(_Parsed(incoming, headers, mid, day))
        self.result.read += len(parsed)
        seen = self.state.seen([p.message_id for p in parsed])
        fresh: list[_Parsed] = []
        batch_ids: set[str] = set()
        for p in parsed:
            if p.message_id in seen or p.message_id in batch_ids:
                continue
            batch_ids.add(p.message_id)
            fresh.append(p)
        if not fresh:
            return
        wanted = {p.message_id for p in fresh}
        for p in fresh:
            wanted.update(_referenced_ids(p.headers))
        self._deliveries = self.state.delivery_ids(sorted(wanted))
        self._touches: list[Touch] = []
        self._records: list[Record] = []
        seen_rows = []
        for p in fresh:
            outcome = self._one(p)
            self.result.outcomes[outcome] += 1
            seen_rows.append((p.message_id, p.day, outcome))
        self.result.new += len(fresh)
        self.journal.record_many(self._records)
        self.journal.add_touches(self._touches)
        self.result.touches += len(self._touches)
        self.state.mark_seen(seen_rows)

    def _one(self, p: _Parsed) -> str:
        if p.message_id in self._deliveries:
            return OWN  # outreach's own message (a copy in Sent): its touch is recorded
        senders = addresses(p.headers, "From")
        if p.incoming.is_sent or any(a in self.me for a in senders):
            return self._sent(p)
        if looks_like_bounce(p.headers):
            if self._bounce(p):
                return BOUNCE
            return AUTOMATED
        if _automated(p.headers) or any(_ROBOTS.match(a.split("@")[0]) for a in senders):
            return AUTOMATED
        outcome = OTHER
        replied = self._replies(p)
        if replied:
            outcome = REPLY
        touched = self._touch(p, [u for a in senders for u in self.owners.get(a, ())], replied)
        return outcome if outcome != OTHER or not touched else TOUCH

    def _subject(self, p: _Parsed) -> str:
        return _decode(p.headers.get("Subject") or "")

    def _touch(self, p: _Parsed, uids: Iterable[str], campaign: str | None = None) -> bool:
        day = p.day or self.today
        note = self._subject(p)
        done = set()
        for uid in uids:
            if uid not in done:
                done.add(uid)
                self._touches.append(Touch(uid, day, "email", note, campaign))
        return bool(done)

    def _sent(self, p: _Parsed) -> str:
        recipients = addresses(p.headers, "To", "Cc", "Bcc")
        uids = [u for a in recipients if a not in self.me for u in self.owners.get(a, ())]
        return SENT_MAIL if self._touch(p, uids) else OTHER

    def _replies(self, p: _Parsed) -> str | None:
        """Mark the deliveries this message answers as replied; the campaign, if any."""
        campaign = None
        for mid in _referenced_ids(p.headers):
            found = self._deliveries.get(mid)
            if found is None:
                continue
            row_id, delivery = found
            day = p.day or self.today
            if delivery.status in _OPEN:
                self._records.append(Record(delivery.key, REPLIED))
                self.state.add_event(row_id, p.message_id, REPLIED, day, delivery.address)
                self.result.replied += 1
                # Seen by a later reference in the same batch as replied already.
                self._deliveries[mid] = (row_id, _with_status(delivery, REPLIED))
            campaign = campaign or delivery.key.campaign
        return campaign

    def _bounce(self, p: _Parsed) -> bool:
        try:
            message = email.message_from_bytes(p.incoming.body(), policy=compat32)
        except FileNotFoundError:
            return False
        report = read_bounce(message)
        if report is None or not report.failures:
            return False
        day = p.day or self.today
        original = None
        if report.original_message_id:
            found = self.state.delivery_ids([report.original_message_id])
            original = found.get(report.original_message_id)
        for failure in report.failures:
            dead = failure.recipient
            owners = list(self.owners.get(dead, ()))
            # A report that returns one of outreach's messages is about that delivery only:
            # naming another contact in it (a forwarding address, or a forgery) never reaches
            # that contact's deliveries or addresses.
            match = original if original is not None else self._reported(failure.recipient, day)
            if match is not None and match[1].key.contact_uid not in owners:
                # The report names an address the contact does not have (their mail was
                # forwarded there): the address outreach wrote to is the one to fix.
                dead = match[1].address.strip().lower()
                owners = [match[1].key.contact_uid]
            row_id = match[0] if match else None
            if not failure.permanent:
                self.state.add_event(
                    row_id, p.message_id, "delayed", day, failure.recipient, failure.summary
                )
                self.result.delayed += 1
                continue
            self.result.failures += 1
            if match is not None:
                delivery = match[1]
                if delivery.status in _OPEN:
                    self._records.append(Record(delivery.key, BOUNCED, error=failure.summary))
                    self.result.bounced += 1
            self.state.add_event(
                row_id, p.message_id, BOUNCED, day, failure.recipient, failure.summary
            )
            if owners and dead and not self._written_since(dead, day):
                self.state.mark_bounced(dead, owners[0], day, failure.summary)
                self.result.bouncing.append(dead)
        return True

    def _reported(self, recipient: str, day: date) -> tuple[int, Delivery] | None:
        """The delivery a report dated ``day`` that quotes none of outreach's messages is
        about: the latest to ``recipient`` sent in the days before it."""
        # A day either way for the time zones of the two dates.
        latest = self.state.latest_delivery_to(recipient, before=day + timedelta(days=2))
        if latest is None or latest[1].sent_at is None:
            return None
        if date.fromisoformat(latest[1].sent_at[:10]) < day - timedelta(days=1) - BOUNCE_WINDOW:
            return None
        return latest

    def _written_since(self, address: str, day: date) -> bool:
        """True when outreach sent to ``address`` after a report dated ``day``: the report is
        older news (that delivery's own report, if any, will tell)."""
        latest = self.state.latest_delivery_to(address)
        return bool(
            latest
            and latest[1].sent_at
            and date.fromisoformat(latest[1].sent_at[:10]) > day + timedelta(days=1)
        )


def _with_status(delivery: Any, status: str) -> Any:
    from dataclasses import replace

    return replace(delivery, status=status)


def sync(
    sources: Sequence[MailSource],
    *,
    book: AddressBook,
    journal: Journal,
    me: Iterable[str],
    today: date,
    progress: Progress | None = None,
) -> SyncResult:
    """Read every source's new messages and record what they mean (see the module's notes).

    Without a ``progress`` of the caller's own, the job's progress is :mod:`outreach.progress`'s
    (shown only when the program turned it on).
    """
    from . import progress as shown

    syncer = _Syncer(book, journal, me, today)
    if progress is not None:
        progress.start(_total(sources, syncer.state))
        try:
            _read(sources, syncer, progress)
        finally:
            progress.close()
        return syncer.result
    # Counting costs a directory listing or an IMAP STATUS per folder: only when it is shown.
    total = _total(sources, syncer.state) if shown.enabled() else 0
    with shown.progress("reading mail", total) as bar:
        _read(sources, syncer, bar)
    return syncer.result


def _total(sources: Sequence[MailSource], state: MailState) -> int:
    """The messages there are to look at; 0 when a source cannot tell (an mbox file)."""
    counts = [s.count(state) for s in sources]
    return 0 if None in counts else sum(c for c in counts if c is not None)


def _read(sources: Sequence[MailSource], syncer: _Syncer, bar: Progress | Bar) -> None:
    journal, state = syncer.journal, syncer.state
    with journal.checkpoints_deferred():
        for source in sources:
            before = syncer.result.read, syncer.result.new
            for batch in source.batches(state):
                with journal.transaction():
                    syncer.process(batch.messages)
                    batch.record(state)
                bar.advance(len(batch.messages))
            read = syncer.result.read - before[0]
            new = syncer.result.new - before[1]
            syncer.result.sources.append(f"{source.label}: {read} new to read, {new} counted")


#: Bouncing addresses listed one by one in the summary; the rest are counted.
_LISTED = 20


def summary(result: SyncResult) -> list[str]:
    """Human-readable lines for a sync."""
    lines = list(result.sources)
    o = result.outcomes
    lines.append(
        f"{result.new} new message(s): {result.touches} touch(es) recorded, "
        f"{result.replied} repl{'y' if result.replied == 1 else 'ies'} to campaigns, "
        f"{result.failures} bounce(s) ({result.bounced} of campaign messages), "
        f"{result.delayed} delay(s), "
        f"{o[AUTOMATED]} automated ignored, {o[OTHER]} from people not in the book"
    )
    for address in result.bouncing[:_LISTED]:
        lines.append(f"bouncing: {address} (see outreach plan, section fix-address)")
    if len(result.bouncing) > _LISTED:
        lines.append(f"... and {len(result.bouncing) - _LISTED} more bouncing addresses")
    if not result.changed:
        lines.append("nothing new")
    return lines
