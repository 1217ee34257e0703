"""The account's ``[email]`` table in ``outreach.toml``: the server, credentials and limits.

These settings belong to the account, never to a campaign: campaign files hold only what a
message says (see :mod:`.options`). Passwords are never written here; ``password_env`` names
an environment variable and ``password_command`` / ``token_command`` run a program (a
keyring, ``pass``, an OAuth helper) whose output is the secret.

A ``preset`` fills in the server and the published sending limits of a large provider;
anything set explicitly wins over the preset.
"""

from __future__ import annotations

import socket
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any, Literal

from outreach.errors import ConfigError
from outreach.options import parse_table
from outreach.retry import RetryPolicy

__all__ = ["PRESETS", "ServerSettings", "load_settings"]

Security = Literal["starttls", "tls", "none"]

#: Providers' servers and sending limits. Limits count recipients; the per-minute figures
#: are conservative pacing for personal mail (the providers publish daily caps).
PRESETS: dict[str, dict[str, Any]] = {
    # Gmail: 500 recipients in a rolling 24 hours for a personal account.
    "gmail": {
        "host": "smtp.gmail.com",
        "port": 587,
        "security": "starttls",
        "per_day": 500,
        "per_minute": 20,
    },
    # Google Workspace: 2,000 recipients a day (trial accounts get 500).
    "google-workspace": {
        "host": "smtp.gmail.com",
        "port": 587,
        "security": "starttls",
        "per_day": 2000,
        "per_minute": 60,
    },
    # Microsoft 365 / Exchange Online: 10,000 recipients a day, 30 messages a minute.
    "microsoft365": {
        "host": "smtp.office365.com",
        "port": 587,
        "security": "starttls",
        "per_day": 10000,
        "per_minute": 30,
    },
}

_DEFAULT_PORTS = {"starttls": 587, "tls": 465, "none": 25}


def _default_local_hostname() -> str:
    # socket.getfqdn() can block on a reverse DNS lookup; the plain host name cannot.
    name = socket.gethostname().strip().rstrip(".")
    return name if name and name.isascii() and " " not in name else "localhost"


@dataclass(slots=True)
class ServerSettings:
    """The ``[email]`` table of ``outreach.toml``."""

    #: ``gmail``, ``google-workspace`` or ``microsoft365``: server and limits of a provider.
    preset: str = ""
    host: str = ""
    #: 0: the usual port for ``security`` (587, 465 or 25).
    port: int = 0
    #: ``starttls`` (587) or ``tls`` (465) verify the server's certificate; ``none`` is for
    #: an unauthenticated relay only and never carries a password.
    security: Security = "starttls"
    username: str = ""
    #: The environment variable holding the password.
    password_env: str = "OUTREACH_SMTP_PASSWORD"
    #: A program (a list, or text split like a shell would) printing the password.
    password_command: list[str] | str = field(default_factory=list)
    #: A program printing an OAuth 2 access token: authenticates with XOAUTH2.
    token_command: list[str] | str = field(default_factory=list)
    #: Extra certificate authorities to trust (a PEM file), for a private server.
    ca_file: str = ""
    #: Connections kept open and reused while sending.
    pool_size: int = 4
    #: Seconds to connect (including TLS and login).
    connect_timeout: float = 30.0
    #: Seconds to wait for the reply to each command.
    timeout: float = 60.0
    #: Seconds to wait for the reply after a whole message was sent.
    data_timeout: float = 300.0
    #: Seconds a run may spend sending; 0: no limit. Started messages are finished.
    deadline: float = 0.0
    #: The name given in EHLO; default: this machine's host name.
    local_hostname: str = ""
    #: Messages (recipients) per minute; 0: no limit.
    per_minute: int = 0
    #: Recipients per rolling 24 hours; 0: no limit. A run stops cleanly when it is reached.
    per_day: int = 0
    #: Recipients at one domain per minute; 0: no limit.
    per_domain_per_minute: int = 0
    #: Attempts for a temporary failure (4xx, dropped connection) before it counts as failed.
    retries: int = 5
    #: Seconds before the first retry; doubles each time, with jitter.
    backoff: float = 5.0
    #: The longest wait between two attempts, in seconds.
    backoff_max: float = 300.0

    def __post_init__(self) -> None:
        if self.preset and self.preset not in PRESETS:
            raise ValueError(
                f"preset must be one of {', '.join(sorted(PRESETS))}, not {self.preset!r}"
            )
        for name in ("pool_size", "retries"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")
        for name in ("per_minute", "per_day", "per_domain_per_minute"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be 0 (no limit) or more")
        for name in ("connect_timeout", "timeout", "data_timeout"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be more than 0 seconds")
        if self.deadline < 0 or self.backoff < 0 or self.backoff_max < 0:
            raise ValueError("deadline, backoff and backoff_max cannot be negative")
        if self.security == "none" and (
            self.username or self.password_command or self.token_command
        ):
            raise ValueError(
                "security = 'none' is only for an unauthenticated relay: a password or token "
                "is never sent without TLS (use 'starttls' or 'tls', or remove the credentials)"
            )
        if self.password_command and self.token_command:
            raise ValueError("give password_command or token_command, not both")
        if (self.password_command or self.token_command) and not self.username:
            raise ValueError("username is needed with password_command or token_command")

    @property
    def retry_policy(self) -> RetryPolicy:
        """How a temporary failure is retried within a run (``retries``, ``backoff``, ...)."""
        return RetryPolicy.from_settings(self)

    @property
    def effective_port(self) -> int:
        """The port to connect to."""
        return self.port or _DEFAULT_PORTS[self.security]

    @property
    def ehlo_name(self) -> str:
        """The name this client gives in EHLO."""
        return self.local_hostname or _default_local_hostname()


def load_settings(table: Mapping[str, Any], where: str) -> ServerSettings:
    """Parse the ``[email]`` table (``where`` names it in messages), applying a preset."""
    settings = parse_table(ServerSettings, table, where)
    if settings.preset:
        given = {str(k).replace("-", "_") for k in table}
        known = {f.name for f in fields(ServerSettings)}
        defaults = {k: v for k, v in PRESETS[settings.preset].items() if k in known}
        try:
            settings = replace(settings, **{k: v for k, v in defaults.items() if k not in given})
        except ValueError as exc:  # pragma: no cover - presets are valid
            raise ConfigError(f"{where}: {exc}") from None
    return settings
