"""One SMTP connection, opened safely with aiosmtplib, and the steps of a mail transaction.

Opening a connection is where security is decided, so it is strict whatever the settings say:

* ``tls`` and ``starttls`` verify the server's certificate and host name (``ca_file`` adds
  a private authority); ``starttls`` refuses a server that does not offer STARTTLS instead of
  carrying on in clear;
* credentials are sent only over a connection that is encrypted at that moment (checked on
  the live transport, not taken from the settings); ``none`` never authenticates;
* every failure message goes through the :class:`~.secrets.Redactor`.

A transaction is split into its steps (MAIL, RCPT, DATA, the message) so the delivery loop
can mark a message as sending right before DATA, and can tell a failure *before* the message
was handed over (safe to try again) from one *after* it (the outcome is unknown).
"""

from __future__ import annotations

import re
import ssl
from dataclasses import dataclass
from typing import TYPE_CHECKING

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


class SetupError(Exception):
    """The connection cannot be made safely or at all (TLS, certificate, login): stop."""


class ServerUnavailable(Exception):
    """The server cannot be reached right now (refused, timed out, dropped): try later."""


class TransferLost(Exception):
    """The connection failed while the message itself was on its way: the outcome is unknown."""


@dataclass(frozen=True, slots=True)
class Reply:
    """A server reply: code and text."""

    code: int
    text: str

    @property
    def ok(self) -> bool:
        """2xx or 3xx."""
        return 200 <= self.code < 400

    @property
    def temporary(self) -> bool:
        """4xx: try again later."""
        return 400 <= self.code < 500

    @property
    def closing(self) -> bool:
        """421: the server is closing the connection."""
        return self.code == 421

    def __str__(self) -> str:
        return f"{self.code} {' '.join(self.text.split())}".strip()


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
        return self._smtp.is_connected

    def supports(self, extension: str) -> bool:
        """Whether the server announced an ESMTP extension (``smtputf8``, ``size`` ...)."""
        return self._smtp.supports_extension(extension)

    async def command(self, *args: bytes) -> Reply:
        """Send one command and return its reply; ServerUnavailable when the link fails."""
        import aiosmtplib

        try:
            response = await self._smtp.execute_command(*args)
        except (aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPTimeoutError, OSError) as exc:
            self.close()
            raise ServerUnavailable(_describe(exc)) from None
        reply = Reply(response.code, response.message)
        if reply.closing:
            self.close()
        return reply

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
        import aiosmtplib

        protocol = self._smtp.protocol
        if protocol is None:
            raise ServerUnavailable("connection lost before the message was sent")
        if data.startswith(b".") or b"\n." in data:
            data = _LEADING_DOT.sub(b"..", data)
        if not data.endswith(b"\r\n"):
            data += b"\r\n"
        try:
            protocol.write(data + b".\r\n")
        except aiosmtplib.SMTPServerDisconnected as exc:
            self.close()
            raise ServerUnavailable(_describe(exc)) from None
        try:
            response = await protocol.read_response(timeout=timeout)
        except (aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPTimeoutError, OSError) as exc:
            self.close()
            raise TransferLost(_describe(exc)) from None
        reply = Reply(response.code, response.message)
        if reply.closing:
            self.close()
        return reply

    async def quit(self) -> None:
        """Say goodbye politely; errors do not matter any more."""
        import aiosmtplib

        if not self._smtp.is_connected:
            return
        try:
            await self._smtp.quit(timeout=min(self._settings.timeout, 10.0))
        except (aiosmtplib.SMTPException, OSError):
            self.close()

    def close(self) -> None:
        """Drop the connection."""
        self._smtp.close()


def _describe(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    if isinstance(exc, TimeoutError) or "timed out" in text.lower():
        return f"timed out ({text})" if "timed out" not in text.lower() else text
    return text
