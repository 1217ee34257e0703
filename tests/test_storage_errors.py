"""A full disk and a read-only workspace: one line naming the file, exit 2, data intact.

The workspace lives on a small tmpfs mounted for the test (root only; CI runs as root). Where
mounting is impossible the tests skip saying so, except in CI, where they must run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import make_contact
from filetree import tree_digest
from smtp_servers import Recorder, aiosmtpd_server, campaign_file, email_settings

from outreach.workspace import Workspace

PROGRAM = str(Path(sys.executable).with_name("outreach"))
ENV = {k: v for k, v in os.environ.items() if k != "OUTREACH_HOME"}


def _cannot(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI runs as root and must run these tests")
    pytest.skip(reason)


def _mount(folder: Path, options: str) -> None:
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        folder.rmdir()
        _cannot(f"cannot mount a tmpfs here ({result.stderr.strip() or 'mount failed'})")


@contextmanager
def _disk(size: str) -> Iterator[Path]:
    if shutil.which("mount") is None:
        _cannot("no mount command (util-linux) to mount a small tmpfs")
    folder = Path(tempfile.mkdtemp(prefix="outreach-small-disk-"))
    _mount(folder, f"size={size},mode=0755")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)
        folder.rmdir()


@pytest.fixture
def small_disk() -> Iterator[Path]:
    """A 2 MiB tmpfs, unmounted after the test."""
    with _disk("2m") as folder:
        yield folder


@pytest.fixture
def sending_disk() -> Iterator[Path]:
    """A 16 MiB tmpfs: room for a whole sending run's journal log and outbox once freed."""
    with _disk("16m") as folder:
        yield folder


def _outreach(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PROGRAM, "--home", str(root), *args], env=ENV, capture_output=True, text=True, timeout=300
    )


def _one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("outreach: error: ") and "internal error" not in lines[0]
    assert "Traceback" not in result.stderr
    return lines[0]


def _cards(count: int) -> str:
    return "".join(
        "BEGIN:VCARD\r\nVERSION:3.0\r\n"
        f"UID:card-{i}\r\nFN:Person {i} Example\r\nN:Example;Person {i};;;\r\n"
        f"EMAIL;TYPE=INTERNET:person{i}@example.org\r\nORG:Acme Corporation\r\n"
        f"NOTE:{'x' * 300}\r\nEND:VCARD\r\n"
        for i in range(count)
    )


def _workspace(root: Path, people: int = 3) -> Workspace:
    workspace = Workspace.init(root, name="Alex", email="alex@example.com")
    book = workspace.open_book()
    for i in range(people):
        book.add(make_contact(f"c{i}", f"P{i}", "Q", email=f"p{i}@example.org"))
    book.save()
    with workspace.open_journal() as journal:
        journal.set_meta("created", "for the test")
    return workspace


def test_import_on_a_full_disk_is_one_line_and_leaves_the_book(
    small_disk: Path, tmp_path: Path
) -> None:
    workspace = _workspace(small_disk / "ws")
    export = tmp_path / "export.vcf"  # 8,000 cards: more than the disk holds
    export.write_text(_cards(8000), encoding="utf-8")
    before = workspace.book_path.read_bytes()
    line = _one_error_line(_outreach(workspace.root, "contacts", "import", str(export)))
    assert str(workspace.book_path) in line and "the disk is full" in line
    assert workspace.book_path.read_bytes() == before
    leftovers = [p.name for p in workspace.root.iterdir() if p.name.endswith(".tmp")]
    assert not leftovers


def _fill(disk: Path) -> Path:
    filler = disk / "filler"
    # Unbuffered: a buffered file would try the failed write again when it is closed.
    with filler.open("wb", buffering=0) as handle, pytest.raises(OSError):
        while True:
            handle.write(b"\0" * 65536)
    return filler


def test_contacts_set_on_a_full_disk_is_one_line_and_leaves_the_book(small_disk: Path) -> None:
    workspace = _workspace(small_disk / "ws", people=400)
    before = workspace.book_path.read_bytes()
    _fill(small_disk)
    result = _outreach(workspace.root, "contacts", "set", "c1", "--tag", "x", "--card-note", "y")
    line = _one_error_line(result)
    assert str(workspace.book_path) in line and "the disk is full" in line
    assert workspace.book_path.read_bytes() == before


def test_touch_on_a_full_disk_is_one_line_and_leaves_the_journal(small_disk: Path) -> None:
    workspace = _workspace(small_disk / "ws")
    filler = _fill(small_disk)
    line = _one_error_line(_outreach(workspace.root, "touch", "P1", "--via", "call"))
    assert str(workspace.journal_path) in line and "the disk is full" in line
    filler.unlink()
    with Workspace.load(workspace.root).open_journal() as journal:
        assert journal.touches() == [] and journal.get_meta("created") == "for the test"


@pytest.fixture
def read_only_workspace(small_disk: Path) -> Iterator[Workspace]:
    """A workspace with contacts and a journal, on a disk then remounted read-only."""
    workspace = _workspace(small_disk / "ws")
    (workspace.root / ".locks").mkdir()
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    try:
        yield workspace
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(small_disk)], check=False)


def test_touch_in_a_read_only_workspace(read_only_workspace: Workspace) -> None:
    workspace = read_only_workspace
    before = tree_digest(workspace.root)
    line = _one_error_line(_outreach(workspace.root, "touch", "P1", "--via", "call"))
    assert str(workspace.journal_path) in line
    assert "read-only" in line
    assert tree_digest(workspace.root) == before


def test_contacts_set_in_a_read_only_workspace(read_only_workspace: Workspace) -> None:
    workspace = read_only_workspace
    before = tree_digest(workspace.root)
    line = _one_error_line(_outreach(workspace.root, "contacts", "set", "P1", "--tag", "x"))
    assert "read-only" in line and str(workspace.root) in line
    assert tree_digest(workspace.root) == before


def test_sending_from_a_read_only_workspace(read_only_workspace: Workspace, tmp_path: Path) -> None:
    workspace = read_only_workspace
    before = tree_digest(workspace.root)
    recorder = Recorder()
    campaign = campaign_file(tmp_path)
    config = tmp_path / "outreach.toml"
    shutil.copy(workspace.config_path, config)
    with aiosmtpd_server(recorder) as port:
        # The settings cannot be added to the read-only config: mount a copy over it.
        email_settings(tmp_path, port=port)
        subprocess.run(["mount", "--bind", str(config), str(workspace.config_path)], check=True)
        try:
            result = _outreach(workspace.root, "campaign", "run", str(campaign), "--send")
        finally:
            subprocess.run(["umount", str(workspace.config_path)], check=False)
    line = _one_error_line(result)
    assert "read-only" in line and str(workspace.root) in line
    assert recorder.received == []
    assert tree_digest(workspace.root) == before


@pytest.mark.slow
def test_a_disk_that_fills_up_mid_send_stops_the_run_with_one_line(
    sending_disk: Path, tmp_path: Path
) -> None:
    small_disk = sending_disk
    count = 150
    workspace = _workspace(small_disk / "ws", people=count)
    recorder = Recorder(delay=0.02)
    campaign = campaign_file(tmp_path)
    argv = [PROGRAM, "--home", str(workspace.root), "campaign", "run", str(campaign), "--send"]
    with aiosmtpd_server(recorder) as port:
        email_settings(workspace.root, port=port)
        process = subprocess.Popen(
            argv, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        deadline = time.monotonic() + 60
        while len(recorder.received) < 10:
            assert time.monotonic() < deadline and process.poll() is None
            time.sleep(0.01)
        filler = _fill(small_disk)
        out, err = process.communicate(timeout=120)
        stopped_at = len(recorder.received)
        filler.unlink()
        # With space again, the next run sends the rest and nothing twice.
        again = subprocess.run(argv, env=ENV, capture_output=True, text=True, timeout=120)
    lines = err.strip().splitlines()
    assert process.returncode == 2, (out, err)
    assert len(lines) == 1 and "the disk is full" in lines[0], err
    assert str(workspace.journal_path) in lines[0]
    assert stopped_at < count
    assert again.returncode == 0, (again.stdout, again.stderr)
    got: dict[str, int] = {}
    for message in recorder.received:
        got[message.recipients[0]] = got.get(message.recipients[0], 0) + 1
    assert max(got.values()) == 1, "a message was delivered twice"
    with Workspace.load(workspace.root).open_journal() as journal:
        rows = journal.deliveries()
    assert len(rows) == count and {d.status for d in rows} <= {"sent", "unknown"}
    # Unknown: in flight, or sent with the outcome in the commit the full disk refused; never
    # sent again. Everything recorded sent arrived, once.
    unknown = [d for d in rows if d.status == "unknown"]
    assert len(unknown) <= 20, len(unknown)
    assert all(
        got.get(f"p{d.key.contact_uid[1:]}@example.org") == 1 for d in rows if d.status == "sent"
    )
