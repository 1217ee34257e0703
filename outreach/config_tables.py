"""The tables of ``outreach.toml``: which ones exist, and checking them when a campaign loads.

``outreach.toml`` is written by hand, so a misspelt table (``[emial]``) must be an error
rather than settings silently ignored. The known tables are the core's own
(:data:`CORE_TABLES`), each channel's account table (:attr:`outreach.Channel.Settings`) and
those other plugins declare (the ``register_settings_tables`` hook). :func:`check_settings`
runs when a campaign is loaded, so a dry run catches a mistake before anything is sent.
"""

from __future__ import annotations

import dataclasses
import difflib
from typing import TYPE_CHECKING

from .errors import ConfigError
from .options import parse_table

if TYPE_CHECKING:
    from .pluginhost import PluginHost
    from .workspace import Workspace

__all__ = ["CORE_TABLES", "check_settings", "known_tables"]

#: The core's tables, and what each holds. A new core table is one line here.
CORE_TABLES: dict[str, str] = {
    "me": "who the campaigns come from",
    "book": "where the address book is",
    "journal": "where the journal is",
    "plan": "the touch plan: cadences, how far ahead 'soon' looks",
    "reminders": "the calendar reminders of outreach reminders",
    "mail": "what outreach mail sync reads, and your other addresses",
    "imap": "the IMAP account outreach mail sync reads",
}


def known_tables(host: PluginHost) -> dict[str, type | None]:
    """Every table ``outreach.toml`` may have, with the dataclass that checks its keys
    (``None``: checked by whoever reads it)."""
    tables: dict[str, type | None] = dict.fromkeys(CORE_TABLES)
    for name, settings in host.settings_tables().items():
        tables.setdefault(name, settings)
    return tables


def check_settings(workspace: Workspace, host: PluginHost) -> None:
    """Check every top-level table of ``outreach.toml`` against what is known.

    An unknown table is a ConfigError with a did-you-mean; a known one that a plugin declared
    with a dataclass has its keys and values checked (a channel's own
    :meth:`~outreach.Channel.account_settings`, so a preset and the like apply).
    """
    tables = known_tables(host)
    where = str(workspace.config_path)
    for name in workspace.config:
        if name in tables:
            continue
        close = difflib.get_close_matches(name, list(tables), n=1)
        hint = f" (did you mean [{close[0]}]?)" if close else ""
        raise ConfigError(
            f"{where}: unknown table [{name}]{hint}; known tables: {', '.join(sorted(tables))}"
        )
    channels = {c.account_table(): c for c in host.channels().values() if c.Settings is not None}
    for name, settings in tables.items():
        if name not in workspace.config or name in CORE_TABLES:
            continue
        if name in channels:
            channels[name].account_settings(workspace)
        elif settings is not None and dataclasses.is_dataclass(settings):
            parse_table(settings, workspace.section(name), f"{where} [{name}]")
