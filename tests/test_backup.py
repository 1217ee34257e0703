"""Backups by the rule of three, restores, and the status that nags when backups fall behind."""

from __future__ import annotations

import gzip
import io
import json
import sqlite3
import stat
import tarfile
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from filetree import tree_digest

from outreach.backup import BackupError, make_backup, read_archive, restore
from outreach.status import workspace_status
from outreach.workspace import Workspace
from tests.conftest import make_contact

FIXTURES = Path(__file__).parent / "fixtures"


def journal_rows(path: Path) -> dict[str, list[tuple]]:
    db = sqlite3.connect(path)
    try:
        return {
            table: db.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
            for table in ("deliveries", "touches", "sends", "meta")
        }
    finally:
        db.close()


@pytest.fixture
def filled(run_cli, workspace: Workspace) -> Workspace:
    """A workspace with contacts, touches and a custom template."""
    result = run_cli(
        "contacts",
        "import",
        str(FIXTURES / "csv" / "linkedin-connections.csv"),
        str(FIXTURES / "vcard" / "photo.vcf"),
        str(FIXTURES / "vcard" / "apple-groups.vcf"),
    )
    assert result.exit_code == 0, result.output
    run_cli("touch", "Chidi Okafor", "--via", "lunch", "--date", "2024-05-01")
    (workspace.templates_dir / "email").mkdir(parents=True)
    (workspace.templates_dir / "email" / "catch-up.txt.j2").write_text("Hi {{ greeting }}!\n")
    return workspace


@pytest.fixture
def places(tmp_path: Path) -> list[Path]:
    folders = [tmp_path / "laptop", tmp_path / "cloud", tmp_path / "usb"]
    for folder in folders:
        folder.mkdir()
    return folders


def test_backup_writes_a_verified_private_archive_everywhere(run_cli, filled, places) -> None:
    result = run_cli("backup", *map(str, places))
    assert result.exit_code == 0, result.output
    assert "8 contacts" in result.output and "3 of 3 destinations" in result.output
    names = set()
    for folder in places:
        (archive,) = folder.glob("outreach-backup-*.tar.gz")
        sidecar = archive.with_name(archive.name + ".sha256")
        names.add(archive.name)
        for path in (archive, sidecar):
            assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert f"ok      {archive} (verified)" in result.output
        # The sidecar is what `sha256sum -c` reads.
        digest, name = sidecar.read_text().split()
        assert name == archive.name and len(digest) == 64
        manifest, files = read_archive(archive)
        assert set(manifest.files) == {
            "outreach.toml",
            "book/contacts.vcf",
            "journal.sqlite",
            "templates/email/catch-up.txt.j2",
        }
        assert files["book/contacts.vcf"] == filled.book_path.read_bytes()
        assert files["outreach.toml"] == filled.config_path.read_bytes()
    assert len(names) == 1
    assert not list(places[0].glob(".*.tmp"))


def test_backup_then_restore_gives_the_same_book_and_journal(run_cli, filled, places, tmp_path):
    run_cli("backup", str(places[0]))
    (archive,) = places[0].glob("*.tar.gz")
    fresh = tmp_path / "restored"
    result = run_cli("restore", str(archive), home=fresh)
    assert result.exit_code == 0, result.output
    assert "restored 8 contacts" in result.output
    assert (fresh / "contacts.vcf").read_bytes() == filled.book_path.read_bytes()
    restored_rows = journal_rows(fresh / "journal.sqlite")
    original_rows = journal_rows(filled.journal_path)
    # The journal gained the backup's own record after the archive was made.
    assert {k: v for k, v in restored_rows.items() if k != "meta"} == {
        k: v for k, v in original_rows.items() if k != "meta"
    }
    assert len(restored_rows["touches"]) == 6
    assert (fresh / "templates/email/catch-up.txt.j2").read_text() == "Hi {{ greeting }}!\n"
    listing = run_cli("contacts", "list", "--json", home=fresh)
    assert len(json.loads(listing.output)) == 8
    for path in fresh.rglob("*"):
        if path.is_file():
            assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path


def test_a_vdir_book_round_trips(run_cli, tmp_path, places) -> None:
    ws = Workspace.init(tmp_path / "vdir-ws")
    text = ws.config_path.read_text().replace('path = "contacts.vcf"', 'path = "contacts"')
    ws.config_path.write_text(text)
    run_cli("contacts", "import", str(FIXTURES / "vcard" / "birthday-no-year.vcf"), home=ws.root)
    book = sorted(p.name for p in (ws.root / "contacts").iterdir())
    assert len(book) == 4
    run_cli("backup", str(places[1]), home=ws.root)
    (archive,) = places[1].glob("*.tar.gz")
    fresh = tmp_path / "vdir-restored"
    assert run_cli("restore", str(archive), home=fresh).exit_code == 0
    assert sorted(p.name for p in (fresh / "contacts").iterdir()) == book
    for name in book:
        assert (fresh / "contacts" / name).read_bytes() == (
            ws.root / "contacts" / name
        ).read_bytes()


def test_restore_refuses_to_replace_data_without_force(run_cli, filled, places) -> None:
    run_cli("backup", str(places[0]))
    (archive,) = places[0].glob("*.tar.gz")
    run_cli("touch", "Priya Raman", "--via", "call", "--date", "2024-06-01")
    before = tree_digest(filled.root)
    refused = run_cli("restore", str(archive))
    assert refused.exit_code == 2
    assert "already hold data; restoring would replace them (add --force" in refused.output
    assert tree_digest(filled.root) == before
    forced = run_cli("restore", str(archive), "--force")
    assert forced.exit_code == 0, forced.output
    (saved,) = filled.root.glob("pre-restore-*.tar.gz")
    assert f"the workspace as it was is saved in {saved}" in forced.output
    # The later touch is gone from the workspace but kept in the saved archive.
    touches = journal_rows(filled.journal_path)["touches"]
    assert not any(row[3] == "call" for row in touches) and len(touches) == 6
    _, saved_files = read_archive(saved)
    saved_journal = filled.root.parent / "saved.sqlite"
    saved_journal.write_bytes(saved_files["journal.sqlite"])
    assert any(row[3] == "call" for row in journal_rows(saved_journal)["touches"])


def test_restore_over_an_unreadable_config_names_it(run_cli, filled, places) -> None:
    run_cli("backup", str(places[0]))
    (archive,) = places[0].glob("*.tar.gz")
    # Only the workspace's own config says where the book and journal to be replaced are.
    filled.config_path.write_text(filled.config_path.read_text() + "broken = [\n")
    before = tree_digest(filled.root)
    result = run_cli("restore", str(archive), "--force")
    assert result.exit_code == 2, result.output
    assert f"outreach: error: {filled.config_path}:" in result.output
    assert "move it aside, before restoring" in result.output
    assert tree_digest(filled.root) == before


@pytest.mark.parametrize("damage", ["flip-byte", "flip-byte-no-sidecar", "truncate", "member"])
def test_a_corrupted_archive_is_refused_with_a_clear_message(
    run_cli, filled, places, tmp_path, damage
) -> None:
    run_cli("backup", str(places[0]))
    (archive,) = places[0].glob("*.tar.gz")
    sidecar = archive.with_name(archive.name + ".sha256")
    data = bytearray(archive.read_bytes())
    if damage.startswith("flip-byte"):
        data[len(data) // 2] ^= 0xFF
        archive.write_bytes(bytes(data))
        if damage == "flip-byte-no-sidecar":
            sidecar.unlink()
        expected = (
            "does not match its checksum in" if damage == "flip-byte" else "damaged or not an"
        )
    elif damage == "truncate":
        sidecar.unlink()
        archive.write_bytes(bytes(data[: len(data) - 40]))
        expected = "damaged or not an outreach backup"
    else:
        # A well-formed archive whose book was changed after the manifest was written.
        sidecar.unlink()
        with tarfile.open(archive, "r:gz") as tar:
            members = {m.name: tar.extractfile(m).read() for m in tar}
        members["book/contacts.vcf"] = members["book/contacts.vcf"].replace(b"Priya", b"Pryia")
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w") as tar:
            for name, content in members.items():
                info = tarfile.TarInfo(name)
                info.size = len(content)
                tar.addfile(info, io.BytesIO(content))
        archive.write_bytes(gzip.compress(buffer.getvalue()))
        expected = "damaged: book/contacts.vcf does not match its SHA-256 in the manifest"
    target = tmp_path / "target"
    Workspace.init(target)
    before = tree_digest(target)
    result = run_cli("restore", str(archive), home=target)
    assert result.exit_code == 2
    assert f"outreach: error: {archive}:" in result.output and expected in result.output
    assert tree_digest(target) == before


def test_an_archive_with_a_path_outside_the_workspace_is_refused(tmp_path) -> None:
    evil = tmp_path / "outreach-backup-evil.tar.gz"
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        info = tarfile.TarInfo("../escape.txt")
        info.size = 3
        tar.addfile(info, io.BytesIO(b"bad"))
    evil.write_bytes(gzip.compress(buffer.getvalue()))
    with pytest.raises(BackupError, match="unexpected entry '../escape.txt'"):
        restore(tmp_path / "ws", evil)
    assert not (tmp_path / "escape.txt").exists()


def test_keep_removes_only_this_workspace_s_oldest_archives(filled, places) -> None:
    folder = places[0]
    foreign = folder / "outreach-backup-other-20200101T000000Z.tar.gz"
    foreign.write_bytes(b"another workspace's archive")
    unrelated = folder / "holiday-photos.tar.gz"
    unrelated.write_bytes(b"not ours")
    for day in range(1, 6):
        make_backup(filled, [folder], keep=3, now=datetime(2024, 3, day, 12, tzinfo=UTC))
    ours = sorted(p.name for p in folder.glob(f"outreach-backup-{filled.root.name}-*.tar.gz"))
    assert ours == [
        f"outreach-backup-{filled.root.name}-2024030{d}T120000Z.tar.gz" for d in (3, 4, 5)
    ]
    assert len(list(folder.glob("*.sha256"))) == 3
    assert foreign.exists() and unrelated.exists()


def test_secrets_never_reach_the_archive(run_cli, filled, places) -> None:
    with filled.config_path.open("a") as handle:
        handle.write('\n[email]\nhost = "smtp.example.com"\npassword = "hunter2"\n')
        handle.write('password_env = "MY_SMTP_PASSWORD"\n# password = "old-secret"\n')
    result = run_cli("backup", str(places[0]))
    assert result.exit_code == 0, result.output
    assert "note: left email.password out of the archive's outreach.toml" in result.output
    (archive,) = places[0].glob("*.tar.gz")
    raw = gzip.decompress(archive.read_bytes())
    assert b"hunter2" not in raw
    manifest, files = read_archive(archive)
    assert b"old-secret" not in raw
    assert manifest.stripped[0] == "email.password"
    assert manifest.stripped[1].startswith("a commented-out secret on line ")
    assert b'password_env = "MY_SMTP_PASSWORD"' in files["outreach.toml"]


def test_a_secret_that_cannot_be_stripped_stops_the_backup(run_cli, filled, places) -> None:
    with filled.config_path.open("a") as handle:
        handle.write('\n[email]\nauth = { user = "me", password = "hunter2" }\n')
    result = run_cli("backup", str(places[0]))
    assert result.exit_code == 2
    assert "email.auth.password looks like a secret and cannot be left out" in result.output
    assert list(places[0].iterdir()) == []


def test_a_missing_destination_fails_alone(run_cli, filled, places, tmp_path) -> None:
    result = run_cli("backup", str(places[0]), str(tmp_path / "unplugged"))
    assert result.exit_code == 1
    assert f"FAILED  {tmp_path / 'unplugged'}: not a folder (is the drive mounted?" in result.output
    assert "1 of 2 destinations" in result.output
    assert not (tmp_path / "unplugged").exists()


def test_status_warns_when_backups_fall_behind(run_cli, filled, places) -> None:
    def warnings(today: str) -> list[str]:
        result = run_cli("status", "--json", "--today", today)
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)["warnings"]

    assert warnings("2024-03-10")[0].startswith("no backup yet")
    make_backup(filled, places[:2], now=datetime(2024, 3, 1, tzinfo=UTC))
    assert warnings("2024-03-10") == [
        "the last backup reached 2 destinations; the rule of three wants 3 (this machine, a "
        "cloud folder, another device)"
    ]
    make_backup(filled, places, now=datetime(2024, 3, 2, tzinfo=UTC))
    assert warnings("2024-03-10") == []
    assert warnings("2024-04-02") == [
        "the last backup is 31 days old (more than 30): run outreach backup"
    ]
    text = run_cli("status", "--today", "2024-04-02")
    assert "book       " in text.stdout and "8 contacts (5 with email" in text.stdout
    assert "backup     2024-03-02T00:00:00+00:00 (31 days ago) to 3 places" in text.stdout
    assert "warning: the last backup is 31 days old" in text.stderr
    info = json.loads(run_cli("status", "--json", "--today", "2024-03-03").stdout)
    assert info["book"]["contacts"] == 8 and info["journal"]["touches"] == 6
    assert info["last_backup"]["destinations"] == [str(p.resolve()) for p in places]
    assert date.fromisoformat(info["last_backup"]["at"][:10]) == date(2024, 3, 2)


def test_status_counts_the_same_due_contacts_as_the_plan(run_cli, filled) -> None:
    for today in ("2024-03-10", "2024-09-01", "2025-06-01"):
        plan = json.loads(run_cli("plan", "--json", "--today", today).stdout)
        due = {e["uid"] for e in plan if e["section"] in ("overdue", "slipping-away")}
        info = json.loads(run_cli("status", "--json", "--today", today).stdout)
        assert info["due"] == len(due)


def test_status_is_a_library_call_that_writes_nothing(tmp_path) -> None:
    workspace = Workspace.init(tmp_path / "ws", name="Alex Example", email="alex@example.com")
    book = workspace.open_book()
    book.add(make_contact("a", "Ann", "Able", email="ann@example.com"))
    book.save()
    info = workspace_status(workspace, date(2025, 1, 1))
    assert info["due"] == 1 and info["journal"] is None  # never touched: due from today
    assert not workspace.journal_path.exists()
