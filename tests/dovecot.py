"""A real Dovecot IMAP server for the tests, started on 127.0.0.1 with its own configuration.

:func:`start_dovecot` writes a configuration into a fresh directory (no system configuration
is read), makes a self-signed certificate for 127.0.0.1 with ``cryptography``, a passwd-file
with the test user (and spare accounts, one per test that wants its own) whose mail is a
Maildir in that directory, and starts ``dovecot -F`` with one implicit-TLS listener and one
STARTTLS listener (or, with ``plaintext_only``, a single listener that offers no TLS at all
and would accept a clear-text login: the client must refuse it). The INBOX namespace has a
``Sent`` folder marked ``\\Sent`` (RFC 6154 special use). XOAUTH2 logins are checked by
Dovecot's oauth2 passdb against a token-introspection endpoint (RFC 7662) served on loopback
by this module, the way a provider's servers check them.

Dovecot refuses to give mail access to UID 0, and runs its login processes as an unprivileged
user, so as root (CI) the mail belongs to ``nobody`` and the internal and login users are the
ones Debian's package creates; as anyone else every process runs as that user.

Mailboxes are filled through IMAP: :meth:`Dovecot.append` sends one MULTIAPPEND command with
LITERAL+ literals per few hundred messages, so thousands of messages go in within a second.

``pytest`` fixtures: ``dovecot`` (one server for the session; each test takes its own folders
with :meth:`Dovecot.new_folder`), ``imap_account`` (a new, empty account on that server for one
test: its own INBOX and Sent), ``dovecot_plaintext`` (the no-TLS server) and
``dovecot_oauth_only`` (a server that takes no password, only OAuth 2 tokens).
"""

from __future__ import annotations

import contextlib
import http.server
import itertools
import json
import os
import pwd
import re
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import threading
import time
import traceback
import urllib.parse
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

import pytest
from smtp_servers import free_port, self_signed
from tools import require_tool

from outreach.imapsource import ImapSettings, encode_mailbox_name

__all__ = [
    "HANGUP",
    "Dovecot",
    "dovecot",
    "dovecot_oauth_only",
    "dovecot_plaintext",
    "imap_account",
    "make_message",
    "start_dovecot",
]

USER = "alex"
PASSWORD = "s3cret-Pa55word-42"
#: The OAuth 2 access token the test identity provider accepts for USER.
OAUTH_TOKEN = "ya29.a0-test-access-token-7f3c9"
#: Accounts besides USER that :meth:`Dovecot.new_account` hands out, one per test.
ACCOUNTS = 200


def _account(number: int) -> tuple[str, str, str]:
    """(user, password, access token) of extra account ``number``."""
    return f"user{number}", f"pw-{number}-Zq8", f"ya29.a0-token-{number}-k2"


#: Every access token the test identity provider accepts, and whose it is.
_TOKENS = {OAUTH_TOKEN: USER} | {_account(n)[2]: _account(n)[0] for n in range(ACCOUNTS)}
#: A client that hung up without trying to log in, in Dovecot's log. The login process words
#: it "no auth attempts", or "disconnected before auth was ready" when the client was quicker
#: than that process's own connection to the auth service (a new login process serves each
#: connection, so which one is a race).
HANGUP = re.compile(
    r"imap-login: .*Disconnected.*\((?:no auth attempts|disconnected before auth was ready)"
)


def _count(log: str, text: str | re.Pattern[str]) -> int:
    return log.count(text) if isinstance(text, str) else len(text.findall(log))


#: Seconds Dovecot may take to listen.
START_TIMEOUT = 20.0

_CONFIG = """\
# Written by the outreach tests; no system configuration is read.
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
default_internal_user = {internal_user}
default_internal_group = {internal_group}
default_login_user = {login_user}
first_valid_uid = {mail_uid}
last_valid_uid = 0
first_valid_gid = 0
auth_mechanisms = {auth_mechanisms}
disable_plaintext_auth = {disable_plaintext_auth}
ssl = {ssl}
{ssl_files}
ssl_min_protocol = TLSv1.2
mail_home = {root}/home/%n
mail_location = maildir:~/Maildir
mail_fsync = never
imap_max_line_length = 1M
mail_max_userip_connections = 100
auth_failure_delay = 0
{oauth_passdb}passdb {{
  driver = passwd-file
  mechanisms = plain login
  args = scheme=PLAIN username_format=%n {root}/passwd
}}
userdb {{
  driver = passwd-file
  args = username_format=%n {root}/passwd
}}
namespace inbox {{
  inbox = yes
  separator = /
  mailbox Sent {{
    auto = subscribe
    special_use = \\Sent
  }}
  mailbox Drafts {{
    auto = subscribe
    special_use = \\Drafts
  }}
}}
service imap-login {{
  chroot =
{listeners}
}}
service anvil {{
  chroot =
  # Unreachable, so the auth process runs without its penalty: failed logins in one test
  # must not slow down the logins of the next.
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""


@dataclass
class Dovecot:
    """A running Dovecot: its ports, its certificate, its test user, and helpers to fill it."""

    root: Path
    process: subprocess.Popen[bytes]
    cert: Path
    #: Implicit TLS; 0 for the plain-text-only server.
    tls_port: int
    #: STARTTLS; on the plain-text-only server, the port that offers no TLS at all.
    starttls_port: int
    user: str = USER
    password: str = PASSWORD
    #: The access token XOAUTH2 logins are checked against; "" when the server has no OAuth.
    oauth_token: str = ""
    #: False for an account made by :meth:`new_account`: stopping is the server's owner's job.
    owner: bool = True
    _identity: _IdentityProvider | None = None
    _names: Iterator[int] = field(default_factory=itertools.count)
    _accounts: Iterator[int] = field(default_factory=itertools.count)

    @property
    def log(self) -> str:
        """Dovecot's log so far."""
        try:
            return (self.root / "dovecot.log").read_text(errors="replace")
        except OSError:
            return ""

    def report(self, lines: int = 40) -> str:
        """The end of Dovecot's log and the identity provider's errors, for a failed test."""
        text = "\n".join(self.log.splitlines()[-lines:])
        if self._identity is not None:
            text += f"\n(identity provider: {self._identity.asked} introspections"
            text += "".join(f"\n{error}" for error in self._identity.errors) + ")"
        return text

    @property
    def introspections(self) -> int:
        """How many token checks the identity provider has answered (0 without OAuth)."""
        return self._identity.asked if self._identity is not None else 0

    @contextlib.contextmanager
    def identity_down(self, requests: int) -> Iterator[None]:
        """For the ``with`` block, the identity provider answers the next ``requests``
        introspections with 503; any left over are forgotten when it ends."""
        identity = self._identity
        if identity is None:
            raise RuntimeError("this Dovecot has no OAuth identity provider")
        identity.outages = requests
        try:
            yield
        finally:
            identity.outages = 0

    def log_count(self, text: str | re.Pattern[str]) -> int:
        """How many times the log holds ``text`` (or a match of the pattern)."""
        return _count(self.log, text)

    def wait_for_log(
        self, text: str | re.Pattern[str], times: int = 1, timeout: float = 15.0
    ) -> str:
        """Dovecot's log once it holds ``text`` (or a match of the pattern) ``times`` times
        (it is written asynchronously)."""
        deadline = time.monotonic() + timeout
        while _count(log := self.log, text) < times:
            if time.monotonic() > deadline:
                raise AssertionError(f"dovecot never logged {text!r}; its log:\n{log}")
            time.sleep(0.02)
        return log

    def section(self, **overrides: Any) -> dict[str, Any]:
        """An ``[imap]`` table for this account, trusting the server's certificate.

        Written into a workspace's ``outreach.toml`` as it is; the password goes in the
        environment (:meth:`environ`).
        """
        section: dict[str, Any] = {
            "host": "127.0.0.1",
            "port": self.tls_port,
            "security": "tls",
            "username": self.user,
            "ca_file": str(self.cert),
        }
        section.update(overrides)
        return {key: value for key, value in section.items() if value is not None}

    def settings(self, **overrides: Any) -> ImapSettings:
        """:meth:`section` parsed, as ``outreach.toml`` would give it."""
        return ImapSettings.from_section(self.section(**overrides), "outreach.toml [imap]")

    def environ(self) -> dict[str, str]:
        """An environment holding the test user's password where the settings look for it."""
        return {"OUTREACH_IMAP_PASSWORD": self.password}

    def maildir(self, folder: str = "INBOX") -> Path:
        """The Maildir (on disk) behind ``folder``."""
        base = self.root / "home" / self.user / "Maildir"
        if folder == "INBOX":
            return base
        return base / ("." + encode_mailbox_name(folder).replace("/", "."))

    def new_account(self) -> Dovecot:
        """A new, empty account on this server (its own INBOX and Sent), with its own password.

        The accounts are written into the passwd-file when the server starts (Dovecot reads a
        changed passwd-file at most once a second, too late for a test that logs in at once).
        The account shares the server: stop the server, not the account.
        """
        number = next(self._accounts)
        if number >= ACCOUNTS:
            raise RuntimeError(f"all {ACCOUNTS} test accounts are taken; raise ACCOUNTS")
        user, password, token = _account(number)
        return replace(
            self,
            user=user,
            password=password,
            oauth_token=token if self.oauth_token else "",
            owner=False,
            _names=itertools.count(),
        )

    def new_folder(self, prefix: str = "t") -> str:
        """Create a folder of its own for one test and return its name."""
        name = f"{prefix}{next(self._names)}"
        with self.client() as client:
            client.command(f"CREATE {_quote(encode_mailbox_name(name))}")
        return name

    @contextlib.contextmanager
    def client(self) -> Iterator[RawClient]:
        """A logged-in raw IMAP client over TLS, for filling and inspecting mailboxes."""
        client = RawClient("127.0.0.1", self.tls_port, self.cert)
        try:
            client.command(f"LOGIN {_quote(self.user)} {_quote(self.password)}")
            yield client
        finally:
            client.close()

    def append(
        self, folder: str, messages: Iterable[bytes], flags: str = "", chunk: int = 500
    ) -> None:
        """Append ``messages`` to ``folder`` through IMAP (MULTIAPPEND, LITERAL+)."""
        flag_part = f"({flags}) " if flags else ""
        with self.client() as client:
            batch: list[bytes] = []
            for message in messages:
                batch.append(message)
                if len(batch) == chunk:
                    client.multiappend(folder, batch, flag_part)
                    batch = []
            if batch:
                client.multiappend(folder, batch, flag_part)

    def recreate(self, folder: str) -> None:
        """Delete and create ``folder`` again: it comes back empty with a new UIDVALIDITY."""
        with self.client() as client:
            client.command(f"DELETE {_quote(encode_mailbox_name(folder))}")
            client.command(f"CREATE {_quote(encode_mailbox_name(folder))}")

    def expunge(self, folder: str, uids: Iterable[int]) -> None:
        """Delete the messages ``uids`` of ``folder`` for good (as another mail client would)."""
        with self.client() as client:
            client.command(f"SELECT {_quote(encode_mailbox_name(folder))}")
            client.command(f"UID STORE {','.join(map(str, uids))} +FLAGS.SILENT (\\Deleted)")
            client.command("EXPUNGE")

    def flags(self, folder: str) -> dict[int, str]:
        """UID -> the message's flags, as the server reports them (read-only)."""
        with self.client() as client:
            client.command(f"EXAMINE {_quote(encode_mailbox_name(folder))}")
            lines = client.command("UID FETCH 1:* (UID FLAGS)")
        found: dict[int, str] = {}
        for line in lines:
            text = line.decode("ascii", "replace")
            if " FETCH " not in text:
                continue
            uid = int(text.split("UID ", 1)[1].split()[0].rstrip(")"))
            found[uid] = text.split("FLAGS (", 1)[1].split(")", 1)[0]
        return found

    def imap_processes(self) -> list[int]:
        """The pids of the ``imap`` processes serving logged-in clients now."""
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            comm = stat[stat.index("(") + 1 : stat.rindex(")")]
            ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
            if comm == "imap" and ppid == self.process.pid:
                pids.append(int(entry.name))
        return pids

    def drop_connections(self) -> int:
        """Kill every ``imap`` process (as a crash or a network cut would); how many there were."""
        pids = self.imap_processes()
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        return len(pids)

    def stop(self) -> None:
        """Stop Dovecot and every process it started, and remove its directory."""
        if not self.owner:
            return
        if self._identity is not None:
            self._identity.shutdown()
            self._identity.server_close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                # A clean shutdown is quick unless a child lingers; nothing here needs saving.
                self.process.wait(timeout=0.5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        # Dovecot's processes share the group the master was started in (its own session).
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        shutil.rmtree(self.root, ignore_errors=True)


class _Introspection(http.server.BaseHTTPRequestHandler):
    """RFC 7662 token introspection, as an identity provider answers Dovecot's oauth2 passdb."""

    server: _IdentityProvider

    def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
        length = int(self.headers.get("Content-Length") or 0)
        form = urllib.parse.parse_qs(self.rfile.read(length).decode())
        token = (form.get("token") or [""])[0]
        self.server.asked += 1
        if self.server.outages > 0:
            # Down, as a real provider is at times: Dovecot then calls the login temporary.
            self.server.outages -= 1
            self.send_error(503, "identity provider unavailable")
            return
        if token in _TOKENS:
            reply = {"active": True, "username": _TOKENS[token], "scope": "https://mail.example/"}
        else:
            reply = {"active": False}
        body = json.dumps(reply).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's name
        """Quiet: the tests read Dovecot's log, not this one."""


class _IdentityProvider(http.server.ThreadingHTTPServer):
    """The loopback identity provider: counts what it is asked, can be down, keeps its errors."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Introspection)
        #: Introspection requests answered so far.
        self.asked = 0
        #: How many of the next requests get 503 Service Unavailable.
        self.outages = 0
        #: Tracebacks of requests the handler failed on (shown with a failed test).
        self.errors: list[str] = []

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Kept for the failure report instead of printed where nobody reads it."""
        self.errors.append(traceback.format_exc())


def _identity_provider() -> _IdentityProvider:
    server = _IdentityProvider()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class RawClient:
    """A small IMAP client that writes commands as they are (imaplib cannot MULTIAPPEND)."""

    def __init__(self, host: str, port: int, cert: Path) -> None:
        context = ssl.create_default_context(cafile=str(cert))
        sock = socket.create_connection((host, port), timeout=30)
        self._sock = context.wrap_socket(sock, server_hostname=host)
        self._file = self._sock.makefile("rb")
        self._tags = itertools.count(1)
        self._readline()  # the greeting

    def _readline(self) -> bytes:
        line = self._file.readline()
        if not line:
            raise ConnectionError("the IMAP server closed the connection")
        return line

    def _finish(self, tag: str) -> list[bytes]:
        lines = []
        while True:
            line = self._readline()
            if line.startswith(tag.encode() + b" "):
                if not line.startswith(tag.encode() + b" OK"):
                    raise RuntimeError(f"IMAP command failed: {line!r}")
                return lines
            lines.append(line)

    def command(self, text: str) -> list[bytes]:
        """Send one command; its untagged replies (literals are left inline)."""
        tag = f"a{next(self._tags)}"
        self._sock.sendall(f"{tag} {text}\r\n".encode())
        return self._finish(tag)

    def multiappend(self, folder: str, messages: Sequence[bytes], flag_part: str = "") -> None:
        """APPEND all ``messages`` to ``folder`` in one command (RFC 3502, RFC 7888)."""
        tag = f"a{next(self._tags)}"
        parts = [f"{tag} APPEND {_quote(encode_mailbox_name(folder))}".encode()]
        for message in messages:
            data = message.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
            parts.append(f" {flag_part}{{{len(data)}+}}\r\n".encode() + data)
        self._sock.sendall(b"".join(parts) + b"\r\n")
        self._finish(tag)

    def close(self) -> None:
        """Log out and close."""
        with contextlib.suppress(OSError, ConnectionError, RuntimeError):
            self.command("LOGOUT")
        self._sock.close()


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _users() -> tuple[str, str, str, int, int]:
    """(internal user, its group, login user, mail uid, mail gid) for this process."""
    if os.geteuid() == 0:
        nobody = pwd.getpwnam("nobody")
        return "dovecot", "dovecot", "dovenull", nobody.pw_uid, nobody.pw_gid
    me = pwd.getpwuid(os.geteuid())
    group = _group_name(os.getegid())
    return me.pw_name, group, me.pw_name, me.pw_uid, os.getegid()


def _group_name(gid: int) -> str:
    import grp

    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return str(gid)


def start_dovecot(*, plaintext_only: bool = False, oauth_only: bool = False) -> Dovecot:
    """Write a configuration into a new directory and start Dovecot on free loopback ports.

    ``plaintext_only``: one listener, no TLS at all. ``oauth_only``: logins by XOAUTH2 and
    OAUTHBEARER only, as Microsoft 365 and Google Workspace accounts without app passwords
    are (Dovecot then announces LOGINDISABLED and no AUTH=PLAIN).
    """
    program = require_tool("dovecot")
    version = subprocess.run(
        [program, "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    if not version.startswith("2.3."):
        # 2.4 renamed most settings (mail_driver, ssl_server_cert_file, passdb blocks ...).
        raise RuntimeError(
            f"tests/dovecot.py writes a Dovecot 2.3 configuration; found {version!r}"
        )
    # Not pytest's tmp_path: it is private to the test user, and Dovecot's unprivileged
    # processes (as root: nobody, dovenull) must reach their files.
    root = Path(tempfile.mkdtemp(prefix="outreach-dovecot-"))
    root.chmod(0o755)
    internal_user, internal_group, login_user, mail_uid, mail_gid = _users()
    cert, key = self_signed(root)
    key.chmod(0o600)
    accounts = [(USER, PASSWORD)] + [_account(n)[:2] for n in range(ACCOUNTS)]
    (root / "passwd").write_text(
        "".join(
            f"{user}:{{PLAIN}}{password}:{mail_uid}:{mail_gid}::{root}/home/{user}::\n"
            for user, password in accounts
        )
    )
    (root / "passwd").chmod(0o644)
    # The homes are made by Dovecot (as the mail user) on first login.
    (root / "home").mkdir()
    os.chown(root / "home", mail_uid, mail_gid)
    tls_port, starttls_port = free_port(), free_port()
    if plaintext_only:
        listeners = f"  inet_listener imap {{\n    port = {starttls_port}\n  }}"
        tls_port = 0
        ssl_setting, ssl_files, disable_plaintext = "no", "", "no"
    else:
        listeners = (
            f"  inet_listener imap {{\n    port = {starttls_port}\n  }}\n"
            f"  inet_listener imaps {{\n    port = {tls_port}\n    ssl = yes\n  }}"
        )
        ssl_setting, ssl_files, disable_plaintext = (
            "yes",
            f"ssl_cert = <{cert}\nssl_key = <{key}",
            "yes",
        )
    identity = None
    oauth_passdb = ""
    mechanisms = "plain login"
    if not plaintext_only:
        # XOAUTH2 logins are checked by a loopback identity provider, as Gmail's or
        # Microsoft 365's servers check them against their own.
        identity = _identity_provider()
        (root / "oauth2.conf").write_text(
            "introspection_mode = post\n"
            f"introspection_url = http://127.0.0.1:{identity.server_address[1]}/introspect\n"
            "username_attribute = username\n"
            "active_attribute = active\n"
            "active_value = true\n"
            "force_introspection = yes\n"
        )
        (root / "oauth2.conf").chmod(0o644)
        mechanisms = "xoauth2 oauthbearer" if oauth_only else "plain login xoauth2 oauthbearer"
        oauth_passdb = (
            "passdb {\n  driver = oauth2\n  mechanisms = xoauth2 oauthbearer\n"
            f"  args = {root}/oauth2.conf\n}}\n"
        )
    config = root / "dovecot.conf"
    config.write_text(
        _CONFIG.format(
            auth_mechanisms=mechanisms,
            oauth_passdb=oauth_passdb,
            root=root,
            internal_user=internal_user,
            internal_group=internal_group,
            login_user=login_user,
            mail_uid=min(mail_uid, 500),
            disable_plaintext_auth=disable_plaintext,
            ssl=ssl_setting,
            ssl_files=ssl_files,
            listeners=listeners,
        )
    )
    process = subprocess.Popen(
        [program, "-F", "-c", str(config)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    server = Dovecot(root, process, cert, tls_port, starttls_port)
    if identity is not None:
        server.oauth_token, server._identity = OAUTH_TOKEN, identity
    try:
        _wait_listening(server, [p for p in (tls_port, starttls_port) if p])
    except BaseException:
        server.stop()
        raise
    return server


def _wait_listening(server: Dovecot, ports: list[int]) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    waiting = list(ports)
    while waiting:
        if server.process.poll() is not None:
            output = (
                server.process.stdout.read().decode(errors="replace")
                if server.process.stdout
                else ""
            )
            raise RuntimeError(
                f"dovecot exited with status {server.process.returncode}:\n{output}\n{server.log}"
            )
        try:
            with socket.create_connection(("127.0.0.1", waiting[0]), timeout=0.5):
                waiting.pop(0)
                continue
        except OSError:
            pass
        if time.monotonic() > deadline:
            # The caller stops the server (and removes its log) after this message is made.
            raise RuntimeError(
                f"dovecot did not listen on 127.0.0.1:{waiting[0]} within {START_TIMEOUT:g} s; "
                f"its log:\n{server.log}"
            )
        time.sleep(0.05)


@contextlib.contextmanager
def running_dovecot(*, plaintext_only: bool = False, oauth_only: bool = False) -> Iterator[Dovecot]:
    """Dovecot for the length of a ``with`` block."""
    server = start_dovecot(plaintext_only=plaintext_only, oauth_only=oauth_only)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    """One Dovecot for the test session (TLS and STARTTLS); take folders with ``new_folder``."""
    with running_dovecot() as server:
        yield server


@pytest.fixture(scope="session")
def dovecot_oauth_only() -> Iterator[Dovecot]:
    """A Dovecot that takes OAuth 2 tokens only: no password login of any kind."""
    with running_dovecot(oauth_only=True) as server:
        yield server


@pytest.fixture
def imap_account(dovecot: Dovecot) -> Dovecot:
    """A new, empty account (INBOX, Sent) on the session's Dovecot, for one test."""
    return dovecot.new_account()


@pytest.fixture(scope="session")
def dovecot_plaintext() -> Iterator[Dovecot]:
    """A Dovecot that offers no TLS at all and would take a clear-text login."""
    with running_dovecot(plaintext_only=True) as server:
        yield server


_COMMON_NAMES = [
    ("Maria", "Garcia"),
    ("James", "Smith"),
    ("Wei", "Zhang"),
    ("Priya", "Patel"),
    ("Michael", "Johnson"),
    ("Anna", "Müller"),
    ("David", "Brown"),
    ("Fatima", "Khan"),
    ("John", "Williams"),
    ("Yuki", "Tanaka"),
]


def make_message(
    index: int,
    *,
    sender: str | None = None,
    to: str = f"Alex Example <{USER}@example.com>",
    subject: str | None = None,
    body: str = "Thanks for the note, see you on Thursday.\n",
    extra_headers: str = "",
    when: float = 1_780_000_000.0,
) -> bytes:
    """A realistically shaped message (Received trail, DKIM signature, MIME headers)."""
    import datetime

    given, family = _COMMON_NAMES[index % len(_COMMON_NAMES)]
    domain = ["acme.example", "globex.example", "initech.example"][index % 3]
    address = sender or f"{given} {family} <{given.lower()}.{family.lower()}@{domain}>"
    date = format_datetime(datetime.datetime.fromtimestamp(when + index * 600, datetime.UTC))
    signature = "".join(f"\t {'ABCDEFGHIJ'[i % 10] * 60}\n" for i in range(6))
    header = (
        f"Return-Path: <{given.lower()}@{domain}>\n"
        + "".join(
            f"Received: from mx{hop}.{domain} (mx{hop}.{domain} [192.0.2.{hop}])\n"
            f"\tby mail.example.com (Postfix) with ESMTPS id 4Q{index:08d}{hop}\n"
            f"\tfor <{USER}@example.com>; {date}\n"
            for hop in range(1, 4)
        )
        + f"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d={domain}; s=sel1;\n"
        f"\th=from:to:subject:date:message-id; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;\n"
        f"\tb=\n{signature}"
        f"From: {address}\n"
        f"To: {to}\n"
        f"Subject: {subject or f'Re: project update #{index}'}\n"
        f"Date: {date}\n"
        f"Message-ID: {make_msgid(idstring=str(index), domain=domain)}\n"
        "MIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=utf-8\n"
        "Content-Transfer-Encoding: 8bit\n"
        f"{extra_headers}"
    )
    return (header + "\n" + body).encode("utf-8")
