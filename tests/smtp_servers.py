"""Real SMTP servers for the email tests: aiosmtpd in this process, Postfix's smtp-sink.

:class:`Recorder` is an aiosmtpd handler that records every envelope and can be told to
answer with faults (a 4xx or 5xx for an address or a DATA, a 421 and a hang-up, a slow reply).
:func:`self_signed` makes a certificate for 127.0.0.1 with ``cryptography``.
:func:`email_settings`, :func:`campaign_file` and :func:`send` set up and run a sending
campaign in a test workspace.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import ipaddress
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

from tools import require_tool

from outreach.engine import Engine, RunResult
from outreach.workspace import Workspace


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def stop_accepting(listener: socket.socket, thread: threading.Thread) -> None:
    """Stop a test server's accept loop, then close its socket, in that order.

    Closing alone leaves the thread blocked in accept() on the descriptor's number: after the
    next signal (a child process exiting) the kernel restarts the call on whatever socket has
    that number by then, and the old server answers another test's connections (Dovecot's
    token checks once got this server's SMTP greeting). Shutting down wakes the accept first.
    """
    with contextlib.suppress(OSError):
        listener.shutdown(socket.SHUT_RDWR)
    thread.join(timeout=10)
    listener.close()


@dataclass
class Received:
    """One message a server accepted."""

    sender: str
    recipients: list[str]
    data: bytes
    mail_options: list[str]

    @property
    def message(self) -> EmailMessage:
        parsed = message_from_bytes(self.data, policy=default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class Recorder:
    """An aiosmtpd handler that records and injects faults."""

    received: list[Received] = field(default_factory=list)
    #: address -> replies to give to its RCPT, in turn (then it is accepted).
    rcpt_replies: dict[str, list[str]] = field(default_factory=dict)
    #: Replies to give at the end of DATA, in turn (then messages are accepted).
    data_replies: list[str] = field(default_factory=list)
    #: Hang up after a 421 at the end of DATA this many times.
    hangups: int = 0
    #: Seconds to wait before answering the end of DATA (for the first ``slow_count``).
    slow: float = 0.0
    slow_count: int = 0
    #: Seconds to wait on every message (crash tests).
    delay: float = 0.0
    attempts: list[str] = field(default_factory=list)
    auth: list[tuple[str, Any]] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)
    #: Offer PIPELINING (RFC 2920) in the EHLO reply; aiosmtpd reads pipelined commands in
    #: order either way, but does not offer it by itself.
    pipelining: bool = False

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        self.commands.append(f"EHLO {hostname}")
        session.host_name = hostname
        if self.pipelining:
            responses = [*responses[:-1], "250-PIPELINING", responses[-1]]
        return responses

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        self.attempts.append(address)
        replies = self.rcpt_replies.get(address)
        if replies:
            return replies.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.slow_count:
            self.slow_count -= 1
            await asyncio.sleep(self.slow)
        if self.hangups:
            self.hangups -= 1
            server.loop.call_soon(server.transport.close)
            return "421 4.3.2 going away"
        if self.data_replies:
            return self.data_replies.pop(0)
        self.received.append(
            Received(
                envelope.mail_from,
                list(envelope.rcpt_tos),
                bytes(envelope.original_content or envelope.content),
                list(envelope.mail_options),
            )
        )
        return "250 2.0.0 queued"

    def to(self, address: str) -> list[Received]:
        """Messages whose envelope included ``address``."""
        return [r for r in self.received if address in r.recipients]


@contextmanager
def aiosmtpd_server(handler: Recorder, **kwargs: Any) -> Iterator[int]:
    """Run aiosmtpd on a free loopback port; yields the port."""
    from aiosmtpd.controller import Controller

    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate and key for 127.0.0.1 and localhost; returns (cert, key) paths."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@contextmanager
def smtp_sink(*options: str, dump: Path | None = None) -> Iterator[int]:
    """Run Postfix's smtp-sink with ``options`` on a free loopback port; yields the port."""
    import os

    program = require_tool("smtp-sink")
    port = free_port()
    user = ["-u", "nobody"] if os.geteuid() == 0 else []
    extra = ["-d", f"{dump}/%M."] if dump is not None else []
    process = subprocess.Popen(
        [program, *user, *extra, *options, f"127.0.0.1:{port}", "64"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 5
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(f"smtp-sink did not start: {process.stderr.read()!r}") from None
            time.sleep(0.02)
    try:
        yield port
    finally:
        process.terminate()
        process.wait(timeout=5)


@contextmanager
def smtp_sink_dump(*options: str) -> Iterator[tuple[int, Path]]:
    """smtp-sink keeping each message in a folder; yields (port, folder)."""
    import shutil
    import tempfile

    # Outside pytest's private tmp: smtp-sink writes as the unprivileged user it switches to.
    folder = Path(tempfile.mkdtemp(prefix="outreach-sink-"))
    folder.chmod(0o777)
    try:
        with smtp_sink(*options, dump=folder) as port:
            yield port, folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def dumped(folder: Path) -> list[bytes]:
    """The messages smtp-sink kept in ``folder``."""
    return [p.read_bytes() for p in folder.rglob("*") if p.is_file()]


def append_table(workspace_root: Path, name: str, settings: dict[str, Any]) -> None:
    """Add a ``[name]`` table holding ``settings`` to the workspace's ``outreach.toml``."""
    lines = ["", f"[{name}]", *(f"{key} = {_toml(value)}" for key, value in settings.items())]
    config = workspace_root / "outreach.toml"
    config.write_text(config.read_text(encoding="utf-8") + "\n".join(lines) + "\n")


def email_settings(workspace_root: Path, **settings: Any) -> None:
    """Give the workspace an ``[email]`` table (test-speed retries unless told otherwise)."""
    values = {"host": "127.0.0.1", "security": "none", "backoff": 0.01, "backoff_max": 0.05}
    append_table(workspace_root, "email", values | settings)


def campaign_file(directory: Path, name: str = "hello", **email: Any) -> Path:
    """A campaign folder with an ``[email]`` table; returns the campaign file."""
    folder = directory / name
    folder.mkdir(parents=True, exist_ok=True)
    table = {"subject": "Hello {{ first_name }}", "body": "Hi {{ greeting }},\nhow are you?\n"}
    table.update(email)
    lines = [f'name = "{name}"', "[email]", *(f"{k} = {_toml(v)}" for k, v in table.items())]
    path = folder / "campaign.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def send(workspace: Workspace, campaign: Path, **kwargs: Any) -> RunResult:
    """Run ``campaign`` with ``--send`` in a freshly loaded copy of ``workspace``."""
    engine = Engine(Workspace.load(workspace.root))
    return engine.run(engine.load(campaign), send=True, **kwargs)


def _toml(value: Any) -> str:
    """A TOML value: text, a bool, a number, or a list of texts."""
    import json

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return f"[{', '.join(_toml(v) for v in value)}]"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return str(value)

