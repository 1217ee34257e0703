"""The master address book: a single ``.vcf`` file or a vdir of one ``.vcf`` per contact.

Both layouts are what other contact tools read: a single file for import/export, a vdir for
khard and vdirsyncer (and through it any CardDAV server). Saves are atomic per file, and a file
that changed on disk since it was read is never overwritten: the save stops with
:class:`~outreach.errors.BookConflictError` before anything is written.

Parsing vCard is the slow part of opening a book, so what was parsed is cached per file, keyed
by the file's :class:`~outreach.fsutil.FileSignature`; a file whose signature differs is always
parsed again. The cache is plain JSON (:mod:`outreach.bookcache`): loading it cannot run code.

Commands that change the book do it through
:meth:`~outreach.workspace.Workspace.edit_book`, which re-reads and saves it under the book
lock, so two of them never save over each other's change.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .bookcache import CacheEntries as _CacheEntries
from .bookcache import dump_entries, load_entries
from .contact import Contact, match_key
from .errors import BookConflictError, ContactNotFound, InputError
from .fsutil import FileSignature, atomic_write
from .lookup import ambiguous_message, not_found_message
from .progress import progress
from .vcard import dump_contacts, parse_vcards

__all__ = ["READ_ATTEMPTS", "AddressBook", "cache_key", "vdir_filename"]

_UNSAFE = re.compile(r"[^A-Za-z0-9@._+-]")


def vdir_filename(uid: str) -> str:
    """The file name for a contact in a vdir: its UID, made safe, plus ``.vcf``."""
    safe = _UNSAFE.sub("_", uid).strip(".") or hashlib.sha256(uid.encode()).hexdigest()[:16]
    return f"{safe}.vcf"


def cache_key(path: Path) -> str:
    """The name part that ties a book's cache files (in the workspace's ``.cache``) to it."""
    return hashlib.sha256(str(Path(path).resolve()).encode()).hexdigest()[:16]


#: Reads of the book tried when a file of it is replaced while it is read.
READ_ATTEMPTS = 5


class _ChangedWhileRead(BookConflictError):
    """A book file was replaced or removed between its first stat and the end of its parse."""


@dataclass(slots=True)
class _FileState:
    """What was read from one file: its signature and a digest of its bytes."""

    signature: FileSignature | None
    digest: str


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _decode(data: bytes, path: Path) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(f"{path}:{line}: not UTF-8 text") from None


@contextlib.contextmanager
def _no_gc() -> Iterator[None]:
    """Pause the cycle collector while the cache loads, then freeze what it loaded.

    Loading 10,000 cached contacts would run the collector hundreds of times over objects that
    hold no cycles, and every later full collection would walk them again: together that
    doubles the time a warm book takes to list. Frozen objects are still freed by reference
    counting when they are dropped.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


class AddressBook:
    """Contacts kept in vCard, in one file or a vdir, with conflict-safe atomic saves.

    Open with :meth:`open`; change contacts through :meth:`add`, :meth:`update` and
    :meth:`remove` (or change a contact object and call :meth:`update` with it); then
    :meth:`save`.
    """

    def __init__(self, path: Path, cache_dir: Path | None = None) -> None:
        self.path = Path(path)
        self.cache_dir = cache_dir
        self._contacts: dict[str, Contact] = {}
        #: vdir: UID -> file name; a single file has no per-contact files.
        self._files: dict[str, str] = {}
        self._states: dict[str, _FileState] = {}
        self._dirty: set[str] = set()
        self._removed: set[str] = set()

    # -- opening --------------------------------------------------------------------------

    @property
    def is_vdir(self) -> bool:
        """True when the book is a directory of ``.vcf`` files."""
        return self.path.is_dir() or (not self.path.exists() and self.path.suffix != ".vcf")

    @classmethod
    def open(cls, path: Path, cache_dir: Path | None = None) -> AddressBook:
        """Read the book at ``path`` (a missing path is an empty book, created on save).

        A book file replaced while it is read (another process saving the book; saves are
        whole-file renames) is read again from the start, up to :data:`READ_ATTEMPTS` times,
        so a reader never has to be run again by hand because of a save next to it.
        """
        attempt = 1
        while True:
            book = cls(path, cache_dir)
            try:
                book._load()
                return book
            except _ChangedWhileRead as exc:
                if attempt == READ_ATTEMPTS:
                    raise BookConflictError(
                        f"{exc}, {attempt} times in a row: is another program rewriting it "
                        "all the time?"
                    ) from None
                attempt += 1

    def _cache_file(self) -> Path | None:
        if self.cache_dir is None:
            return None
        return self.cache_dir / f"book-{cache_key(self.path)}.json"

    def _read_cache(self) -> _CacheEntries:
        cache_file = self._cache_file()
        if cache_file is None:
            return {}
        try:
            data = cache_file.read_bytes()
        except OSError:
            return {}
        with _no_gc():
            return load_entries(data, str(self.path.resolve()))

    def _write_cache(self, entries: _CacheEntries) -> None:
        cache_file = self._cache_file()
        if cache_file is None:
            return
        # A cache that cannot be written only costs speed next time.
        with contextlib.suppress(OSError):
            atomic_write(cache_file, dump_entries(str(self.path.resolve()), entries))

    def _parse_file(self, file: Path) -> tuple[str, list[Contact]]:
        try:
            data = file.read_bytes()
        except FileNotFoundError:
            # Listed or seen a moment ago: another process removed it (contacts remove).
            raise _ChangedWhileRead(f"{file}: removed while the book was being read") from None
        except OSError as exc:
            raise InputError(f"{file}: cannot read the address book: {exc.strerror}") from None
        cards = parse_vcards(_decode(data, file), str(file))
        return _digest(data), [card.contact for card in cards]

    def _load_file(
        self,
        name: str,
        file: Path,
        cached: _CacheEntries,
        fresh: _CacheEntries,
    ) -> list[Contact]:
        signature = FileSignature.of(file)
        hit = cached.get(name)
        if signature is not None and hit is not None and hit[0] == signature:
            digest, contacts = hit[1], hit[2]
        else:
            digest, contacts = self._parse_file(file)
            # Parsing may have taken long enough for the file to change meanwhile.
            if FileSignature.of(file) != signature:
                raise _ChangedWhileRead(f"{file}: changed while it was being read")
        if signature is not None:
            fresh[name] = (signature, digest, contacts)
        self._states[name] = _FileState(signature, digest)
        return contacts

    def _load(self) -> None:
        cached = self._read_cache()
        fresh: _CacheEntries = {}
        if self.is_vdir:
            for name in self._vdir_names():
                for contact in self._load_file(name, self.path / name, cached, fresh):
                    self._take(contact, name)
        elif self.path.exists():
            for contact in self._load_file("", self.path, cached, fresh):
                self._take(contact, "")
        else:
            self._states[""] = _FileState(None, "")
        if fresh.keys() != cached.keys() or any(fresh[k][0] != cached[k][0] for k in fresh):
            self._write_cache(fresh)

    def _vdir_names(self) -> list[str]:
        return sorted(p.name for p in self.path.glob("*.vcf")) if self.path.exists() else []

    def file_signatures(self) -> dict[str, FileSignature | None]:
        """Each book file's signature as it was read or last saved (``""`` names a single-file
        book): what a cache of the contacts read from them is keyed by."""
        return {name: state.signature for name, state in self._states.items()}

    @classmethod
    def signatures_on_disk(cls, path: Path) -> dict[str, FileSignature | None]:
        """The signatures the book's files have now, found without reading them: equal to
        :meth:`file_signatures` of a book read earlier exactly when no file has changed."""
        book = cls(path)
        if book.is_vdir:
            return {name: FileSignature.of(book.path / name) for name in book._vdir_names()}
        return {"": FileSignature.of(book.path)}

    def _take(self, contact: Contact, name: str) -> None:
        if contact.uid in self._contacts:
            where = self.path / name if name else self.path
            raise InputError(f"{where}: duplicate contact UID {contact.uid!r}")
        self._contacts[contact.uid] = contact
        if name:
            self._files[contact.uid] = name

    # -- reading --------------------------------------------------------------------------

    def __iter__(self) -> Iterator[Contact]:
        return iter(self._contacts.values())

    def __len__(self) -> int:
        return len(self._contacts)

    def __contains__(self, uid: object) -> bool:
        return uid in self._contacts

    @property
    def contacts(self) -> list[Contact]:
        """All contacts, in file order."""
        return list(self._contacts.values())

    def get(self, uid: str) -> Contact | None:
        """The contact with this UID, or ``None``."""
        return self._contacts.get(uid)

    def find(self, query: str) -> Contact:
        """The one contact matching a UID, an email address or a name.

        Names match exactly (ignoring case), else as a unique part of the displayed name.
        Raises :class:`~outreach.errors.ContactNotFound` when nothing or several match.
        """
        text = query.strip()
        if text in self._contacts:
            return self._contacts[text]
        if "@" in text:
            matches = [c for c in self if c.has_email(text)]
        else:
            wanted = match_key(text)
            matches = [c for c in self if match_key(c.display_name) == wanted]
            if not matches and wanted:
                matches = [c for c in self if wanted in match_key(c.display_name)]
        if len(matches) == 1:
            return matches[0]
        if not matches:
            owner = self._aliases().get(text)
            if owner is not None:
                # The UID of a card merged into another still names the person.
                return self._contacts[owner]
            raise ContactNotFound(not_found_message(query, self))
        raise ContactNotFound(ambiguous_message(query, matches))

    def _aliases(self) -> dict[str, str]:
        """UIDs of cards merged into others -> the UID of the contact that holds them."""
        return {a: c.uid for c in self._contacts.values() for a in c.aliases}

    # -- changing -------------------------------------------------------------------------

    def add(self, contact: Contact) -> None:
        """Add a new contact; its UID must not be in the book yet."""
        if contact.uid in self._contacts:
            raise InputError(f"a contact with UID {contact.uid!r} is already in the book")
        self._contacts[contact.uid] = contact
        self._removed.discard(contact.uid)
        self._dirty.add(contact.uid)

    def update(self, contact: Contact) -> None:
        """Record that ``contact`` (already in the book) has changed."""
        if contact.uid not in self._contacts:
            raise ContactNotFound(f"no contact with UID {contact.uid!r}")
        self._contacts[contact.uid] = contact
        self._dirty.add(contact.uid)

    def remove(self, uid: str) -> Contact:
        """Remove a contact and return it."""
        contact = self._contacts.pop(uid, None)
        if contact is None:
            raise ContactNotFound(f"no contact with UID {uid!r}")
        self._dirty.discard(uid)
        self._removed.add(uid)
        return contact

    @property
    def changed(self) -> bool:
        """True when there is something to save."""
        return bool(self._dirty or self._removed)

    # -- saving ---------------------------------------------------------------------------

    def _check_unchanged(self, name: str, file: Path) -> None:
        state = self._states.get(name)
        now = FileSignature.of(file)
        if state is None:
            if now is not None:
                raise BookConflictError(
                    f"{file}: appeared on disk since the book was read; not overwriting it"
                )
            return
        if now == state.signature:
            return
        if now is None:
            if state.signature is None:
                return
            raise BookConflictError(
                f"{file}: was deleted since the book was read; not saving over that change"
            )
        if state.signature is None or _digest(file.read_bytes()) != state.digest:
            raise BookConflictError(
                f"{file}: changed on disk since the book was read; not overwriting it "
                "(run the command again to work on the new version)"
            )

    def save(self) -> None:
        """Write every change atomically; refuse if a file to be written changed on disk.

        A contact changed in place without :meth:`update` is saved too: the contacts are
        compared with what was read, so a change is never silently lost.
        """
        if self.is_vdir or not self.changed:
            self._dirty.update(self._changed_in_place())
        if not self.changed:
            return
        written = set(self._dirty)
        if self.is_vdir:
            self._save_vdir()
        else:
            self._save_file()
        self._dirty.clear()
        self._removed.clear()
        self._refresh_cache(written)

    def _changed_in_place(self) -> set[str]:
        """UIDs of contacts that differ from what their file held when it was read."""
        originals = self._originals()
        return {
            uid
            for uid, contact in self._contacts.items()
            if uid not in self._dirty and uid in originals and originals[uid] != contact
        }

    def _originals(self) -> dict[str, Contact]:
        """The contacts as read (or last saved): from the parse cache, else parsed again.

        Only files whose signature is still the one read are used; a file changed on disk
        stops the save anyway (:meth:`_check_unchanged`).
        """
        cached = self._read_cache()
        found: dict[str, Contact] = {}
        for name, state in self._states.items():
            if state.signature is None:
                continue
            file = self.path / name if name else self.path
            hit = cached.get(name)
            if hit is not None and hit[0] == state.signature:
                contacts = hit[2]
            elif FileSignature.of(file) == state.signature:
                contacts = self._parse_file(file)[1]
            else:
                continue
            for contact in contacts:
                found.setdefault(contact.uid, contact)
        return found

    def _save_file(self) -> None:
        self._check_unchanged("", self.path)
        data = dump_contacts(self._contacts.values()).encode("utf-8")
        atomic_write(self.path, data)
        self._states[""] = _FileState(FileSignature.of(self.path), _digest(data))

    def _save_vdir(self) -> None:
        files = {uid: name for uid, name in self._files.items() if uid not in self._removed}
        touched = {self._files[uid] for uid in self._removed if uid in self._files}
        for uid in self._dirty:
            files.setdefault(uid, vdir_filename(uid))
            touched.add(files[uid])
        # Check everything first, so a conflict leaves every file as it was.
        for name in sorted(touched):
            self._check_unchanged(name, self.path / name)
        self.path.mkdir(parents=True, exist_ok=True)
        for name in sorted(touched):
            file = self.path / name
            # A file may hold several cards (other tools write such vdirs): rewrite them all.
            contacts = [self._contacts[uid] for uid, n in files.items() if n == name]
            if not contacts:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(file)
                self._states.pop(name, None)
                continue
            data = dump_contacts(contacts).encode("utf-8")
            atomic_write(file, data)
            self._states[name] = _FileState(FileSignature.of(file), _digest(data))
        self._files = files

    def _refresh_cache(self, written: set[str]) -> None:
        # The cache must hold what the files now say, which is not always the objects just
        # saved: a card reads back with its whitespace collapsed, a stale "returned" mark
        # dropped, controls removed. The contacts written are cached as their cards read
        # back, so a warm read never shows another book than a cold one.
        try:
            stored = _as_read([self._contacts[uid] for uid in written])
        except InputError:
            return  # a card that does not read back: no cache, the next read parses
        entries: _CacheEntries = {}
        if self.is_vdir:
            by_file: dict[str, list[Contact]] = {}
            for uid, name in self._files.items():
                by_file.setdefault(name, []).append(stored.get(uid) or self._contacts[uid])
            for name, contacts in by_file.items():
                state = self._states.get(name)
                if state and state.signature:
                    entries[name] = (state.signature, state.digest, contacts)
        else:
            state = self._states.get("")
            if state and state.signature:
                contacts = [stored.get(uid) or c for uid, c in self._contacts.items()]
                entries[""] = (state.signature, state.digest, contacts)
        self._write_cache(entries)


def _as_read(contacts: list[Contact]) -> dict[str, Contact]:
    """UID -> the contact as its card, written now, reads back."""
    if not contacts:
        return {}
    # A bar of its own: the cards read back must not count on the bar of the job saving.
    with progress("saving the book", len(contacts)):
        cards = parse_vcards(dump_contacts(contacts), "<saved cards>")
    return {card.contact.uid: card.contact for card in cards}
