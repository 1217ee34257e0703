"""The outbox as a person reads it: mutt, in a real terminal (tmux), on a real send.

Two contacts are sent to aiosmtpd on 127.0.0.1, then a dry run writes the other two: mutt
must list all four, the sent ones as read and the others as new, and show a message without
a ``^M`` (the CR of a CRLF line) anywhere.
"""

from __future__ import annotations

import mailbox
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import make_contact
from smtp_servers import Recorder, aiosmtpd_server, campaign_file, email_settings, send
from tools import require_tool

from outreach.engine import Engine
from outreach.workspace import Workspace

PEOPLE = [
    ("u1", "Jörg", "Müller", "joerg@example.de"),
    ("u2", "Ann", "Lee", "ann@example.org"),
    ("u3", "Bo", "Chen", "bo@example.net"),
    ("u4", "Maria", "García", "maria@example.es"),
]


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[str]:
    """A private tmux server (its own socket), killed at the end."""
    require_tool("mutt")
    require_tool("tmux")
    socket = str(tmp_path / "tmux.sock")
    yield socket
    subprocess.run(["tmux", "-S", socket, "kill-server"], capture_output=True, check=False)


def _screen(socket: str) -> str:
    return subprocess.run(
        ["tmux", "-S", socket, "capture-pane", "-p", "-t", "mutt"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def _wait_for(socket: str, text: str, timeout: float = 15.0) -> str:
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = _screen(socket)
        if text in screen:
            return screen
        time.sleep(0.1)
    raise AssertionError(f"{text!r} never appeared on mutt's screen:\n{screen}")


def _keys(socket: str, *keys: str) -> None:
    subprocess.run(["tmux", "-S", socket, "send-keys", "-t", "mutt", *keys], check=True)


def test_mutt_shows_sent_as_read_dry_run_as_new_and_no_carriage_returns(
    workspace: Workspace, add_contacts, tmp_path: Path, tmux: str
) -> None:  # noqa: ANN001
    add_contacts(*(make_contact(u, g, f, email=e) for u, g, f, e in PEOPLE))
    path = campaign_file(
        tmp_path, subject="Catching up, {{ first_name }}", body="Hi {{ greeting }},\nhow are you?\n"
    )
    recorder = Recorder()
    with aiosmtpd_server(recorder) as port:
        email_settings(workspace.root, port=port)
        sent = send(workspace, path, limit=2)
    assert sent.counts[("email", "sent")] == 2 and len(recorder.received) == 2
    engine = Engine(Workspace.load(workspace.root))
    dry = engine.run(engine.load(path))
    assert dry.counts[("email", "sent")] == 2
    outbox = workspace.out_dir("hello") / "outbox"
    assert len(list((outbox / "cur").iterdir())) == 2 and len(list((outbox / "new").iterdir())) == 2
    # What a Maildir library sees agrees: two seen, two new.
    flags = sorted(m.get_flags() for m in mailbox.Maildir(outbox, create=False))
    assert flags == ["", "", "S", "S"]

    env = {**os.environ, "HOME": str(tmp_path), "TERM": "xterm", "LANG": "C.UTF-8"}
    env.pop("MAIL", None)
    (tmp_path / "Mail").mkdir()  # mutt asks to create its folder directory otherwise
    # -n -F /dev/null: no system or user settings, so every header is shown, unfiltered.
    command = f"mutt -n -F /dev/null -R -e 'set sort=to' -f {outbox}"
    subprocess.run(
        ["tmux", "-S", tmux, "new-session", "-d", "-s", "mutt", "-x", "200", "-y", "50", command],
        env=env,
        check=True,
    )
    index = _wait_for(tmux, "Catching up")
    rows = [line for line in index.splitlines() if "Catching up" in line]
    assert len(rows) == 4, index
    # mutt marks an unread message N in the index; the sent ones are read.
    new = sorted(r.split("Catching up, ")[1].split()[0] for r in rows if " N " in r[:12])
    assert new == sorted(p[1] for p in PEOPLE if p[0] not in {k.contact_uid for k in _sent(sent)})
    assert "^M" not in index
    for _ in rows:
        _keys(tmux, "Enter")
        page = _wait_for(tmux, "how are you?")
        assert "Subject: Catching up" in page and "Message-ID:" in page
        assert "^M" not in page, page
        _keys(tmux, "i", "j")  # back to the index, next message
        _wait_for(tmux, "Catching up")
    _keys(tmux, "q")


def _sent(result) -> list:  # noqa: ANN001
    return [item.key for item in result.rendered]
