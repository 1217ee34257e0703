"""Credentials for the SMTP server.

A password comes from the environment variable ``password_env`` or the output of
``password_command``; an OAuth 2 token from ``token_command``. The :class:`Secret` that holds
them and the :class:`Redactor` that keeps them out of every message live in
:mod:`outreach.secrets`, shared with the IMAP account; they are re-exported here.
"""

from __future__ import annotations

import os
from pathlib import Path

from outreach.errors import ConfigError
from outreach.secrets import (
    COMMAND_TIMEOUT,
    Credentials,
    Redactor,
    Secret,
    run_secret_command,
    split_command,
)

from .settings import ServerSettings

__all__ = ["COMMAND_TIMEOUT", "Credentials", "Redactor", "Secret", "load_credentials"]


def load_credentials(settings: ServerSettings, where: str, cwd: Path) -> Credentials | None:
    """The credentials the settings point to, or ``None`` when the server needs none.

    Raises :class:`~outreach.errors.ConfigError` naming the setting (never the secret) when
    a password is needed and cannot be had.
    """
    if not settings.username:
        return None
    if settings.token_command:
        argv = split_command(settings.token_command, "token_command", where)
        return Credentials(
            settings.username, token=run_secret_command(argv, "token_command", where, cwd)
        )
    if settings.password_command:
        argv = split_command(settings.password_command, "password_command", where)
        return Credentials(
            settings.username,
            password=run_secret_command(argv, "password_command", where, cwd),
        )
    value = os.environ.get(settings.password_env, "")
    if not value:
        raise ConfigError(
            f"{where}: no password for {settings.username}: set the environment variable "
            f"{settings.password_env}, or password_command"
        )
    return Credentials(settings.username, password=Secret(value))
