"""The book on a CardDAV server: Radicale on 127.0.0.1, vdirsyncer syncing it with the folder
book, the recipe of docs/carddav.md run end to end.

An import in outreach reaches the server; an edit made on the server (a CardDAV PUT, as a
phone's contacts app makes) comes back, and outreach's next write keeps it; after several
rounds nothing is duplicated on either side.
"""

from __future__ import annotations

import http.client
import json
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree

import pytest
from smtp_servers import free_port

pytest.importorskip("radicale")
VDIRSYNCER = shutil.which("vdirsyncer", path=str(Path(sys.executable).parent))
pytestmark = pytest.mark.skipif(VDIRSYNCER is None, reason="vdirsyncer is not installed")

EXAMPLES = Path(__file__).parent.parent / "examples"
COLLECTION = "/alex/contacts/"
DAV = "{DAV:}"


class Radicale:
    """A Radicale server of the test's own, with its own config and storage."""

    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        rights = folder / "rights"
        # Anyone on this loopback server may read and write (no password crosses the wire).
        rights.write_text("[all]\nuser: .*\ncollection: .*\npermissions: RrWw\n")
        config = folder / "radicale.conf"
        config.write_text(
            f"[server]\nhosts = 127.0.0.1:{self.port}\n"
            "[auth]\ntype = none\n"
            f"[rights]\ntype = from_file\nfile = {rights}\n"
            f"[storage]\nfilesystem_folder = {folder / 'collections'}\n"
            "[web]\ntype = none\n"
            "[logging]\nlevel = warning\n"
        )
        self.process = subprocess.Popen(
            [sys.executable, "-m", "radicale", "--config", str(config)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(self.process.stdout.read().decode()) from None  # type: ignore[union-attr]
                time.sleep(0.1)

    def request(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            connection.close()

    def make_address_book(self, path: str) -> None:
        parent = path.rstrip("/").rsplit("/", 1)[0] + "/"
        status, _, text = self.request("MKCOL", parent)  # the owner's folder first
        assert status == 201, (status, text)
        body = (
            '<?xml version="1.0" encoding="utf-8"?>'
            '<mkcol xmlns="DAV:" xmlns:CR="urn:ietf:params:xml:ns:carddav"><set><prop>'
            "<resourcetype><collection/><CR:addressbook/></resourcetype>"
            "<displayname>Contacts</displayname></prop></set></mkcol>"
        )
        status, _, text = self.request(
            "MKCOL", path, body.encode(), {"Content-Type": "application/xml"}
        )
        assert status == 201, (status, text)

    def cards(self, path: str) -> dict[str, bytes]:
        """Every card in the collection: href -> its vCard."""
        status, _, text = self.request(
            "PROPFIND",
            path,
            b'<?xml version="1.0"?><propfind xmlns="DAV:"><prop><getetag/></prop></propfind>',
            {"Depth": "1", "Content-Type": "application/xml"},
        )
        assert status == 207, text
        hrefs = [
            h.text or ""
            for h in ElementTree.fromstring(text).iter(f"{DAV}href")
            if (h.text or "").rstrip("/") != path.rstrip("/")
        ]
        found = {}
        for href in hrefs:
            code, _, data = self.request("GET", href)
            assert code == 200
            found[href] = data
        return found

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def radicale(tmp_path: Path) -> Iterator[Radicale]:
    folder = tmp_path / "radicale"
    folder.mkdir()
    server = Radicale(folder)
    try:
        server.make_address_book(COLLECTION)
        yield server
    finally:
        server.stop()


def _uid(card: bytes) -> str:
    found = re.search(rb"^UID:(.+?)\r?$", card, re.M)
    assert found, card
    return found.group(1).decode()


def test_the_book_syncs_both_ways_with_radicale_through_vdirsyncer(
    run_cli, workspace, tmp_path: Path, radicale: Radicale
) -> None:  # noqa: ANN001
    # The recipe: the book as a folder, vdirsyncer pairing it with the server's collection.
    book = workspace.root / "book"
    assert run_cli("contacts", "move-book", str(book)).exit_code == 0
    config = tmp_path / "vdirsyncer.conf"
    config.write_text(
        "[general]\n"
        f'status_path = "{tmp_path / "vdirsyncer-status"}/"\n\n'
        "[pair outreach_book]\n"
        'a = "outreach_local"\n'
        'b = "outreach_server"\n'
        "collections = null\n\n"
        "[storage outreach_local]\n"
        'type = "filesystem"\n'
        f'path = "{book}/"\n'
        'fileext = ".vcf"\n\n'
        "[storage outreach_server]\n"
        'type = "carddav"\n'
        f'url = "http://127.0.0.1:{radicale.port}{COLLECTION}"\n'
    )

    def sync() -> None:
        for step in ("discover", "sync"):
            done = subprocess.run(
                [VDIRSYNCER, "-c", str(config), step],
                capture_output=True,
                text=True,
                timeout=120,
                input="",
            )
            assert done.returncode == 0, done.stdout + done.stderr

    def listing() -> dict[str, dict]:
        result = run_cli("contacts", "list", "--json")
        assert result.exit_code == 0, result.output
        items = json.loads(result.output[: result.output.rindex("]") + 1])
        return {c["uid"]: c for c in items}

    # 1. An import in outreach reaches the server.
    imported = run_cli("contacts", "import", str(EXAMPLES / "contacts.vcf"))
    assert imported.exit_code == 0, imported.output
    people = listing()
    assert len(people) >= 25
    sync()
    on_server = radicale.cards(COLLECTION)
    assert sorted(_uid(c) for c in on_server.values()) == sorted(people)

    # 2. An edit on the server (a CardDAV PUT with the card's ETag) comes back.
    href, card = next((h, c) for h, c in on_server.items() if b"TITLE:" in c)
    uid = _uid(card)
    status, headers, _ = radicale.request("GET", href)
    etag = {k.lower(): v for k, v in headers.items()}["etag"]
    edited = re.sub(rb"^TITLE:.*?(\r?)$", rb"TITLE:Head of Research\1", card, count=1, flags=re.M)
    edited = edited.replace(b"END:VCARD", b"X-PHONE-APP-STARRED:1\r\nEND:VCARD")
    status, _, text = radicale.request(
        "PUT", href, edited, {"Content-Type": "text/vcard; charset=utf-8", "If-Match": etag}
    )
    assert status in (201, 204), text
    sync()
    assert listing()[uid]["title"] == "Head of Research"

    # 3. outreach's next write to that contact keeps the server's edit, and it goes back.
    tagged = run_cli("contacts", "set", uid, "--tag", "met-2026")
    assert tagged.exit_code == 0, tagged.output
    (local,) = [p for p in book.glob("*.vcf") if _uid(p.read_bytes()) == uid]
    text = local.read_bytes()
    assert b"TITLE:Head of Research" in text and b"X-PHONE-APP-STARRED:1" in text
    sync()
    (server_copy,) = [c for c in radicale.cards(COLLECTION).values() if _uid(c) == uid]
    assert b"met-2026" in server_copy and b"X-PHONE-APP-STARRED:1" in server_copy

    # 4. Several more rounds change nothing and duplicate nothing.
    for _ in range(3):
        sync()
    final = radicale.cards(COLLECTION)
    uids = [_uid(c) for c in final.values()]
    assert len(uids) == len(set(uids)) == len(people)
    assert len(list(book.glob("*.vcf"))) == len(people)
    after = listing()
    assert sorted(after) == sorted(people)
    assert after[uid]["title"] == "Head of Research" and "met-2026" in after[uid]["tags"]
