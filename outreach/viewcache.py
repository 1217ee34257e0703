"""The book as ``contacts list --json`` prints it, kept for the next listing.

Tools that read the whole book through ``outreach contacts list --json`` (a mail client's
address completion, a script) run it often. With the parse cache warm, most of a 10,000-contact
listing still goes to rebuilding every contact from the cache and then its JSON view, so the
listing also keeps what it printed: ``.cache/list-<key>.json``, the JSON of each contact with
no last touch, under a header naming the book and every book file's
:class:`~outreach.fsutil.FileSignature` at the time it was read. When every file still has that
signature the lines are printed as they are, each with its last touch (which lives in the
journal, not the book) put in; when any differs, or the header is not one this version wrote,
the book is read as usual and the file written again.

Like the parse cache, the file is data and never code. It is used only when its book path and
every file's signature (size, times to the nanosecond, inode) match the book on disk, which a
planted file cannot know in advance (though anyone who can read the book's folder can), and
only when every line is what :func:`encode` writes: a JSON object with exactly the listing's
keys, the UID the header names for it, and no control character. Anything else is a miss, so
whatever a planted file holds, the listing stays well-formed JSON of the listing's shape.
Checking costs a parse of the lines (a fifth of a warm listing's time) and is worth it.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import orjson

from . import __version__
from .addressbook import AddressBook, cache_key
from .contact import Contact, Name, model_layout
from .fsutil import FileSignature, atomic_write
from .jsonview import contact_json

__all__ = ["VERSION", "encode", "load", "store", "with_touch"]

FORMAT = "outreach-list-view"
#: Raise with every change to the shape :func:`~outreach.jsonview.contact_json` prints, so a
#: listing never reuses lines of an older shape (the package version is checked as well).
VERSION = 1

#: How a contact's last touch reads in :func:`encode`'s JSON. A string value never holds this
#: byte sequence (its quotes would be escaped), so the first match is the key itself.
_NO_TOUCH = b'"last_touch":null'

#: Control bytes, which JSON strings hold only escaped (DEL is the exception: JSON writers
#: leave it as it is); between values a tab or carriage return would be allowed but is never
#: written, and newline ends each line.
_CONTROL = bytes([*range(0x0A), *range(0x0B, 0x20)])


def encode(contact: Contact) -> bytes:
    """``contact``'s JSON view (:func:`~outreach.jsonview.contact_json`), compact, with no
    last touch: one line of the listing, to be completed by :func:`with_touch`."""
    return orjson.dumps(contact_json(contact))


def with_touch(line: bytes, last_touch: date | None) -> bytes:
    """An :func:`encode` line with the contact's last touch put in."""
    if last_touch is None:
        return line
    return line.replace(_NO_TOUCH, b'"last_touch":"%s"' % last_touch.isoformat().encode(), 1)


def _view_file(cache_dir: Path, book_path: Path) -> Path:
    return cache_dir / f"list-{cache_key(book_path)}.json"


def _header(book_path: Path, signatures: dict[str, FileSignature | None]) -> dict[str, object]:
    return {
        "format": FORMAT,
        "version": VERSION,
        "outreach": __version__,
        "layout": model_layout(),
        "book": str(book_path.resolve()),
        "files": {
            name: None if s is None else [s.size, s.mtime_ns, s.ctime_ns, s.inode]
            for name, s in signatures.items()
        },
    }


def store(book: AddressBook, cache_dir: Path, rows: Sequence[tuple[str, bytes]]) -> None:
    """Keep the listing of ``book`` as it was read: ``rows`` of (UID, :func:`encode` line), one
    per contact in book order. A book with a file missing, or a cache that cannot be written,
    only costs speed next time."""
    signatures = book.file_signatures()
    if not signatures or any(s is None for s in signatures.values()):
        return
    header = _header(book.path, signatures)
    header["uids"] = [uid for uid, _ in rows]
    data = b"\n".join([orjson.dumps(header), *(line for _, line in rows)])
    with contextlib.suppress(OSError):
        atomic_write(_view_file(cache_dir, book.path), data)


def load(book_path: Path, cache_dir: Path) -> list[tuple[str, bytes]] | None:
    """The kept listing of the book at ``book_path`` as (UID, line) rows, or ``None`` when
    there is none or any book file changed since it was kept."""
    try:
        data = _view_file(cache_dir, book_path).read_bytes()
    except OSError:
        return None
    head, _, body = data.partition(b"\n")
    try:
        header = orjson.loads(head)
        uids = header.pop("uids")
    except (orjson.JSONDecodeError, AttributeError, KeyError, TypeError):
        return None
    signatures = AddressBook.signatures_on_disk(book_path)
    if header != _header(book_path, signatures) or type(uids) is not list:
        return None
    # Deleting is a quarter of the time a regular expression takes to search 7 MB.
    if len(body.translate(None, _CONTROL)) != len(body):
        return None
    lines = body.split(b"\n") if body else []
    if len(lines) != len(uids) or not _lines_hold(lines, uids):
        return None
    return list(zip(uids, lines, strict=True))


def _lines_hold(lines: list[bytes], uids: list[object]) -> bool:
    """Whether each line is one listing object (the keys :func:`encode` writes) for the UID
    at the same place."""
    try:
        items = orjson.loads(b"[" + b",".join(lines) + b"]")
    except orjson.JSONDecodeError:
        return False
    if type(items) is not list or len(items) != len(uids):
        return False  # a line holding two objects, say
    keys = _keys()
    return all(
        type(item) is dict
        and len(item) == len(keys)
        and item.keys() == keys
        and item["uid"] == uid
        and type(uid) is str
        for item, uid in zip(items, uids, strict=True)
    )


@functools.cache
def _keys() -> frozenset[str]:
    """The keys of a listing object (:func:`encode` writes them in one order, and a parsed
    line keeps it; the set is what is checked)."""
    return frozenset(contact_json(Contact(uid="", name=Name())))
