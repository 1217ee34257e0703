"""One SMTP connection, opened safely with aiosmtplib, and the steps of a mail transaction.

Opening a connection is where security is decided, so it is strict whatever the settings say:

* ``tls`` and ``starttls`` verify the server's certificate and host name (``ca_file`` adds
  a private authority); ``starttls`` refuses a server that does not offer STARTTLS instead of
  carrying on in clear;
* credentials are sent only over a connection that is encrypted at that moment (checked on
  the live transport, not taken from the settings); ``none`` never authenticates;
* every failure message goes through the :class:`~.secrets.Redactor`.

A transaction is split in two (MAIL, RCPT and DATA; then the message) so the delivery loop
can mark a message as sending right before the message goes, and can tell a failure *before*
the message was handed over (safe to try again) from one *after* it (the outcome is unknown).
Once the connection is ready, its replies are read by :class:`~.replies.ReplyReader`, which
lets MAIL, RCPT and DATA go together to a server that offers PIPELINING (RFC 2920).
"""

from __future__ import annotations

import re
import ssl
from collections.abc import Sequence
from typing import TYPE_CHECKING

from .replies import Reply, ReplyReader
from .secrets import Credentials, Redactor
from .settings import ServerSettings

if TYPE_CHECKING:
    import aiosmtplib

__all__ = [
    "Connection",
    "Reply",
    "ServerUnavailable",
    "SetupError",
    "TransferLost",
    "make_tls_context",
]

_LEADING_DOT = re.compile(rb"(?m)^\.")
#: What may not appear in a command's arguments: a line break would start another command,
#: and no other control byte belongs in an address or an ESMTP parameter.
_CONTROL = re.compile(rb"[\x00-\x1f\x7f]")


class SetupError(Exception):
    """The connection cannot be made safely or at all (TLS, certificate, login): stop."""


class ServerUnavailable(Exception):
    """The server cannot be reached right now (refused, timed out, dropped): try later."""


class TransferLost(Exception):
    """The connection failed while the message itself was on its way: the outcome is unknown."""


def make_tls_context(settings: ServerSettings) -> ssl.SSLContext:
    """A client TLS context that verifies certificates and host names."""
    context = ssl.create_default_context()
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if settings.ca_file:
        try:
            context.load_verify_locations(cafile=settings.ca_file)
        except (OSError, ssl.SSLError) as exc:
            raise SetupError(f"ca_file {settings.ca_file}: cannot load it: {exc}") from None
    return context


class Connection:
    """An open, ready-to-send SMTP connection."""

    def __init__(self, smtp: aiosmtplib.SMTP, settings: ServerSettings) -> None:
        self._smtp = smtp
        self._settings = settings
        transport = smtp.transport
        assert transport is not None, "opened connections have a transport"
        # From here on the replies are read here, not by aiosmtplib (see .replies).
        self._reader = ReplyReader(transport)  # type: ignore[arg-type]
        self.pipelining = smtp.supports_extension("pipelining")

    @classmethod
    async def open(
        cls,
        settings: ServerSettings,
        credentials: Credentials | None,
        tls_context: ssl.SSLContext | None,
        redactor: Redactor,
    ) -> Connection:
        """Connect, secure, greet and log in; raise SetupError or ServerUnavailable."""
        import aiosmtplib

        where = f"{settings.host}:{settings.effective_port}"
        secure = settings.security != "none"
        smtp = aiosmtplib.SMTP(
            hostname=settings.host,
            port=settings.effective_port,
            use_tls=settings.security == "tls",
            start_tls=settings.security == "starttls",
            validate_certs=secure,
            tls_context=tls_context if secure else None,
            local_hostname=settings.ehlo_name,
            timeout=settings.timeout,
        )
        try:
            await smtp.connect(timeout=settings.connect_timeout)
            if smtp.is_ehlo_or_helo_needed:
                await smtp.ehlo()
            encrypted = smtp.get_transport_info("sslcontext") is not None
            if secure and not encrypted:
                raise SetupError(f"{where}: the connection is not encrypted; not sending")
            if credentials is not None:
                if not encrypted:  # pragma: no cover - settings forbid this; belt and braces
                    raise SetupError(f"{where}: refusing to log in without TLS")
                await cls._login(smtp, credentials)
        except SetupError:
            smtp.close()
            raise
        except ssl.SSLCertVerificationError as exc:
            smtp.close()
            raise SetupError(
                f"{where}: the server's certificate cannot be trusted ({exc.verify_message}); "
                "for a private server, set ca_file"
            ) from None
        except ssl.SSLError as exc:
            smtp.close()
            raise SetupError(f"{where}: TLS failed: {exc.reason or exc}") from None
        except aiosmtplib.SMTPAuthenticationError as exc:
            smtp.close()
            text = redactor.clean(str(Reply(exc.code, exc.message)))
            raise SetupError(
                f"{where}: login as {credentials.username if credentials else '?'} "
                f"({credentials.mechanism if credentials else ''}) refused: {text}"
            ) from None
        except aiosmtplib.SMTPConnectResponseError as exc:
            smtp.close()
            reply = Reply(exc.code, exc.message)
            if reply.temporary:
                raise ServerUnavailable(f"{where}: {redactor.clean(str(reply))}") from None
            raise SetupError(
                f"{where}: refused the connection: {redactor.clean(str(reply))}"
            ) from None
        except (aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPTimeoutError, OSError) as exc:
            smtp.close()
            raise ServerUnavailable(f"{where}: {redactor.clean(_describe(exc))}") from None
        except aiosmtplib.SMTPResponseException as exc:
            smtp.close()
            reply = Reply(exc.code, exc.message)
            if reply.temporary:
                raise ServerUnavailable(f"{where}: {redactor.clean(str(reply))}") from None
            raise SetupError(f"{where}: {redactor.clean(str(reply))}") from None
        except aiosmtplib.SMTPException as exc:
            smtp.close()
            # aiosmtplib's words for a server without STARTTLS or AUTH are clear enough.
            raise SetupError(f"{where}: {redactor.clean(_describe(exc))}") from None
        return cls(smtp, settings)

    @staticmethod
    async def _login(smtp: aiosmtplib.SMTP, credentials: Credentials) -> None:
        if credentials.token is not None:
            await smtp.auth_xoauth2(credentials.username, credentials.token.reveal())
        elif credentials.password is not None:
            await smtp.login(credentials.username, credentials.password.reveal())

    @property
    def is_connected(self) -> bool:
        """True while the connection is usable."""
        return self._reader.lost is None and not self._reader.transport.is_closing()

    def supports(self, extension: str) -> bool:
        """Whether the server announced an ESMTP extension (``smtputf8``, ``size`` ...)."""
        return self._smtp.supports_extension(extension)

    async def command(self, *args: bytes) -> Reply:
        """Send one command and return its reply; ServerUnavailable when the link fails."""
        (reply,) = await self._exchange([_command_line(args)], 1)
        return reply

    async def start(self, sender: bytes, recipients: Sequence[bytes]) -> list[Reply]:
        """Begin a transaction: ``MAIL FROM:<sender> ...``, a ``RCPT TO`` per recipient, then
        ``DATA``; the replies in that order.

        To a server that offers PIPELINING the commands go together and every reply comes
        back. Otherwise they go one by one, and the list stops early at the reply that ends
        the transaction (MAIL refused, the first recipient refused, or DATA's reply).
        ServerUnavailable when the connection fails before the replies that matter came.
        """
        lines = [_command_line((b"MAIL", sender))]
        lines += [_command_line((b"RCPT", b"TO:<" + r + b">")) for r in recipients]
        lines.append(b"DATA\r\n")
        if self.pipelining:
            return await self._exchange(lines, len(lines))
        replies: list[Reply] = []
        for index, line in enumerate(lines):
            (reply,) = await self._exchange([line], 1)
            replies.append(reply)
            if (not reply.ok and index <= 1) or reply.closing:
                break
        return replies

    async def _exchange(self, lines: list[bytes], count: int) -> list[Reply]:
        """Write ``lines`` and read ``count`` replies. When the connection fails first,
        ServerUnavailable, unless a reply that came already refuses the transaction (it is
        returned with the rest missing)."""
        reader = self._reader
        try:
            reader.write(b"".join(lines), len(lines))
            replies = await reader.read(count, self._settings.timeout)
        except TimeoutError:  # before OSError, of which it is a kind
            self.close()
            raise ServerUnavailable(
                f"timed out waiting for the server's reply ({self._settings.timeout:g} s)"
            ) from None
        except (ConnectionError, OSError) as exc:
            self.close()
            raise ServerUnavailable(_describe(exc)) from None
        if reader.violation:
            # The replies may be paired with the wrong commands: none of them can be trusted.
            self.close()
            raise ServerUnavailable(reader.lost or "the server broke the protocol")
        if len(replies) < count:
            self.close()
            if not any(not reply.ok for reply in replies):
                raise ServerUnavailable(reader.lost or "connection lost")
        elif any(reply.closing for reply in replies):
            self.close()
        return replies

    async def reset(self) -> None:
        """RSET after a failed transaction; a connection that cannot reset is closed."""
        try:
            reply = await self.command(b"RSET")
        except ServerUnavailable:
            return
        if not reply.ok:
            self.close()

    async def transfer(self, data: bytes, timeout: float) -> Reply:
        """Send the message after a 354 reply to DATA, and wait for the server's verdict.

        Raises :class:`TransferLost` when the connection fails or the reply does not come in
        time: the server may or may not have taken the message.
        """
        if data.startswith(b".") or b"\n." in data:
            data = _LEADING_DOT.sub(b"..", data)
        if not data.endswith(b"\r\n"):
            data += b"\r\n"
        reader = self._reader
        try:
            reader.write(data + b".\r\n", 1)
        except (ConnectionError, OSError) as exc:
            self.close()
            raise ServerUnavailable(_describe(exc)) from None
        try:
            replies = await reader.read(1, timeout)
        except TimeoutError:
            self.close()
            raise TransferLost(
                f"timed out waiting for the server's reply ({timeout:g} s)"
            ) from None
        if not replies or reader.violation:
            self.close()
            raise TransferLost(reader.lost or "connection lost")
        reply = replies[0]
        if reply.closing:
            self.close()
        return reply

    async def quit(self) -> None:
        """Say goodbye politely; errors do not matter any more."""
        if self.is_connected:
            try:
                self._reader.write(b"QUIT\r\n", 1)
                await self._reader.read(1, min(self._settings.timeout, 10.0))
            except (ConnectionError, OSError, TimeoutError):
                pass
        self.close()

    def close(self) -> None:
        """Drop the connection."""
        self._reader.close()
        self._smtp.close()


def check_arguments(*args: bytes) -> None:
    """Raise ValueError when a command argument holds a control byte: a line break would
    smuggle in a second command. Checked whatever validated the address before."""
    for arg in args:
        if _CONTROL.search(arg):
            raise ValueError(f"an SMTP command argument holds a control character: {arg!r}")


def _command_line(args: Sequence[bytes]) -> bytes:
    """One command line (its arguments checked by :func:`check_arguments`)."""
    check_arguments(*args)
    return b" ".join(args) + b"\r\n"


def _describe(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    if isinstance(exc, TimeoutError) or "timed out" in text.lower():
        return f"timed out ({text})" if "timed out" not in text.lower() else text
    return text
