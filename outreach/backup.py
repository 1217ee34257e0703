"""Backups by the rule of three: one archive, written to several places, each read back.

An archive is a gzipped tar holding the address book (a file or every file of a vdir), a
consistent copy of the journal (SQLite's online backup, safe while a campaign runs), the
workspace's ``outreach.toml``, its ``templates/`` and the signature image, and
``manifest.json`` with the SHA-256 of each. Beside every archive lies ``NAME.sha256`` in the
format ``sha256sum -c`` reads. The config never holds a secret (passwords come from the
environment), but a ``password`` key is stripped defensively, and the archive says so.

Each destination gets the archive through a temporary file and a rename, with mode 0600;
it is then read back and verified in full, and only then are the oldest archives beyond
``keep`` removed from that destination. The history of backups is kept in the journal's
``meta`` table, so ``outreach status`` can warn when the last one is old or reached fewer
than three places.

A restore verifies the archive first, refuses to replace a book or journal that holds
anything unless forced (and then saves the workspace as it was beside it), stages every file
and only then moves them into place.

A restore writes inside the workspace only, whatever the archive says. An archived
``outreach.toml`` whose ``[book] path`` or ``[journal] path`` is absolute or leads out of the
workspace is refused, naming the key (it is not rewritten: the user decides where the data
goes); a path that reaches outside through a symbolic link in the workspace (a ``templates``
link to another folder) is refused too. Only what a backup writes is put back: the book, the
journal, the config, ``templates/`` and the signature image; a cache or anything else an
archive carries is left out (a cache loaded later must never come from an archive). The
"already holds data" check looks at every path the restore would write, under both the
current and the archived settings. Files are put in place under the workspace's locks: not
while a run sends (refused) and not while a command is changing the book (waited for).
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import tarfile
import tempfile
import tomllib
import zlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from .errors import InputError, OutreachError
from .fsutil import atomic_write, fsync_dir
from .locks import LOCK_DIR, hold
from .progress import progress
from .workspace import CONFIG_NAME, Workspace

__all__ = [
    "ARCHIVE_GLOB",
    "BackupError",
    "BackupRecord",
    "BackupResult",
    "Destination",
    "Manifest",
    "RestoreResult",
    "backup_history",
    "make_backup",
    "restore",
    "verify_archive",
]

FORMAT = "outreach-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
JOURNAL_MEMBER = "journal.sqlite"
ARCHIVE_GLOB = "outreach-backup-*.tar.gz"
#: The journal ``meta`` key holding the backup history (JSON), newest last.
HISTORY_KEY = "backup.history"
HISTORY_LENGTH = 50
#: Config keys that would hold a secret; ``password_env`` names a variable and is kept.
_SECRET_KEY = re.compile(
    r"^(?:password|passwd|secret|token|api[_-]?key)$|[_-](?:password|passwd|secret|token)$",
    re.IGNORECASE,
)
#: A commented-out assignment of such a key, with a value.
_COMMENTED_SECRET = re.compile(
    r"^\s*#\s*[\"']?(?:[\w-]+[_-])?(?:password|passwd|secret|token|api[_-]?key)[\"']?\s*=\s*\S",
    re.IGNORECASE,
)
_CHUNK = 1 << 20


class BackupError(InputError):
    """An archive that cannot be written, verified or restored; the message says which."""


@dataclass(slots=True)
class Manifest:
    """What an archive holds: files with their SHA-256, and where each goes back."""

    created: str
    workspace: str
    #: The ``[book] path`` setting, and whether the book is one file or a vdir.
    book_path: str
    book_kind: str
    journal_path: str | None
    contacts: int
    files: dict[str, str] = field(default_factory=dict)
    #: Dotted names of config keys stripped because they could hold a secret.
    stripped: list[str] = field(default_factory=list)
    format: str = FORMAT
    version: int = FORMAT_VERSION

    def to_json(self) -> bytes:
        """The manifest as written into the archive."""
        return json.dumps(asdict(self), indent=2, ensure_ascii=False, sort_keys=True).encode()

    @classmethod
    def from_json(cls, data: bytes, where: str) -> Manifest:
        """Read a manifest; an error names the archive."""
        try:
            raw = json.loads(data)
            if raw.get("format") != FORMAT:
                raise ValueError("not an outreach backup manifest")
            if int(raw.get("version", 0)) > FORMAT_VERSION:
                raise BackupError(
                    f"{where}: written by a newer outreach (format {raw['version']}); upgrade"
                )
            return cls(**raw)
        except BackupError:
            raise
        except (ValueError, TypeError, KeyError) as exc:
            raise BackupError(f"{where}: damaged manifest ({exc})") from None


@dataclass(slots=True)
class Destination:
    """How writing the archive to one destination went."""

    path: str
    ok: bool
    error: str = ""
    removed: list[str] = field(default_factory=list)


@dataclass(slots=True)
class BackupResult:
    """One backup: the archive's name and digest, and every destination's outcome."""

    name: str
    sha256: str
    manifest: Manifest
    destinations: list[Destination]

    @property
    def reached(self) -> int:
        """How many destinations hold a verified copy."""
        return sum(d.ok for d in self.destinations)


@dataclass(slots=True)
class BackupRecord:
    """A backup as the journal remembers it."""

    at: str
    name: str
    sha256: str
    reached: int
    destinations: list[str]
    failed: list[str] = field(default_factory=list)

    @property
    def when(self) -> datetime:
        """When the backup was made (UTC)."""
        return datetime.fromisoformat(self.at)


@dataclass(slots=True)
class RestoreResult:
    """What a restore put back, and where the replaced workspace was saved."""

    manifest: Manifest
    restored: list[str]
    saved_as: Path | None = None
    #: Archive members not restored (a cache, or a file a backup does not write).
    skipped: list[str] = field(default_factory=list)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower() or "workspace"


# -- the config without secrets -----------------------------------------------------------


def _secret_keys(table: dict[str, Any], prefix: str = "") -> list[str]:
    found = []
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            found.extend(_secret_keys(value, name + "."))
        elif _SECRET_KEY.search(key):
            found.append(name)
    return found


def clean_config(text: str, where: str) -> tuple[str, list[str]]:
    """``outreach.toml`` without any key that could hold a secret, and the keys removed.

    The text is copied as it is (comments and all) when there is nothing to strip; a
    commented-out secret (``# password = "..."``) is a secret too and goes. A secret that
    cannot be removed line by line (inside an inline table) stops the backup rather than
    being copied.
    """
    try:
        parsed = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise BackupError(f"{where}: {exc}") from None
    secrets = _secret_keys(parsed)
    lines = text.splitlines(keepends=True)
    commented = [n for n, line in enumerate(lines, 1) if _COMMENTED_SECRET.match(line)]
    if not secrets and not commented:
        return text, []
    leaves = sorted({name.rsplit(".", 1)[-1] for name in secrets})
    assignment = re.compile(
        r"^\s*(?:[\w.\"'-]+\.)?[\"']?(?:"
        + "|".join(re.escape(k) for k in leaves)
        + r")[\"']?\s*=.*$"
    )

    def secret(line: str) -> bool:
        return bool(_COMMENTED_SECRET.match(line) or (leaves and assignment.match(line)))

    kept = [line for line in lines if not secret(line)]
    cleaned = "".join(kept)
    try:
        remaining = _secret_keys(tomllib.loads(cleaned))
    except tomllib.TOMLDecodeError:
        remaining = secrets
    if remaining:
        raise BackupError(
            f"{where}: {remaining[0]} looks like a secret and cannot be left out of the "
            "backup; move it to an environment variable (password_env)"
        )
    return cleaned, secrets + [f"a commented-out secret on line {n}" for n in commented]


# -- making an archive --------------------------------------------------------------------


def _book_files(workspace: Workspace) -> tuple[str, dict[str, bytes], int]:
    """The book's kind and its files' bytes by archive name, plus the number of contacts."""
    path = workspace.book_path
    files: dict[str, bytes] = {}
    if path.is_dir():
        for file in sorted(path.iterdir()):
            if file.is_file() and not file.name.startswith("."):
                files[f"book/{file.name}"] = file.read_bytes()
        kind = "vdir"
    else:
        if path.exists():
            files[f"book/{path.name}"] = path.read_bytes()
        kind = "file"
    cards = sum(data.upper().count(b"BEGIN:VCARD") for data in files.values())
    return kind, files, cards


def _extra_files(workspace: Workspace) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    templates = workspace.templates_dir
    if templates.is_dir():
        for file in sorted(templates.rglob("*")):
            if file.is_file():
                files[f"templates/{file.relative_to(templates).as_posix()}"] = file.read_bytes()
    signature = workspace.me.signature
    if signature:
        path = (workspace.root / signature).resolve()
        root = workspace.root.resolve()
        if path.is_file() and path.is_relative_to(root):
            files[f"files/{path.relative_to(root).as_posix()}"] = path.read_bytes()
    return files


def _add(tar: tarfile.TarFile, name: str, data: bytes, mtime: float) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o600
    info.mtime = int(mtime)
    tar.addfile(info, io.BytesIO(data))


def build_archive(workspace: Workspace, now: datetime) -> tuple[Manifest, bytes]:
    """The workspace's archive: its manifest and its bytes."""
    # Bytes, not text: the copy keeps the file's line endings exactly.
    config_text = workspace.config_path.read_bytes().decode("utf-8")
    cleaned, stripped = clean_config(config_text, str(workspace.config_path))
    kind, book, cards = _book_files(workspace)
    files: dict[str, bytes] = {CONFIG_NAME: cleaned.encode("utf-8"), **book}
    journal_name = None
    if workspace.journal_path.exists():
        journal_name = JOURNAL_MEMBER
        with tempfile.TemporaryDirectory() as scratch:
            copy = Path(scratch) / journal_name
            with workspace.open_journal() as journal:
                journal.backup_to(copy)
            files[journal_name] = copy.read_bytes()
    files.update(_extra_files(workspace))
    manifest = Manifest(
        created=now.isoformat(timespec="seconds"),
        workspace=workspace.root.name,
        book_path=workspace.book_settings.path,
        book_kind=kind,
        journal_path=workspace.journal_settings.path if journal_name else None,
        contacts=cards,
        files={name: _sha256(data) for name, data in sorted(files.items())},
        stripped=stripped,
    )
    raw = io.BytesIO()
    # mtime=0 in the gzip header: the archive's bytes depend only on what it holds.
    zipped = gzip.GzipFile(fileobj=raw, mode="wb", mtime=0)
    with zipped, tarfile.open(fileobj=zipped, mode="w", format=tarfile.PAX_FORMAT) as tar:
        _add(tar, MANIFEST, manifest.to_json(), now.timestamp())
        with progress("archiving", len(files)) as bar:
            for name, data in sorted(files.items()):
                _add(tar, name, data, now.timestamp())
                bar.advance()
    return manifest, raw.getvalue()


def _safe_member(name: str) -> bool:
    path = PurePosixPath(name)
    return not path.is_absolute() and ".." not in path.parts and name == path.as_posix()


def read_archive(path: Path) -> tuple[Manifest, dict[str, bytes]]:
    """Verify an archive completely and return its manifest and files.

    Checks, in order: the ``.sha256`` file beside it (when there is one), the gzip stream's
    checksum, the manifest, and the SHA-256 of every file against the manifest, with no file
    missing and none added. Any failure is a :class:`BackupError` saying what is wrong.
    """
    where = str(path)
    if not path.is_file():
        raise BackupError(f"{where}: no such archive")
    sidecar = path.with_name(path.name + ".sha256")
    if sidecar.exists():
        expected = sidecar.read_text(encoding="utf-8", errors="replace").split()[:1]
        if not expected or expected[0].lower() != _file_sha256(path):
            raise BackupError(
                f"{where}: does not match its checksum in {sidecar.name}: the archive is "
                "damaged; use another copy"
            )
    try:
        with gzip.open(path, "rb") as stream:
            payload = stream.read()
    except (OSError, EOFError, zlib.error) as exc:
        raise BackupError(
            f"{where}: damaged or not an outreach backup ({exc}); use another copy"
        ) from None
    files: dict[str, bytes] = {}
    try:
        with tarfile.open(fileobj=io.BytesIO(payload), mode="r:") as tar:
            for member in tar:
                if not member.isfile() or not _safe_member(member.name):
                    raise BackupError(f"{where}: unexpected entry {member.name!r} in the archive")
                handle = tar.extractfile(member)
                assert handle is not None
                files[member.name] = handle.read()
    except tarfile.TarError as exc:
        raise BackupError(f"{where}: damaged archive ({exc}); use another copy") from None
    if MANIFEST not in files:
        raise BackupError(f"{where}: not an outreach backup (no {MANIFEST})")
    manifest = Manifest.from_json(files.pop(MANIFEST), where)
    for name, digest in manifest.files.items():
        if name not in files:
            raise BackupError(f"{where}: damaged: {name} is missing")
        if _sha256(files[name]) != digest:
            raise BackupError(
                f"{where}: damaged: {name} does not match its SHA-256 in the manifest; "
                "use another copy"
            )
    extra = sorted(set(files) - set(manifest.files))
    if extra:
        raise BackupError(f"{where}: unexpected file {extra[0]!r} not in the manifest")
    return manifest, files


def verify_archive(path: Path) -> Manifest:
    """Verify an archive (see :func:`read_archive`) and return its manifest."""
    return read_archive(path)[0]


def _archive_name(workspace: Workspace, now: datetime) -> str:
    return f"outreach-backup-{_slug(workspace.root.name)}-{now:%Y%m%dT%H%M%SZ}.tar.gz"


def _write_to(
    data: bytes, digest: str, folder: Path, name: str, keep: int, prefix: str
) -> Destination:
    result = Destination(str(folder), False)
    if not folder.is_dir():
        result.error = "not a folder (is the drive mounted? create the folder first)"
        return result
    target = folder / name
    sidecar = folder / f"{name}.sha256"
    try:
        atomic_write(target, data, 0o600)
        atomic_write(sidecar, f"{digest}  {name}\n".encode(), 0o600)
    except OSError as exc:
        result.error = f"cannot write: {exc.strerror or exc}"
        return result
    # Read it back from the destination, as a restore would.
    try:
        if _file_sha256(target) != digest:
            raise BackupError("the copy read back differs from the archive")
        verify_archive(target)
    except (BackupError, OSError) as exc:
        result.error = f"verification failed: {exc}"
        for path in (target, sidecar):
            with contextlib.suppress(OSError):
                path.unlink()
        return result
    result.ok = True
    result.removed = _prune(folder, prefix, keep)
    return result


def _prune(folder: Path, prefix: str, keep: int) -> list[str]:
    """Remove this workspace's oldest archives beyond ``keep`` (names sort by time)."""
    archives = sorted(p for p in folder.glob(f"{prefix}*.tar.gz") if p.is_file())
    removed = []
    for old in archives[: max(0, len(archives) - keep)]:
        for path in (old, old.with_name(old.name + ".sha256")):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        removed.append(old.name)
    return removed


def make_backup(
    workspace: Workspace,
    destinations: Sequence[Path],
    *,
    keep: int = 10,
    now: datetime | None = None,
) -> BackupResult:
    """Write one archive to every destination, verify each copy, keep the last ``keep``.

    Destinations that fail are reported in the result, not raised, so one unplugged drive
    does not stop the others; the attempt is recorded in the journal either way.
    """
    if keep < 1:
        raise BackupError("--keep must be at least 1")
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    name = _archive_name(workspace, now)
    prefix = name[: -len(f"{now:%Y%m%dT%H%M%SZ}.tar.gz")]
    folders = [Path(d).expanduser() for d in destinations]
    for folder in folders:
        # Two backups within a second: the later one gets a distinct name.
        n = 1
        while (folder / name).exists():
            n += 1
            name = _archive_name(workspace, now).replace(".tar.gz", f"-{n}.tar.gz")
    manifest, data = build_archive(workspace, now)
    digest = _sha256(data)
    outcomes = [_write_to(data, digest, f, name, keep, prefix) for f in folders]
    result = BackupResult(name, digest, manifest, outcomes)
    _remember(workspace, result, now)
    return result


def _remember(workspace: Workspace, result: BackupResult, now: datetime) -> None:
    record = BackupRecord(
        at=now.isoformat(timespec="seconds"),
        name=result.name,
        sha256=result.sha256,
        reached=result.reached,
        destinations=[str(Path(d.path).resolve()) for d in result.destinations if d.ok],
        failed=[str(Path(d.path)) for d in result.destinations if not d.ok],
    )
    with workspace.open_journal() as journal:
        history = _load_history(journal.get_meta(HISTORY_KEY))
        history.append(record)
        payload = [asdict(r) for r in history[-HISTORY_LENGTH:]]
        journal.set_meta(HISTORY_KEY, json.dumps(payload, ensure_ascii=False))


def _load_history(text: str | None) -> list[BackupRecord]:
    if not text:
        return []
    try:
        return [BackupRecord(**item) for item in json.loads(text)]
    except (ValueError, TypeError):
        return []


def backup_history(workspace: Workspace) -> list[BackupRecord]:
    """Every backup the journal remembers, oldest first (none without a journal)."""
    if not workspace.journal_path.exists():
        return []
    with workspace.open_journal() as journal:
        return _load_history(journal.get_meta(HISTORY_KEY))


# -- restoring ------------------------------------------------------------------------------


def _book_has_contacts(path: Path) -> bool:
    if path.is_dir():
        return any(p.suffix.lower() == ".vcf" for p in path.iterdir())
    try:
        with path.open("rb") as handle:
            return b"BEGIN:VCARD" in handle.read().upper()
    except FileNotFoundError:
        return False


def _journal_has_records(path: Path) -> bool:
    if not path.exists():
        return False
    wal = path.with_name(path.name + "-wal")
    if wal.exists() and wal.stat().st_size > 0:
        return True  # someone has it open with writes not yet folded in: assume data
    try:
        # immutable: look without creating -wal and -shm files beside it.
        db = sqlite3.connect(f"{path.resolve().as_uri()}?immutable=1", uri=True)
        try:
            rows = 0
            for table in ("deliveries", "touches"):
                with contextlib.suppress(sqlite3.OperationalError):
                    rows += db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
            return rows > 0
        finally:
            db.close()
    except sqlite3.DatabaseError:
        return path.stat().st_size > 0


def _archived_workspace(root: Path, config_text: str, where: str) -> Workspace:
    """The workspace the archive's ``outreach.toml`` makes of ``root``: where its book and
    journal go."""
    try:
        return Workspace(root, tomllib.loads(config_text))
    except tomllib.TOMLDecodeError as exc:
        raise BackupError(f"{where}: {exc}") from None


def _current_workspace(root: Path) -> Workspace:
    """The workspace at ``root`` as it is; a config that cannot be read stops the restore,
    since it alone says where the book and journal that would be replaced are."""
    try:
        return Workspace.load(root)
    except OutreachError as exc:
        raise BackupError(f"{exc} (fix it, or move it aside, before restoring)") from None


def _checkpoint(journal: Path) -> None:
    """Fold an existing journal's write-ahead log in, so no stale -wal outlives it."""
    if not journal.exists():
        return
    with contextlib.suppress(sqlite3.DatabaseError):
        db = sqlite3.connect(journal)
        try:
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            db.close()


def _inside(root: Path, path: Path) -> bool:
    """True when ``path``, with every symbolic link on the way resolved, is in ``root``."""
    return path.resolve().is_relative_to(root.resolve())


def _confine_settings(root: Path, incoming: Workspace, where: str) -> None:
    """Refuse an archived config whose book or journal would land outside ``root``."""
    for key, value in (
        ("[book] path", incoming.book_settings.path),
        ("[journal] path", incoming.journal_settings.path),
    ):
        candidate = Path(value)
        if candidate.is_absolute() or value.startswith("~") or ".." in candidate.parts:
            raise BackupError(
                f"{where}: {key} = {value!r} points outside the workspace; restore writes "
                "only inside it (unpack the archive with tar and import its book with "
                "outreach contacts import, or keep the data inside the workspace)"
            )
        if not _inside(root, root / candidate):
            raise BackupError(
                f"{where}: {key} = {value!r} leads out of the workspace through a symbolic "
                f"link ({(root / candidate).resolve()}); restore does not follow links out of "
                f"{root}"
            )


def _restorable(name: str, incoming: Workspace) -> bool:
    """Whether an archive member is something a backup writes and a restore puts back."""
    if name in (CONFIG_NAME, JOURNAL_MEMBER) or name.startswith(("book/", "templates/")):
        return True
    if name.startswith("files/"):
        signature = incoming.me.signature
        # Only the signature image travels as a loose file; never a cache or a lock.
        return bool(signature) and PurePosixPath(signature).as_posix() == name[len("files/") :]
    return False


def _busy(target: Path, data: bytes) -> bool:
    """True when restoring would replace a file at ``target`` holding other bytes."""
    try:
        return target.is_file() and _file_sha256(target) != _sha256(data)
    except OSError:
        return True


def restore(
    root: Path, archive: Path, *, force: bool = False, now: datetime | None = None
) -> RestoreResult:
    """Verify ``archive`` and put its book, journal, config and templates into ``root``.

    Everything is written inside ``root`` (see the module docstring); a cache or other
    member a backup does not write is skipped and listed in the result.
    """
    manifest, files = read_archive(archive)
    root = Path(root).expanduser()
    now = now or datetime.now(UTC)
    config_where = f"{archive}: {CONFIG_NAME}"
    incoming = _archived_workspace(root, files[CONFIG_NAME].decode("utf-8"), config_where)
    _confine_settings(root, incoming, config_where)
    skipped = sorted(n for n in files if not _restorable(n, incoming))
    files = {n: d for n, d in files.items() if n not in skipped}
    current_config = root / CONFIG_NAME
    book_target, journal_target = incoming.book_path, incoming.journal_path
    placements: list[tuple[str, Path, bytes]] = [(CONFIG_NAME, current_config, files[CONFIG_NAME])]
    book_files = {n: d for n, d in files.items() if n.startswith("book/")}
    if manifest.book_kind == "file":
        placements += [(n, book_target, d) for n, d in book_files.items()]
    if manifest.journal_path:
        placements.append((JOURNAL_MEMBER, journal_target, files[JOURNAL_MEMBER]))
    loose = []
    for name, data in files.items():
        if name.startswith("templates/"):
            loose.append((name, root / name, data))
        elif name.startswith("files/"):
            loose.append((name, root / name[len("files/") :], data))
    placements += loose
    vdir = book_target if manifest.book_kind == "vdir" else None
    for target in [t for _, t, _ in placements] + ([vdir] if vdir is not None else []):
        if not _inside(root, target):
            raise BackupError(
                f"{target}: leads out of the workspace through a symbolic link (to "
                f"{target.resolve()}); restore does not follow links out of {root} (remove "
                "the link first)"
            )
    # What is there now is judged by the workspace's own settings, if it has any, and by
    # the archive's, which say where the restore will write.
    current = _current_workspace(root) if current_config.exists() else None
    judges = [incoming] if current is None else [current, incoming]
    books = list(dict.fromkeys(w.book_path for w in judges))
    journals = list(dict.fromkeys(w.journal_path for w in judges))
    occupied = [f"the address book {b}" for b in books if _book_has_contacts(b)]
    occupied += [f"the journal {j}" for j in journals if _journal_has_records(j)]
    occupied += [f"{target}" for _, target, data in loose if _busy(target, data)]
    if occupied and not force:
        raise BackupError(
            f"{root}: {' and '.join(occupied)} already hold data; restoring would replace "
            "them (add --force: the workspace as it is now is saved first)"
        )
    saved_as = None
    # Not while a run sends from this workspace (its journal would be replaced under it) or
    # a command is changing the book (its save would be lost, or refused).
    lock_dir = root / LOCK_DIR
    with (
        hold(lock_dir / "send.lock", what="the send lock (a sending run)", wait=False),
        hold(lock_dir / "book.lock", what="the address book lock"),
    ):
        if occupied and current is not None:
            saved_as = root / f"pre-restore-{now:%Y%m%dT%H%M%SZ}.tar.gz"
            atomic_write(saved_as, build_archive(current, now)[1], 0o600)
        _place(root, placements, vdir, book_files)
    return RestoreResult(manifest, sorted(files), saved_as, skipped)


def _place(
    root: Path,
    placements: Sequence[tuple[str, Path, bytes]],
    vdir: Path | None,
    book_files: dict[str, bytes],
) -> None:
    """Stage every file beside its target, then move them all into place."""
    root.mkdir(parents=True, exist_ok=True)
    staged: list[tuple[Path, Path]] = []
    staged_vdir: Path | None = None
    try:
        for _name, target, data in placements:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, temp_name = tempfile.mkstemp(
                prefix=f".{target.name}.", suffix=".restore", dir=target.parent
            )
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(temp_name, 0o600)
            staged.append((Path(temp_name), target))
        if vdir is not None:
            vdir.parent.mkdir(parents=True, exist_ok=True)
            staged_vdir = Path(tempfile.mkdtemp(prefix=f".{vdir.name}.", dir=vdir.parent))
            for name, data in book_files.items():
                (staged_vdir / PurePosixPath(name).name).write_bytes(data)
                os.chmod(staged_vdir / PurePosixPath(name).name, 0o600)
    except BaseException:
        for temp, _ in staged:
            with contextlib.suppress(OSError):
                temp.unlink()
        if staged_vdir is not None:
            shutil.rmtree(staged_vdir, ignore_errors=True)
        raise
    # Everything is written: now only renames remain.
    for (name, _target, _data), (temp, target) in zip(placements, staged, strict=True):
        if name == JOURNAL_MEMBER:
            _checkpoint(target)
        os.replace(temp, target)
        if name == JOURNAL_MEMBER:
            for suffix in ("-wal", "-shm"):
                # A write-ahead log left from the replaced journal would corrupt the new one.
                with contextlib.suppress(FileNotFoundError):
                    target.with_name(target.name + suffix).unlink()
        fsync_dir(target.parent)
    if vdir is not None and staged_vdir is not None:
        old = None
        if vdir.exists():
            old = vdir.with_name(f".{vdir.name}.replaced")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(vdir, old)
        os.replace(staged_vdir, vdir)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        fsync_dir(vdir.parent)
