"""Hostile backups: a restore writes only inside the workspace and never restores code.

Each archive here is a real backup of a real workspace, then altered and re-sealed with a
valid manifest (every SHA-256 recomputed), as someone crafting one would: the checks that
stop it are the restore's own, not the damaged-archive checks.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import pickle
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from conftest import make_contact
from filetree import tree_digest

from outreach.backup import MANIFEST, make_backup
from outreach.workspace import Workspace


@pytest.fixture
def archive(workspace: Workspace, add_contacts, tmp_path: Path) -> Path:  # noqa: ANN001
    add_contacts(
        make_contact("a", "Ann", "Lee", email="ann@example.org"),
        make_contact("b", "Bo", "Chen", email="bo@example.org"),
    )
    with workspace.open_journal() as journal:
        journal.set_meta("k", "v")
    (workspace.templates_dir / "email").mkdir(parents=True)
    (workspace.templates_dir / "email" / "hello.txt.j2").write_text("Hi {{ greeting }}\n")
    folder = tmp_path / "backups"
    folder.mkdir()
    result = make_backup(workspace, [folder])
    return folder / result.name


def reseal(source: Path, target: Path, *, config=None, add=None) -> Path:  # noqa: ANN001
    """``source`` with its config changed by ``config(text)`` and members ``add`` added."""
    with gzip.open(source, "rb") as stream, tarfile.open(fileobj=stream, mode="r:") as tar:
        files = {}
        for member in tar:
            handle = tar.extractfile(member)
            assert handle is not None
            files[member.name] = handle.read()
    manifest = json.loads(files.pop(MANIFEST))
    if config is not None:
        files["outreach.toml"] = config(files["outreach.toml"].decode()).encode()
    files.update(add or {})
    manifest["files"] = {n: hashlib.sha256(d).hexdigest() for n, d in sorted(files.items())}
    raw = io.BytesIO()
    with (
        gzip.GzipFile(fileobj=raw, mode="wb") as zipped,
        tarfile.open(fileobj=zipped, mode="w") as tar,
    ):
        for name, data in [(MANIFEST, json.dumps(manifest).encode()), *sorted(files.items())]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    target.write_bytes(raw.getvalue())
    return target


def _set_path(table: str, value: str):  # noqa: ANN202
    """A config edit setting ``[table] path`` to ``value``."""
    line = f"path = {json.dumps(value)}"

    def edit(text: str) -> str:
        if f"[{table}]\n" not in text:
            return text + f"\n[{table}]\n{line}\n"
        return text.replace(f"[{table}]\n", f"[{table}]\n{line}\n# was: ", 1)

    return edit


@pytest.mark.parametrize(
    ("table", "value"),
    [
        ("book", "{victim}"),
        ("book", "../victim.vcf"),
        ("journal", "{victim}"),
        ("journal", "../victim.vcf"),
        ("book", "~/victim.vcf"),
    ],
)
def test_archived_paths_outside_the_workspace_are_refused(
    run_cli,
    archive: Path,
    tmp_path: Path,
    table: str,
    value: str,  # noqa: ANN001
) -> None:
    victim = tmp_path / "victim.vcf"
    victim.write_text("precious, unrelated data\n")
    target = tmp_path / "restored"
    target.mkdir()
    wanted = value.format(victim=victim)
    crafted = reseal(archive, tmp_path / "crafted.tar.gz", config=_set_path(table, wanted))
    before = tree_digest(tmp_path)
    result = run_cli("restore", str(crafted), home=target)
    assert result.exit_code == 2, result.output
    assert f"[{table}] path = {wanted!r} points outside the workspace" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert victim.read_text() == "precious, unrelated data\n"
    assert tree_digest(tmp_path) == before


def test_a_planted_cache_is_never_restored_and_no_code_runs(
    run_cli,
    archive: Path,
    tmp_path: Path,  # noqa: ANN001
) -> None:
    marker = tmp_path / "code-ran"

    class Exploit:
        def __reduce__(self):  # noqa: ANN204
            return (os.system, (f"touch {marker}",))

    target = tmp_path / "restored"
    key = hashlib.sha256(str((target / "contacts.vcf").resolve()).encode()).hexdigest()[:16]
    planted = {
        f"files/.cache/book-{key}.pickle": pickle.dumps(Exploit()),
        f"files/.cache/book-{key}.json": b'{"format": "outreach-book-cache"}',
        "files/.locks/send.lock": b"{}",
        "files/notes.txt": b"not something a backup writes",
    }
    crafted = reseal(archive, tmp_path / "crafted.tar.gz", add=planted)
    result = run_cli("restore", str(crafted), home=target)
    assert result.exit_code == 0, result.output
    for name, data in planted.items():
        assert f"note: left {name} out" in result.output
        path = target / name[len("files/") :]
        # The restore held the workspace's locks itself: the lock file is its own, empty.
        assert not path.exists() or path.read_bytes() != data
    listed = run_cli("contacts", "list", "--json", home=target)
    assert listed.exit_code == 0, listed.output
    assert {c["uid"] for c in json.loads(listed.stdout)} == {"a", "b"}
    assert not marker.exists()


def test_a_templates_link_out_of_the_workspace_is_not_followed(
    run_cli,
    archive: Path,
    tmp_path: Path,  # noqa: ANN001
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "email").mkdir()
    (elsewhere / "email" / "hello.txt.j2").write_text("someone else's file\n")
    target = tmp_path / "restored"
    target.mkdir()
    (target / "templates").symlink_to(elsewhere)
    before = tree_digest(elsewhere)
    result = run_cli("restore", str(archive), "--force", home=target)
    assert result.exit_code == 2, result.output
    assert "leads out of the workspace through a symbolic link" in result.output
    assert tree_digest(elsewhere) == before
    assert not (target / "contacts.vcf").exists()  # nothing was restored at all


def test_a_book_link_out_of_the_workspace_is_not_followed(
    run_cli,
    archive: Path,
    tmp_path: Path,  # noqa: ANN001
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    target = tmp_path / "restored"
    target.mkdir()
    (target / "data").symlink_to(outside)
    crafted = reseal(archive, tmp_path / "crafted.tar.gz", config=_set_path("book", "data/b.vcf"))
    result = run_cli("restore", str(crafted), home=target)
    assert result.exit_code == 2, result.output
    assert "[book] path = 'data/b.vcf' leads out of the workspace" in result.output
    assert list(outside.iterdir()) == []


def test_the_overwrite_check_looks_where_the_archive_will_write(
    run_cli,
    archive: Path,
    tmp_path: Path,
    workspace: Workspace,  # noqa: ANN001
) -> None:
    target = tmp_path / "restored"
    Workspace.init(target)
    # The current config's book is empty, but the archive writes its book to other.vcf,
    # where a book with data already is.
    (target / "other.vcf").write_bytes(workspace.book_path.read_bytes())
    crafted = reseal(archive, tmp_path / "crafted.tar.gz", config=_set_path("book", "other.vcf"))
    before = tree_digest(target)
    result = run_cli("restore", str(crafted), home=target)
    assert result.exit_code == 2, result.output
    assert f"the address book {target / 'other.vcf'}" in result.output
    assert tree_digest(target) == before
    # A changed template is data too.
    (target / "other.vcf").unlink()
    (target / "templates" / "email").mkdir(parents=True)
    (target / "templates" / "email" / "hello.txt.j2").write_text("my own version\n")
    result = run_cli("restore", str(crafted), home=target)
    assert result.exit_code == 2, result.output
    assert "templates/email/hello.txt.j2" in result.output
    result = run_cli("restore", str(crafted), "--force", home=target)
    assert result.exit_code == 0, result.output
    assert "saved in" in result.output


def test_restore_refuses_while_a_run_is_sending(
    run_cli,
    archive: Path,
    tmp_path: Path,  # noqa: ANN001
) -> None:
    target = tmp_path / "restored"
    Workspace.init(target)
    holding = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from outreach.locks import hold\n"
        "with hold(Path(sys.argv[1]), what='the send lock'):\n"
        "    print('held', flush=True)\n"
        "    time.sleep(120)\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", holding, str(target / ".locks" / "send.lock")],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        before = tree_digest(target)
        result = run_cli("restore", str(archive), home=target)
    finally:
        holder.kill()
        holder.wait()
    assert result.exit_code == 2, result.output
    assert f"is held by process {holder.pid} " in result.output
    assert tree_digest(target) == before
