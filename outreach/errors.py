"""The exceptions outreach raises, and the exit status each one maps to.

Every error a user can cause (a bad file, an unknown key, a template mistake) is an
:class:`OutreachError`: its message is one line that names the file, the line or the contact,
so the command-line interface can print it as it is and exit with status 2.
"""

from __future__ import annotations

__all__ = [
    "BookConflictError",
    "ConfigError",
    "ContactNotFound",
    "DeliveryClaimed",
    "InputError",
    "JournalReplaced",
    "MailConnectionLost",
    "MailSourceError",
    "OutreachError",
    "StorageError",
    "TemplateRenderError",
]


class OutreachError(Exception):
    """Base class of every error that is the user's to fix; the message is shown as it is."""

    exit_code: int = 2


class InputError(OutreachError):
    """A file or value given to outreach cannot be used (malformed vCard, unknown format, ...)."""


class ConfigError(OutreachError):
    """A settings or campaign file has an unknown key or a value of the wrong kind."""


class ContactNotFound(OutreachError):
    """A CONTACT argument matched no contact, or more than one."""


class BookConflictError(OutreachError):
    """The address book changed on disk since it was read; saving would overwrite that change."""


class TemplateRenderError(OutreachError):
    """A template failed to compile or render; the message names template, line and contact."""


class StorageError(OutreachError):
    """A file or the journal cannot be read or written (disk full, read-only, no permission,
    locked); the message names the file and says what to do, and nothing was half-written."""


class JournalReplaced(OutreachError):
    """The journal a sending run opened was deleted or replaced on disk while it ran."""


class DeliveryClaimed(OutreachError):
    """Another run claimed a delivery first (it is sending or settled): not sending it again."""


class MailSourceError(OutreachError):
    """A mailbox to read (an IMAP account, a folder) cannot be read, or not safely."""


class MailConnectionLost(MailSourceError):
    """The mail server dropped the connection part way: what was read stands, run again later."""

    exit_code = 3
