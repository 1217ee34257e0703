"""Moving the master book between its two layouts: one ``.vcf`` file and a folder (a vdir).

A folder of one ``.vcf`` per contact is what khard and vdirsyncer (and through vdirsyncer, a
CardDAV server) work with; a single file is easiest to mail or import elsewhere. The move
keeps every card byte for byte (only the files around them change), checks that the new book
reads back as the same contacts, points ``[book] path`` in ``outreach.toml`` at it, and only
then removes the old one.

:func:`check_book_place` catches the mistake the move exists to avoid: ``[book] path``
switched by hand to an empty folder while the old file still holds the contacts (or the other
way round), which would otherwise show an empty book.
"""

from __future__ import annotations

import contextlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from .addressbook import AddressBook, vdir_filename
from .errors import InputError
from .fsutil import atomic_write
from .vcard import dump_contact

__all__ = [
    "MoveResult",
    "check_book_place",
    "move_book",
    "set_book_path",
    "split_cards",
    "stranded",
]

_BEGIN = re.compile(rb"^BEGIN:VCARD[ \t]*$", re.IGNORECASE)
_END = re.compile(rb"^END:VCARD[ \t]*$", re.IGNORECASE)
_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True, slots=True)
class MoveResult:
    """What :func:`move_book` did."""

    source: Path
    target: Path
    cards: int
    #: The text now written as ``[book] path`` in ``outreach.toml``.
    setting: str


def _is_folder_path(path: Path) -> bool:
    return path.is_dir() or (not path.exists() and path.suffix.lower() != ".vcf")


def _vcf_files(folder: Path) -> list[Path]:
    # The order the book reads them in, so a folder made into a file keeps its order.
    return sorted(p for p in folder.glob("*.vcf") if p.is_file()) if folder.is_dir() else []


def split_cards(data: bytes, source: str) -> list[bytes]:
    """The exact bytes of each card in a ``.vcf`` file, from BEGIN:VCARD to END:VCARD and
    its line ending."""
    if data.startswith(_BOM):
        data = data[len(_BOM) :]
    cards: list[bytes] = []
    start: int | None = None
    for match in re.finditer(rb"[^\r\n]*(?:\r\n|\r|\n|$)", data):
        line = match.group().rstrip(b"\r\n")
        if not match.group():
            break
        if start is None and _BEGIN.match(line.lstrip(_BOM)):
            # Files joined with cat carry a byte-order mark inside: not part of the card.
            start = match.start() + len(line) - len(line.lstrip(_BOM))
        elif start is not None and _END.match(line):
            cards.append(data[start : match.end()])
            start = None
    if start is not None:
        raise InputError(f"{source}: a card never ends (no END:VCARD)")
    return cards


def move_book(
    workspace_root: Path, book_path: Path, target: Path, cache_dir: Path | None = None
) -> MoveResult:
    """Convert the book at ``book_path`` to ``target`` (a ``.vcf`` file, or any other path
    for a folder), update ``[book] path`` and remove the old book.

    Raises :class:`~outreach.errors.InputError` when the target is taken, is the same layout,
    or the cards would not come through unchanged; nothing is changed then.

    Hold the book lock around the call (``with workspace.book_lock(): ...``, as ``contacts
    move-book`` does): an edit saved meanwhile to the old book would be left behind.
    """
    source = stranded(workspace_root, book_path) or book_path
    old = AddressBook.open(source, cache_dir)
    to_folder = target.suffix.lower() != ".vcf"
    if to_folder == old.is_vdir:
        kind = "a folder" if to_folder else "a single .vcf file"
        raise InputError(
            f"{target}: the book ({source}) is already {kind}; "
            "give a path ending in .vcf for a file, any other path for a folder"
        )
    if target.exists() and not (target.is_dir() and not any(target.iterdir())):
        raise InputError(f"{target}: already exists; choose a new path for the book")
    if to_folder:
        data = source.read_bytes() if source.exists() else b""
        cards = split_cards(data, str(source))
        if len(cards) != len(old):
            raise InputError(f"{source}: found {len(cards)} cards but the book has {len(old)}")
        written: dict[str, bytes] = {}
        # The book keeps its contacts in file order, so the n-th card is the n-th contact.
        for card, contact in zip(cards, old, strict=True):
            name = vdir_filename(contact.uid)
            if name in written:
                raise InputError(f"{source}: two cards would share the file {name}")
            written[name] = card
        target.mkdir(parents=True, exist_ok=True)
        for name, card in written.items():
            _write_new(target / name, card)
        # One flush of everything, not one per card (thousands of fsyncs take minutes on a
        # busy disk); the old book is removed only after it.
        os.sync()
    else:
        files = _vcf_files(source)
        pieces = []
        for file in files:
            data = file.read_bytes()
            data = data[len(_BOM) :] if data.startswith(_BOM) else data
            if data and not data.endswith((b"\n", b"\r")):
                data += b"\r\n"  # the next card must start on a line of its own
            pieces.append(data)
        atomic_write(target, b"".join(pieces))
    try:
        new = AddressBook.open(target, cache_dir)
        if _cards(new) != _cards(old):
            raise InputError(f"{target}: the converted book does not read back the same")
    except InputError:
        _undo(target, to_folder)
        raise
    setting = _setting(workspace_root, target)
    set_book_path(workspace_root / "outreach.toml", setting)
    if to_folder:
        with contextlib.suppress(FileNotFoundError):  # a new workspace has no book file yet
            os.unlink(source)
    else:
        for file in _vcf_files(source):
            os.unlink(file)
        if source.is_dir() and not any(source.iterdir()):
            source.rmdir()
    return MoveResult(source, target, len(old), setting)


def _write_new(path: Path, data: bytes) -> None:
    """Write a new card file whole: to a temporary name, then renamed into place."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)
    os.replace(tmp, path)


def _cards(book: AddressBook) -> dict[str, str]:
    return {contact.uid: dump_contact(contact) for contact in book}


def _undo(target: Path, to_folder: bool) -> None:
    if to_folder:
        for file in _vcf_files(target):
            os.unlink(file)
        if target.is_dir() and not any(target.iterdir()):
            target.rmdir()
    elif target.exists():
        os.unlink(target)


def _setting(root: Path, target: Path) -> str:
    """``target`` as ``[book] path`` says it: relative to the workspace when inside it."""
    absolute = target if target.is_absolute() else Path.cwd() / target
    try:
        return absolute.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(absolute.resolve())


_TABLE = re.compile(r"^\s*\[([^\[\]]+)\]\s*(#.*)?$")
_PATH_KEY = re.compile(r'^(\s*path\s*=\s*)("(?:[^"\\]|\\.)*"|\'[^\']*\')(.*)$')


def set_book_path(config: Path, value: str) -> None:
    """Write ``path = value`` in the ``[book]`` table of ``config``, keeping everything else
    (comments included) as it was."""
    text = config.read_text(encoding="utf-8-sig")
    lines = text.splitlines(keepends=True)
    quoted = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    table = None
    book_at = None
    for index, line in enumerate(lines):
        header = _TABLE.match(line)
        if header:
            table = header.group(1).strip()
            if table == "book":
                book_at = index
            continue
        if table == "book":
            found = _PATH_KEY.match(line.rstrip("\r\n"))
            if found:
                ending = line[len(line.rstrip("\r\n")) :]
                lines[index] = found.group(1) + quoted + found.group(3) + ending
                atomic_write(config, "".join(lines).encode("utf-8"))
                return
    if book_at is not None:
        lines.insert(book_at + 1, f"path = {quoted}\n")
    else:
        if lines and not lines[-1].endswith("\n"):
            lines[-1] += "\n"
        lines.append(f"\n[book]\npath = {quoted}\n")
    atomic_write(config, "".join(lines).encode("utf-8"))


def stranded(root: Path, book_path: Path) -> Path | None:
    """The old book, when ``book_path`` has no cards but the other layout beside it has:
    ``contacts.vcf`` (or ``NAME.vcf``) for an empty folder ``NAME``, or the other way round."""
    if _is_folder_path(book_path):
        if _vcf_files(book_path):
            return None
        candidates = [book_path.with_suffix(".vcf"), root / "contacts.vcf"]
        # Else the one .vcf file at the top of the workspace, if there is just one.
        loose = sorted(root.glob("*.vcf"))
        candidates += loose if len(loose) == 1 else []
        return next((c for c in candidates if c.is_file() and c.stat().st_size), None)
    if book_path.exists():
        return None
    folder = book_path.with_suffix("")
    return folder if _vcf_files(folder) else None


def check_book_place(root: Path, book_path: Path) -> None:
    """Refuse a book path that would show no contacts while the old layout still has them.

    Raises :class:`~outreach.errors.InputError` naming both places and the command to run.
    """
    old = stranded(root, book_path)
    if old is not None:
        what = "folder has no cards" if _is_folder_path(book_path) else "file does not exist"
        raise InputError(
            f"{book_path}: the book {what}, but {old} holds the contacts; "
            f"convert them with: outreach contacts move-book {book_path}"
        )
