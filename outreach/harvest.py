"""The mailbox harvest: who you corresponded with most, from an mbox or a Maildir.

At the end of a job, the people you wrote to are the network you are about to lose. This
module reads message headers only (never bodies), from mbox files and Maildirs (including
Maildir++ folders such as ``.Sent`` and folder trees written by mbsync or offlineimap), and
counts for every address how many messages you sent to it and how many it sent to you.
Messages you sent count three times as much: writing to someone is a stronger sign of a
working relationship than being written to. Mail from robots (``noreply@``, mailing lists,
bulk and auto-submitted mail) is left out, and so are your own addresses.
"""

from __future__ import annotations

import email.errors
import email.header
import email.utils
import mailbox
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from email.message import Message
from email.parser import BytesHeaderParser
from email.policy import compat32
from pathlib import Path

from .contact import Contact, Email, content_uid
from .errors import InputError
from .importer import ImportedRecord, split_name

__all__ = ["SENT_WEIGHT", "Correspondent", "Harvest", "harvest", "read_headers"]

#: How much more a message you sent counts than one you received.
SENT_WEIGHT = 3
#: Local parts of addresses that are robots, not people.
_ROBOTS = re.compile(
    r"^(?:no[-_.]?reply|do[-_.]?not[-_.]?reply|mailer[-_.]daemon|postmaster|bounces?"
    r"|notifications?|newsletters?|alerts?|automated|calendar-notification)(?:[-+._].*)?$",
    re.IGNORECASE,
)
_ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_BULK = {"bulk", "list", "junk"}
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@dataclass(slots=True)
class Correspondent:
    """Someone in your mail, with how much you wrote to each other."""

    address: str
    names: Counter[str] = field(default_factory=Counter)
    sent: int = 0
    received: int = 0
    first: date | None = None
    last: date | None = None

    @property
    def score(self) -> int:
        """Messages you sent count :data:`SENT_WEIGHT` times, received ones once."""
        return SENT_WEIGHT * self.sent + self.received

    @property
    def name(self) -> str:
        """The display name they were given most often ("" when never)."""
        return self.names.most_common(1)[0][0] if self.names else ""

    @property
    def display(self) -> str:
        """The name as it would be imported ("Doe, Jane" is Jane Doe)."""
        return split_name(self.name).display

    def seen(self, day: date | None) -> None:
        """Note a message dated ``day``."""
        if day is None:
            return
        self.first = day if self.first is None or day < self.first else self.first
        self.last = day if self.last is None or day > self.last else self.last

    def contact(self) -> Contact:
        """A new contact for this correspondent (its UID derives from the address)."""
        return Contact(
            uid=content_uid("mailbox\x1f" + self.address),
            name=split_name(self.name),
            emails=[Email(self.address)],
        )

    def record(self) -> ImportedRecord:
        """An import record; the last message's date is recorded as a touch."""
        return ImportedRecord(self.contact(), 0, connected_on=self.last, source="mailbox")


@dataclass(slots=True)
class Harvest:
    """Everyone found in some mailboxes, and how many messages were read."""

    correspondents: dict[str, Correspondent] = field(default_factory=dict)
    messages: int = 0
    skipped_automated: int = 0

    def ranked(self) -> list[Correspondent]:
        """Correspondents by score, then the most recent first."""
        return sorted(
            self.correspondents.values(),
            key=lambda c: (-c.score, -(c.last.toordinal() if c.last else 0), c.address),
        )

    def _count(
        self, people: list[tuple[str, str]], mine: set[str], day: date | None, *, sent: bool
    ) -> None:
        """Count a message you sent to (or received from) each of ``people``, except your
        own addresses and robots."""
        for display, address in people:
            if address in mine or _ROBOTS.match(address.split("@")[0]):
                continue
            person = self.correspondents.get(address)
            if person is None:
                person = self.correspondents[address] = Correspondent(address)
            if sent:
                person.sent += 1
            else:
                person.received += 1
            person.seen(day)
            if display:
                person.names[display] += 1


def _decode(value: str) -> str:
    """A header's text with RFC 2047 encoded words decoded; never raises."""
    if "=?" not in value:
        text = value
    else:
        try:
            text = str(email.header.make_header(email.header.decode_header(value)))
        except (UnicodeError, LookupError, email.errors.HeaderParseError):
            text = value
    # 8-bit bytes in a header arrive as surrogate escapes: read them as UTF-8.
    text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    # Control characters (an encoded line break, a terminal escape) become spaces: the text
    # ends up in names and notes that are printed and written one per line.
    text = _CONTROLS.sub(" ", text)
    return " ".join(text.split()).strip("'\" ")


def _addresses(message: Message, *names: str) -> list[tuple[str, str]]:
    """(display name, address in lower case) of every valid address in the headers."""
    # Raw values: compat32 would turn a header with 8-bit bytes into replacement characters.
    wanted = {n.lower() for n in names}
    values = [
        re.sub(r"\r?\n(?=[ \t])", "", str(value))
        for name, value in message.raw_items()
        if name.lower() in wanted
    ]
    found = []
    for display, address in email.utils.getaddresses(values):
        address = address.strip().strip("<>").lower()
        if not _ADDRESS.match(address):
            continue
        display = _decode(display)
        if display.lower() == address:
            display = ""
        found.append((display, address))
    return found


def _day(message: Message) -> date | None:
    value = message.get("Date")
    if not value:
        return None
    try:
        return email.utils.parsedate_to_datetime(str(value)).date()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _automated(message: Message) -> bool:
    if message.get("List-Id") or message.get("List-Unsubscribe"):
        return True
    if str(message.get("Precedence", "")).strip().lower() in _BULK:
        return True
    auto = str(message.get("Auto-Submitted", "no")).strip().lower()
    return auto not in ("", "no")


def _headers_of(handle: Iterable[bytes]) -> Message:
    """Parse only a message's header block: bodies are never read."""
    lines = []
    for line in handle:
        if line in (b"\n", b"\r\n"):
            break
        lines.append(line)
    return BytesHeaderParser(policy=compat32).parsebytes(b"".join(lines))


def _maildirs(root: Path) -> list[Path]:
    """Every Maildir under ``root`` (a folder holding ``cur`` and ``new``)."""
    found = []
    for candidate in [root, *sorted(p for p in root.rglob("*") if p.is_dir())]:
        if (candidate / "cur").is_dir() and (candidate / "new").is_dir():
            found.append(candidate)
    return found


def read_headers(path: Path) -> Iterator[Message]:
    """The headers of every message in an mbox file or a Maildir tree."""
    path = Path(path)
    if path.is_dir():
        folders = _maildirs(path)
        if not folders:
            raise InputError(f"{path}: not a Maildir (no cur/ and new/ folders in it)")
        for folder in folders:
            maildir = mailbox.Maildir(folder, factory=None, create=False)
            for key in maildir.iterkeys():
                with maildir.get_file(key) as handle:
                    yield _headers_of(handle)
        return
    try:
        with path.open("rb") as handle:
            start = handle.read(5)
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None
    if start != b"From ":
        raise InputError(f"{path}: not an mbox file (it does not start with 'From ')")
    box = mailbox.mbox(path, create=False)
    try:
        for key in box.iterkeys():
            with box.get_file(key) as handle:
                yield _headers_of(handle)
    finally:
        box.close()


def harvest(mailboxes: Sequence[Path], me: Iterable[str]) -> Harvest:
    """Count who you wrote to and who wrote to you, in every mailbox given."""
    mine = {m.strip().lower() for m in me if m.strip()}
    if not mine:
        raise InputError(
            "who are you? name your addresses with --me ADDRESS (or set email in [me] of "
            "outreach.toml), so mail you sent can be told from mail you received"
        )
    result = Harvest()
    for path in mailboxes:
        for message in read_headers(path):
            result.messages += 1
            senders = _addresses(message, "From")
            from_me = any(address in mine for _, address in senders)
            day = _day(message)
            if from_me:
                result._count(_addresses(message, "To", "Cc", "Bcc"), mine, day, sent=True)
            elif _automated(message):
                result.skipped_automated += 1
            else:
                result._count(senders, mine, day, sent=False)
    return result
