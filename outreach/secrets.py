"""Passwords and tokens for mail servers, and keeping them out of every message outreach writes.

Shared by everything that logs in to a mail server (the email channel's SMTP account, the
``[imap]`` account that ``mail sync`` reads). A secret is held in a :class:`Secret` whose
``repr`` and ``str`` hide the value, and every text outreach shows or records about a server
(errors, warnings, the journal's ``last_error``) goes through :meth:`Redactor.clean`, which
removes the secret and the encodings it travels in on the wire (AUTH PLAIN, AUTH LOGIN and
XOAUTH2 are base64), in case a server echoes them back.

A secret never comes from a settings file: it comes from an environment variable or from the
output of a program (a keyring, ``pass``, an OAuth helper) run by :func:`run_secret_command`.
"""

from __future__ import annotations

import base64
import shlex
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ConfigError

__all__ = [
    "COMMAND_TIMEOUT",
    "Credentials",
    "Redactor",
    "Secret",
    "run_secret_command",
    "split_command",
    "xoauth2_string",
]

#: Seconds a password or token command may take.
COMMAND_TIMEOUT = 60
_HIDDEN = "[secret]"


class Secret:
    """A password or token; printing it shows ``[secret]``."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The secret itself, for the one place that sends it (over TLS)."""
        return self._value

    def __repr__(self) -> str:
        return f"Secret({_HIDDEN})"

    def __str__(self) -> str:
        return _HIDDEN

    def __bool__(self) -> bool:
        return bool(self._value)


@dataclass(slots=True)
class Credentials:
    """Who to log in as, and with what; ``None`` for an unauthenticated relay."""

    username: str
    password: Secret | None = None
    token: Secret | None = None

    @property
    def mechanism(self) -> str:
        """``XOAUTH2`` for a token, else ``password``."""
        return "XOAUTH2" if self.token is not None else "password"


def xoauth2_string(username: str, token: str) -> str:
    """The SASL XOAUTH2 initial response (before base64), as Google and Microsoft define it."""
    return f"user={username}\x01auth=Bearer {token}\x01\x01"


@dataclass(slots=True)
class Redactor:
    """Removes secrets (and their base64 forms) from text before it is shown or stored."""

    _needles: list[str] = field(default_factory=list)

    @classmethod
    def for_credentials(cls, credentials: Credentials | None) -> Redactor:
        """A redactor for everything these credentials put on the wire."""
        redactor = cls()
        if credentials is None:
            return redactor
        user = credentials.username
        for secret in (credentials.password, credentials.token):
            if secret is None or not secret:
                continue
            value = secret.reveal()
            redactor.add(value)
            raw = value.encode("utf-8")
            redactor.add(base64.b64encode(raw).decode("ascii"))
            plain = f"\0{user}\0{value}".encode()
            redactor.add(base64.b64encode(plain).decode("ascii"))
            oauth = xoauth2_string(user, value).encode()
            redactor.add(base64.b64encode(oauth).decode("ascii"))
        return redactor

    def add(self, needle: str) -> None:
        """Hide ``needle`` (and, for base64, its unpadded form) from now on."""
        for candidate in (needle, needle.rstrip("=")):
            if len(candidate) >= 3 and candidate not in self._needles:
                self._needles.append(candidate)
        # Longest first, so a secret inside a longer encoding does not break it up.
        self._needles.sort(key=len, reverse=True)

    def clean(self, text: str) -> str:
        """``text`` with every known secret replaced by ``[secret]``."""
        for needle in self._needles:
            if needle in text:
                text = text.replace(needle, _HIDDEN)
        return text


def split_command(value: list[str] | str, key: str, where: str) -> list[str]:
    """A command setting as an argument list: a list as it is, text split like a shell would."""
    if isinstance(value, str):
        try:
            argv = shlex.split(value)
        except ValueError as exc:
            raise ConfigError(f"{where} {key}: cannot split the command: {exc}") from None
    else:
        argv = list(value)
    if not argv:
        raise ConfigError(f"{where} {key} is empty")
    return argv


def run_secret_command(argv: list[str], key: str, where: str, cwd: Path) -> Secret:
    """Run a password or token program and return the first line it prints, as a secret.

    Failures become a :class:`~outreach.errors.ConfigError` naming the setting and the
    program; the program's output is never shown, since a confused helper may print the
    secret in an error.
    """
    program = Path(argv[0]).name
    try:
        done = subprocess.run(
            argv,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=COMMAND_TIMEOUT,
            check=False,
        )
    except FileNotFoundError:
        raise ConfigError(f"{where} {key}: program {program!r} not found") from None
    except subprocess.TimeoutExpired:
        raise ConfigError(
            f"{where} {key}: {program} did not finish within {COMMAND_TIMEOUT} s"
        ) from None
    except OSError as exc:
        raise ConfigError(f"{where} {key}: cannot run {program}: {exc.strerror}") from None
    if done.returncode != 0:
        raise ConfigError(f"{where} {key}: {program} failed with exit status {done.returncode}")
    text = done.stdout.decode("utf-8", errors="replace")
    # The secret is the first line, as `pass` and most keyring helpers print it.
    value = text.splitlines()[0].strip() if text.strip() else ""
    if not value:
        raise ConfigError(f"{where} {key}: {program} printed nothing")
    return Secret(value)
