"""Reading an IMAP account without changing it: the ``[imap]`` table and :class:`ImapSource`.

``outreach mail sync imap`` reads the user's own mailbox, so this module follows the email
channel's rules for a mail server, whatever the settings say:

* the connection is encrypted before any credential is sent: ``tls`` (implicit TLS, port 993)
  or ``starttls`` (port 143, and a server that does not offer STARTTLS is refused, never used in
  clear); the server's certificate and host name are verified, ``ca_file`` adds a private
  authority;
* the password comes from the environment variable ``password_env`` (never from a file), or an
  OAuth 2 token from ``token_command`` (XOAUTH2), and every error goes through
  :class:`~outreach.secrets.Redactor`;
* the mailbox is never changed: folders are opened with EXAMINE (read-only) and messages read
  with ``BODY.PEEK``, so not even ``\\Seen`` is set.

Reading is incremental and streaming: :meth:`ImapSource.fetch_new` takes the folder's
``(UIDVALIDITY, last UID)`` from the previous sync and yields only newer messages, headers only,
in batches, so a folder of 50,000 messages is read in bounded memory. When the server's
UIDVALIDITY changed (the folder was recreated or rebuilt) it starts again from UID 1; the caller
counts every message once by its Message-ID, so a resync is harmless.
"""

from __future__ import annotations

import base64
import contextlib
import imaplib
import logging
import os
import re
import ssl
from array import array
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from time import sleep
from types import TracebackType
from typing import Any, Literal

from .errors import ConfigError, MailConnectionLost, MailSourceError
from .options import parse_table
from .secrets import Credentials, Redactor, Secret, run_secret_command, split_command

__all__ = [
    "BATCH_SIZE",
    "SEARCH_WINDOW",
    "FetchedMessage",
    "FolderStatus",
    "ImapSettings",
    "ImapSource",
    "decode_mailbox_name",
    "encode_mailbox_name",
]

log = logging.getLogger(__name__)

#: Messages whose headers are fetched in one command: large enough to keep the round trips
#: few, small enough that one reply (a few kB a header) stays a few megabytes at most.
BATCH_SIZE = 500
#: UIDs a plain SEARCH (without ESEARCH) covers at once: its reply stays under imaplib's
#: 1 MB line limit even when every UID in the window exists.
SEARCH_WINDOW = 50_000
#: Seconds to wait for the server to answer before the connection counts as lost.
TIMEOUT = 60.0
#: Logins tried when the server refuses one as temporary (``[UNAVAILABLE]``, RFC 5530: its
#: authentication back end is down or slow, as Gmail's "Temporary System Error" and Dovecot's
#: "Temporary authentication failure" say), and the seconds waited before each new try.
LOGIN_ATTEMPTS = 3
LOGIN_RETRY_PAUSE = 2.0
_DEFAULT_PORTS = {"tls": 993, "starttls": 143}
_WHERE = "outreach.toml [imap]"


@dataclass(frozen=True, slots=True)
class ImapSettings:
    """The ``[imap]`` table of ``outreach.toml``: the account ``mail sync imap`` reads."""

    host: str
    #: 993 for ``tls``, 143 for ``starttls`` when the table leaves it out.
    port: int
    #: ``tls`` (implicit TLS) or ``starttls``; there is no clear-text choice.
    security: Literal["tls", "starttls"]
    username: str
    #: The environment variable holding the password (never the file itself).
    password_env: str = "OUTREACH_IMAP_PASSWORD"
    #: A program printing an OAuth 2 access token: logs in with XOAUTH2 instead of a password.
    token_command: str | None = None
    #: Extra certificate authorities to trust (a PEM file), for a private server.
    ca_file: str | None = None
    #: The folders to read besides the Sent folder.
    folders: list[str] = field(default_factory=lambda: ["INBOX"])
    #: The folder of mail the user sent; ``None``: the one the server marks ``\\Sent``.
    sent_folder: str | None = None

    def __post_init__(self) -> None:
        if not self.host.strip():
            raise ValueError("host is empty")
        if not 0 < self.port < 65536:
            raise ValueError(f"port must be between 1 and 65535, not {self.port}")
        if not self.username:
            raise ValueError("username is empty")
        if not self.password_env and not self.token_command:
            raise ValueError("password_env is empty (or give token_command)")
        for name in [*self.folders, self.sent_folder or ""]:
            if any(ch in name for ch in "\r\n\0"):
                raise ValueError(f"folder name {name!r} holds a line break or NUL")

    @classmethod
    def from_section(cls, section: Mapping[str, Any], where: str) -> ImapSettings:
        """Parse the ``[imap]`` table; ``where`` names it in messages (one line, exit 2)."""
        keys = {str(k).replace("-", "_") for k in section}
        if "password" in keys:
            # Named without its value: the value is a secret that should not be in the file.
            raise ConfigError(
                f"{where}: a password is never read from the settings file; remove 'password' "
                f"and put it in the environment variable named by password_env "
                f"(default OUTREACH_IMAP_PASSWORD), or use token_command"
            )
        table = dict(section)
        if "port" not in keys and table.get("security") in _DEFAULT_PORTS:
            table["port"] = _DEFAULT_PORTS[table["security"]]
        return parse_table(cls, table, where)


@dataclass(frozen=True, slots=True)
class FetchedMessage:
    """One message read from a folder: where it is, and its header block."""

    folder: str
    uidvalidity: int
    uid: int
    #: True for the Sent folder: mail the user wrote, not mail they received.
    is_sent: bool
    #: The RFC 822 header block, as the server stores it (ends with the blank line).
    header: bytes


@dataclass(frozen=True, slots=True)
class FolderStatus:
    """What the server says about a folder without opening it (IMAP STATUS)."""

    uidvalidity: int
    #: The UID the next message will get: the folder has nothing new when it is last_uid + 1.
    uidnext: int
    #: How many messages the folder holds, for a progress bar.
    messages: int


class ImapSource:
    """A read-only session with the ``[imap]`` account; use it as a context manager.

    ``with ImapSource(settings) as source:`` connects, secures and logs in; leaving the block
    logs out. After a dropped connection (:class:`~outreach.errors.MailConnectionLost`), the
    next call connects again, so the caller can resume with the state it recorded.
    """

    def __init__(
        self,
        settings: ImapSettings,
        environ: Mapping[str, str] = os.environ,
        *,
        workdir: Path | None = None,
    ) -> None:
        self.settings = settings
        self._environ = environ
        #: Where token_command runs (the workspace); ``None``: the current directory.
        self._workdir = workdir
        self._imap: imaplib.IMAP4 | None = None
        self._entered = False
        self._credentials: Credentials | None = None
        self._redactor = Redactor()
        self._selected: tuple[str, int] | None = None
        self._folders: list[tuple[str, bool]] | None = None

    # -- connecting ---------------------------------------------------------------------

    @property
    def where(self) -> str:
        """``host:port``, as errors name the server."""
        return f"{self.settings.host}:{self.settings.port}"

    def __enter__(self) -> ImapSource:
        self._entered = True
        try:
            self._connect()
        except BaseException:
            self._entered = False
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._entered = False
        self.close()

    def close(self) -> None:
        """Log out (politely if the link still works) and drop the connection."""
        imap, self._imap, self._selected = self._imap, None, None
        if imap is None:
            return
        try:
            imap.logout()
        except (imaplib.IMAP4.error, OSError, ValueError):
            with contextlib.suppress(OSError, ValueError):
                imap.shutdown()

    def _load_credentials(self) -> Credentials:
        if self._credentials is not None:
            return self._credentials
        settings = self.settings
        if settings.token_command:
            argv = split_command(settings.token_command, "token_command", _WHERE)
            token = run_secret_command(
                argv, "token_command", _WHERE, self._workdir or Path.cwd()
            )
            credentials = Credentials(settings.username, token=token)
        else:
            value = self._environ.get(settings.password_env, "")
            if not value:
                raise ConfigError(
                    f"{_WHERE}: no password for {settings.username} at {settings.host}: set "
                    f"the environment variable {settings.password_env}, or token_command"
                )
            credentials = Credentials(settings.username, password=Secret(value))
        self._credentials = credentials
        self._redactor = Redactor.for_credentials(credentials)
        return credentials

    def _tls_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context()
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        if self.settings.ca_file:
            try:
                context.load_verify_locations(cafile=self.settings.ca_file)
            except (OSError, ssl.SSLError) as exc:
                raise ConfigError(
                    f"{_WHERE} ca_file {self.settings.ca_file}: cannot load it: "
                    f"{getattr(exc, 'strerror', None) or exc}"
                ) from None
        return context

    def _connect(self) -> None:
        """Open, encrypt and log in, trying again where the server calls its refusal temporary.

        A temporary refusal says nothing about the password or token, so trying again cannot
        lock the account; each try is a new connection, as the server may have ended the old.
        """
        for attempt in range(1, LOGIN_ATTEMPTS + 1):
            try:
                self._connect_once()
                return
            except _TemporaryRefusal as exc:
                if attempt == LOGIN_ATTEMPTS:
                    raise MailSourceError(f"{exc} (tried {attempt} times)") from None
                log.info("%s; trying again in %g s", exc, LOGIN_RETRY_PAUSE)
                sleep(LOGIN_RETRY_PAUSE)

    def _connect_once(self) -> None:
        """Open, encrypt and log in; every failure is one line naming the server."""
        credentials = self._load_credentials()
        context = self._tls_context()
        settings, where = self.settings, self.where
        imap: imaplib.IMAP4 | None = None
        try:
            if settings.security == "tls":
                imap = imaplib.IMAP4_SSL(
                    settings.host, settings.port, ssl_context=context, timeout=TIMEOUT
                )
            else:
                imap = imaplib.IMAP4(settings.host, settings.port, timeout=TIMEOUT)
                # Never shown the commands: imaplib's debug output would include LOGIN's password.
                imap.debug = 0
                if "STARTTLS" not in imap.capabilities:
                    raise MailSourceError(
                        f"IMAP {where}: the server does not offer STARTTLS; refusing to log in "
                        "without TLS (use security = 'tls' if it listens for implicit TLS)"
                    )
                imap.starttls(ssl_context=context)
            imap.debug = 0
            # Checked on the live socket, not taken from the settings.
            if not isinstance(imap.sock, ssl.SSLSocket):  # pragma: no cover - belt and braces
                raise MailSourceError(f"IMAP {where}: the connection is not encrypted")
            self._login(imap, credentials)
        except MailSourceError:
            _drop(imap)
            raise
        except ssl.SSLCertVerificationError as exc:
            _drop(imap)
            raise MailSourceError(
                f"IMAP {where}: the server's certificate cannot be trusted "
                f"({exc.verify_message}); for a private server, set ca_file"
            ) from None
        except ssl.SSLError as exc:
            _drop(imap)
            raise MailSourceError(
                f"IMAP {where}: TLS failed ({exc.reason or exc}); is security = "
                f"'{settings.security}' right for port {settings.port}?"
            ) from None
        except imaplib.IMAP4.abort as exc:
            _drop(imap)
            raise MailSourceError(
                f"IMAP {where}: the server closed the connection: {self._clean(exc)}"
            ) from None
        except imaplib.IMAP4.error as exc:
            _drop(imap)
            raise MailSourceError(f"IMAP {where}: {self._clean(exc)}") from None
        except OSError as exc:
            _drop(imap)
            raise MailSourceError(
                f"IMAP {where}: cannot connect: {self._clean(_describe(exc))}"
            ) from None
        self._imap = imap
        self._selected = None

    def _login(self, imap: imaplib.IMAP4, credentials: Credentials) -> None:
        where, user = self.where, credentials.username
        capabilities = set(imap.capabilities)
        try:
            if credentials.token is not None:
                if "AUTH=XOAUTH2" not in capabilities:
                    raise MailSourceError(
                        f"IMAP {where}: the server does not offer XOAUTH2 for token_command"
                    )
                initial = _once(_xoauth2(user, credentials.token.reveal()))
                imap.authenticate("XOAUTH2", initial)
            elif credentials.password is not None:
                secret = credentials.password.reveal()
                if "AUTH=PLAIN" in capabilities:
                    # AUTHENTICATE PLAIN carries any UTF-8 password; LOGIN only ASCII.
                    imap.authenticate("PLAIN", _once(f"\0{user}\0{secret}".encode()))
                elif "LOGINDISABLED" in capabilities:
                    raise MailSourceError(
                        f"IMAP {where}: the server disables LOGIN and offers no AUTH=PLAIN; "
                        "cannot log in with a password"
                    )
                else:
                    imap.login(user, secret)
            # Servers announce more once logged in (ESEARCH, SPECIAL-USE); imaplib keeps the
            # greeting's list unless asked again.
            typ, data = imap.capability()
            if typ == "OK" and data and isinstance(data[-1], bytes):
                imap.capabilities = tuple(data[-1].decode("ascii", "replace").upper().split())
        except imaplib.IMAP4.abort:
            raise
        except imaplib.IMAP4.error as exc:
            reason = self._clean(exc)
            refusal = _TemporaryRefusal if "[UNAVAILABLE]" in reason.upper() else MailSourceError
            raise refusal(
                f"IMAP {where}: login as {user} ({credentials.mechanism}) refused: {reason}"
            ) from None
        except UnicodeEncodeError:
            raise MailSourceError(
                f"IMAP {where}: the server offers only LOGIN, which cannot carry a password "
                "that is not ASCII"
            ) from None

    def _clean(self, value: object) -> str:
        """A server's words (an exception, a reply's data) as one line with no secret in it."""
        if isinstance(value, list):
            value = " ".join(str(v) for v in value if v is not None)
        text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
        text = _BYTES_REPR.sub(r"\2", text)
        # Dovecot appends its timings: "(0.001 + 0.000 secs)".
        text = _TIMINGS.sub("", text)
        return self._redactor.clean(" ".join(text.split()))

    def _session(self) -> imaplib.IMAP4:
        if self._imap is None:
            if not self._entered:
                raise RuntimeError("use ImapSource as a context manager: with ImapSource(...)")
            self._connect()
        assert self._imap is not None
        return self._imap

    def _lost(self, exc: BaseException, folder: str, after: str = "") -> MailConnectionLost:
        """Forget the broken connection; the error says where reading stopped."""
        _drop(self._imap)
        self._imap, self._selected = None, None
        detail = self._clean(_describe(exc) if isinstance(exc, OSError) else exc)
        # imaplib's words: "command: UID => socket error: EOF".
        detail = re.sub(r"^command: \S+ => ", "", detail).replace(
            "socket error: EOF", "closed by the other end"
        )
        return MailConnectionLost(
            f"IMAP {self.where} folder {folder!r}: connection lost{after}: {detail}; "
            "what was read is kept, run the sync again to continue"
        )

    def _command(
        self,
        folder: str,
        failed: str,
        run: Callable[[imaplib.IMAP4], tuple[str, list[Any]]],
        *,
        after: str = "",
        only_ok: bool = True,
    ) -> tuple[str, list[Any]]:
        """Run one IMAP command on the session: a dropped connection is
        :class:`~outreach.errors.MailConnectionLost` (``after`` says where reading stopped),
        the server's refusal (an error, or with ``only_ok`` any answer but OK) a
        :class:`~outreach.errors.MailSourceError` naming the folder, then ``failed``."""
        imap = self._session()
        try:
            typ, data = run(imap)
        except (imaplib.IMAP4.abort, OSError) as exc:
            raise self._lost(exc, folder, after) from None
        except imaplib.IMAP4.error as exc:
            raise MailSourceError(
                f"IMAP {self.where} folder {folder!r}{failed}: {self._clean(exc)}"
            ) from None
        if only_ok and typ != "OK":
            raise MailSourceError(
                f"IMAP {self.where} folder {folder!r}{failed}: {self._clean(data)}"
            )
        return typ, data

    # -- folders ------------------------------------------------------------------------

    def folders(self) -> list[tuple[str, bool]]:
        """The folders to read, as ``(folder, is_sent)``: ``settings.folders`` and the Sent folder.

        The Sent folder is ``settings.sent_folder``, else the folder the server marks with the
        ``\\Sent`` special-use attribute (RFC 6154), else one named ``Sent``; without any, only
        ``settings.folders`` are read.
        """
        if self._folders is not None:
            return list(self._folders)
        sent = self.settings.sent_folder
        if sent is None:
            sent = self._find_sent_folder()
        chosen: list[tuple[str, bool]] = []
        for name in self.settings.folders:
            if name not in (folder for folder, _ in chosen):
                chosen.append((name, name == sent))
        if sent and sent not in self.settings.folders:
            chosen.append((sent, True))
        self._folders = chosen
        return list(chosen)

    def _list(self, *arguments: str) -> tuple[str, list[Any]]:
        imap = self._session()
        try:
            return imap.list(*arguments)
        except (imaplib.IMAP4.abort, OSError) as exc:
            raise self._lost(exc, "*") from None
        except imaplib.IMAP4.error as exc:
            return "NO", [str(exc).encode()]

    def _find_sent_folder(self) -> str | None:
        typ: str = "NO"
        data: list[Any] = []
        if "SPECIAL-USE" in self._session().capabilities:
            # imaplib sends arguments as they are: this is LIST "" "*" RETURN (SPECIAL-USE).
            typ, data = self._list('""', '"*" RETURN (SPECIAL-USE)')
        if typ != "OK":
            # Without LIST-EXTENDED the attributes, when a server has them, come with LIST.
            typ, data = self._list('""', '"*"')
        if typ != "OK":
            raise MailSourceError(
                f"IMAP {self.where}: cannot list the folders: {self._clean(data)}"
            )
        listed = list(_parse_list(data))
        for name, attributes in listed:
            if "\\sent" in attributes and "\\noselect" not in attributes:
                return name
        for name, attributes in listed:
            if name.lower() == "sent" and "\\noselect" not in attributes:
                return name
        log.info("IMAP %s: no folder is marked \\Sent; set sent_folder to read it", self.where)
        return None

    def _is_sent(self, folder: str) -> bool:
        return any(name == folder and sent for name, sent in self.folders())

    def _examine(self, folder: str) -> tuple[int, int | None]:
        """Open ``folder`` read-only; returns (UIDVALIDITY, UIDNEXT or None)."""
        self._command(
            folder,
            ": cannot open it",
            lambda imap: imap.select(_quote(encode_mailbox_name(folder)), readonly=True),
        )
        imap = self._session()
        uidvalidity = _number(imap.untagged_responses.get("UIDVALIDITY"))
        if uidvalidity is None:
            raise MailSourceError(
                f"IMAP {self.where} folder {folder!r}: the server gave no UIDVALIDITY"
            )
        self._selected = (folder, uidvalidity)
        return uidvalidity, _number(imap.untagged_responses.get("UIDNEXT"))

    def _ensure_selected(self, folder: str, uidvalidity: int | None = None) -> int:
        """Have ``folder`` open (again, after a reconnect or another folder); its UIDVALIDITY."""
        if self._imap is not None and self._selected and self._selected[0] == folder:
            current = self._selected[1]
        else:
            current, _ = self._examine(folder)
        if uidvalidity is not None and current != uidvalidity:
            raise MailSourceError(
                f"IMAP {self.where} folder {folder!r}: UIDVALIDITY changed from {uidvalidity} "
                f"to {current} while reading; run the sync again"
            )
        return current

    def status(self, folder: str) -> FolderStatus:
        """The folder's UIDVALIDITY, UIDNEXT and message count, without opening it.

        Cheap enough to ask for every folder before a sync: a folder whose UIDVALIDITY is the
        recorded one and whose UIDNEXT is the last UID read plus one has nothing new.
        """

        def status(imap: imaplib.IMAP4) -> tuple[str, list[Any]]:
            if self._selected and self._selected[0] == folder:
                # For the open folder the server answers from this session's view, which
                # catches up with new mail only when it is asked to (RFC 3501 6.3.10).
                imap.noop()
            return imap.status(
                _quote(encode_mailbox_name(folder)), "(MESSAGES UIDNEXT UIDVALIDITY)"
            )

        typ, data = self._command(folder, ": STATUS failed", status, only_ok=False)
        values: dict[str, int] = {}
        for line in data if typ == "OK" else ():
            if isinstance(line, bytes):
                for name, number in _STATUS_ITEM.findall(line):
                    values[name.decode().upper()] = int(number)
        if typ != "OK" or not {"MESSAGES", "UIDNEXT", "UIDVALIDITY"} <= values.keys():
            raise MailSourceError(
                f"IMAP {self.where} folder {folder!r}: STATUS failed: {self._clean(data)}"
            )
        return FolderStatus(values["UIDVALIDITY"], values["UIDNEXT"], values["MESSAGES"])

    # -- reading ------------------------------------------------------------------------

    def fetch_new(self, folder: str, state: tuple[int, int] | None) -> Iterator[FetchedMessage]:
        """The headers of the messages in ``folder`` newer than ``state``, in ascending UID order.

        ``state`` is ``(uidvalidity, last_uid)`` recorded by the previous sync, or ``None``.
        When the folder's UIDVALIDITY is not the recorded one, every message is read again
        from UID 1. Messages are fetched :data:`BATCH_SIZE` at a time with
        ``BODY.PEEK[HEADER]`` in a folder opened with EXAMINE, so nothing on the server
        changes. A dropped connection raises :class:`~outreach.errors.MailConnectionLost`
        after the messages already yielded; calling again with the last UID yielded goes on
        from there.
        """
        uidvalidity, uidnext = self._examine(folder)
        start = 1
        if state is not None and state[0] == uidvalidity:
            start = state[1] + 1
        elif state is not None:
            log.info(
                "IMAP %s folder %r: UIDVALIDITY changed from %d to %d, reading it all again",
                self.where,
                folder,
                state[0],
                uidvalidity,
            )
        if uidnext is not None and start >= uidnext:
            return
        is_sent = self._is_sent(folder)
        last = start - 1
        for batch in self._uid_batches(folder, uidvalidity, start, uidnext):
            self._ensure_selected(folder, uidvalidity)
            after = f" after UID {last}" if last >= start else ""
            for uid, header in self._fetch_headers(folder, batch, after):
                last = uid
                yield FetchedMessage(folder, uidvalidity, uid, is_sent, header)

    def _uid_batches(
        self, folder: str, uidvalidity: int, start: int, uidnext: int | None
    ) -> Iterator[list[int]]:
        """The UIDs from ``start`` up, ascending, :data:`BATCH_SIZE` at a time.

        With ESEARCH (RFC 4731) the server sends them as a compact sequence set in one reply.
        Without it, a plain SEARCH is asked for one window of UIDs at a time, so that no reply
        grows past imaplib's line limit (1 MB) however large the folder.
        """
        pending: list[int] = []
        if "ESEARCH" in self._session().capabilities:
            sources: Iterator[Iterator[int]] = iter([self._esearch(folder, start)])
        else:
            sources = self._search_windows(folder, uidvalidity, start, uidnext)
        for uids in sources:
            for uid in uids:
                pending.append(uid)
                if len(pending) == BATCH_SIZE:
                    yield pending
                    pending = []
        if pending:
            yield pending

    def _search(self, folder: str, *criteria: str) -> list[Any]:
        _, data = self._command(
            folder, ": SEARCH failed", lambda imap: imap.uid("SEARCH", *criteria)
        )
        return data

    def _esearch(self, folder: str, start: int) -> Iterator[int]:
        self._search(folder, "RETURN", "(ALL)", "UID", f"{start}:*")
        _, replies = self._session().response("ESEARCH")
        ranges: list[tuple[int, int]] = []
        for reply in replies or ():
            if isinstance(reply, bytes) and (found := _ESEARCH_ALL.search(reply)):
                ranges.extend(_parse_sequence_set(found.group(1)))
        ranges.sort()
        # "n:*" also matches the highest UID when it is below n: keep only >= start.
        for low, high in ranges:
            yield from range(max(low, start), high + 1)

    def _search_windows(
        self, folder: str, uidvalidity: int, start: int, uidnext: int | None
    ) -> Iterator[Iterator[int]]:
        low = start
        while True:
            high = low + SEARCH_WINDOW - 1
            last_window = uidnext is None or high >= uidnext - 1
            self._ensure_selected(folder, uidvalidity)
            # The last window is open-ended: it also finds mail that arrived since EXAMINE.
            window = f"{low}:*" if last_window else f"{low}:{high}"
            data = self._search(folder, "UID", window)
            found: array[int] = array("L")
            for line in data:
                if isinstance(line, bytes):
                    found.extend(u for m in _NUMBER.finditer(line) if (u := int(m.group())) >= low)
            yield iter(sorted(found))
            if last_window:
                return
            low = high + 1

    def _fetch_headers(
        self, folder: str, uids: Sequence[int], after: str
    ) -> list[tuple[int, bytes]]:
        _, data = self._command(
            folder,
            ": FETCH failed",
            lambda imap: imap.uid("FETCH", _sequence_set(uids), "(UID BODY.PEEK[HEADER])"),
            after=after,
        )
        wanted = set(uids)
        found = {uid: body for uid, body in _parse_fetch(data, b"BODY[HEADER]") if uid in wanted}
        # A message expunged by another client since SEARCH is simply gone: nothing to read.
        return sorted(found.items())

    def fetch_body(self, folder: str, uid: int) -> bytes:
        """The whole message ``uid`` of ``folder`` (``BODY.PEEK[]``: it stays unread)."""
        self._ensure_selected(folder)
        typ, data = self._command(
            folder,
            f" UID {uid}: FETCH failed",
            lambda imap: imap.uid("FETCH", str(uid), "(UID BODY.PEEK[])"),
            after=f" reading UID {uid}",
            only_ok=False,
        )
        if typ == "OK":
            for got, body in _parse_fetch(data, b"BODY[]"):
                if got == uid:
                    return body
        raise MailSourceError(
            f"IMAP {self.where} folder {folder!r}: no message with UID {uid} (deleted since?)"
        )


# -- the wire format ------------------------------------------------------------------------


class _TemporaryRefusal(MailSourceError):
    """A login the server refused with ``[UNAVAILABLE]``: worth another try, not the user's fault."""


def _drop(imap: imaplib.IMAP4 | None) -> None:
    if imap is None:
        return
    with contextlib.suppress(OSError, ValueError, AttributeError):
        imap.shutdown()


def _describe(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return f"no answer within {TIMEOUT:g} s"
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__


def _xoauth2(user: str, token: str) -> bytes:
    from .secrets import xoauth2_string

    return xoauth2_string(user, token).encode()


def _once(first: bytes) -> Any:
    """An imaplib authenticator sending ``first``, then an empty answer to any challenge.

    A server that refuses XOAUTH2 sends a JSON error as a challenge; the empty answer ends
    the exchange so the server can reply NO.
    """
    sent = False

    def answer(_challenge: bytes) -> bytes:
        nonlocal sent
        if sent:
            return b""
        sent = True
        return first

    return answer


def _quote(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _number(values: list[Any] | None) -> int | None:
    for value in values or ():
        if isinstance(value, bytes) and value.strip().isdigit():
            return int(value)
    return None


def _sequence_set(uids: Sequence[int]) -> str:
    """``1:500`` for a run, ``3,5,7:9`` with gaps: short commands for sorted UIDs."""
    parts: list[str] = []
    first = previous = uids[0]
    for uid in uids[1:]:
        if uid == previous + 1:
            previous = uid
            continue
        parts.append(f"{first}:{previous}" if previous != first else str(first))
        first = previous = uid
    parts.append(f"{first}:{previous}" if previous != first else str(first))
    return ",".join(parts)


# imaplib puts the server's words in its exceptions as a list of bytes: [b'...'].
_BYTES_REPR = re.compile(r"""\[?\bb(['"])(.*?)\1\]?""")
_TIMINGS = re.compile(r"\s*\(\d+\.\d+( \+ \d+\.\d+)* secs\)")
_UID = re.compile(rb"\bUID (\d+)")
_STATUS_ITEM = re.compile(rb"\b(MESSAGES|UIDNEXT|UIDVALIDITY) (\d+)", re.IGNORECASE)
_NUMBER = re.compile(rb"\d+")
_ESEARCH_ALL = re.compile(rb"\bALL ([0-9:,]+)")


def _parse_sequence_set(text: bytes) -> Iterator[tuple[int, int]]:
    """``1:3,7,9:8`` -> (1, 3), (7, 7), (8, 9)."""
    for part in text.split(b","):
        low, _, high = part.partition(b":")
        first, second = int(low), int(high or low)
        yield min(first, second), max(first, second)


def _parse_fetch(data: list[Any], item: bytes) -> Iterator[tuple[int, bytes]]:
    """(UID, literal) pairs from an imaplib FETCH reply.

    imaplib gives a message with a literal as a tuple (text up to the literal, the literal),
    followed by the bytes after it; the UID may sit on either side. Unsolicited FETCH
    replies (flag updates from other clients) have no literal and are skipped.
    """
    for index, entry in enumerate(data):
        if not isinstance(entry, tuple):
            continue
        if item not in entry[0] and item not in entry[0].upper():  # servers answer in capitals
            continue
        match = _UID.search(entry[0])
        if match is None and index + 1 < len(data) and isinstance(data[index + 1], bytes):
            match = _UID.search(data[index + 1])
        if match is not None:
            yield int(match.group(1)), entry[1]


_LIST = re.compile(rb'\((?P<attributes>[^)]*)\) (?P<delimiter>"(?:[^"\\]|\\.)*"|NIL) (?P<name>.*)')


def _parse_list(data: list[Any]) -> Iterator[tuple[str, set[str]]]:
    """(folder name, lower-cased attributes) from an imaplib LIST reply."""
    for entry in data:
        if isinstance(entry, tuple):  # the name came as a literal
            text, raw = entry[0], entry[1]
        elif isinstance(entry, bytes):
            text, raw = entry, None
        else:
            continue
        match = _LIST.match(text)
        if match is None:
            continue
        if raw is None:
            raw = match.group("name").strip()
            if raw.startswith(b'"') and raw.endswith(b'"'):
                raw = re.sub(rb"\\(.)", rb"\1", raw[1:-1])
        attributes = {
            a.lower() for a in match.group("attributes").decode("ascii", "replace").split()
        }
        yield decode_mailbox_name(raw.decode("ascii", "replace")), attributes


def encode_mailbox_name(name: str) -> str:
    """A folder name in IMAP's modified UTF-7 (RFC 3501 5.1.3), as the server expects it."""
    out: list[str] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            raw = "".join(pending).encode("utf-16-be")
            out.append(
                "&" + base64.b64encode(raw).decode("ascii").rstrip("=").replace("/", ",") + "-"
            )
            pending.clear()

    for char in name:
        if 0x20 <= ord(char) <= 0x7E:
            flush()
            out.append("&-" if char == "&" else char)
        else:
            pending.append(char)
    flush()
    return "".join(out)


def decode_mailbox_name(name: str) -> str:
    """A folder name from the server's modified UTF-7 back to text."""

    def decode(match: re.Match[str]) -> str:
        chunk = match.group(1)
        if not chunk:
            return "&"
        padded = chunk.replace(",", "/") + "=" * (-len(chunk) % 4)
        try:
            return base64.b64decode(padded).decode("utf-16-be")
        except (ValueError, UnicodeDecodeError):
            return match.group(0)

    return re.sub(r"&([^-]*)-", decode, name)
