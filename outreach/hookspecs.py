"""The hooks a plugin can implement. Every hook here is documented in docs/plugins.md.

A plugin is a module or object with functions decorated by ``@outreach.hookimpl`` whose names
are those below. Plugins are found through the ``outreach`` entry-point group; the built-in
ones are registered the same way a third-party package's are.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import click
    import jinja2

    from .channel import Channel
    from .contact import Contact
    from .importer import Exporter, Importer

__all__ = ["hookimpl", "hookspec"]

hookspec = pluggy.HookspecMarker("outreach")
hookimpl = pluggy.HookimplMarker("outreach")


@hookspec
def register_channels(register: Callable[[type[Channel]], None]) -> None:
    """Register delivery channels.

    Call ``register(ChannelClass)`` for each :class:`outreach.Channel` subclass the plugin
    provides. The class's ``name`` is what campaign files use (``[email]``, ``channels =
    ["sms"]``). A channel registered under a name already taken replaces the earlier one, so a
    package can swap out a built-in channel.
    """


@hookspec
def register_importers(register: Callable[[type[Importer]], None]) -> None:
    """Register contact importers.

    Call ``register(ImporterClass)`` for each :class:`outreach.Importer` subclass. Its ``name``
    is a value of ``outreach contacts import --format``; its ``sniff`` method lets
    ``--format auto`` pick it for a file.
    """


@hookspec
def register_exporters(register: Callable[[type[Exporter]], None]) -> None:
    """Register contact exporters.

    Call ``register(ExporterClass)`` for each :class:`outreach.Exporter` subclass. Its ``name``
    is a value of ``outreach contacts export --format``.
    """


@hookspec
def register_commands(cli: click.Group) -> None:
    """Add commands to the ``outreach`` command line.

    ``cli`` is the top-level :class:`click.Group`; add commands or groups with
    ``cli.add_command(...)`` or the ``@cli.command()`` decorator. Commands reach the workspace
    through :func:`outreach.cli.context.get_workspace`.
    """


@hookspec
def prepare_jinja_env(env: jinja2.Environment) -> None:
    """Customise the template environment: add filters, tests or globals.

    ``env`` is the sandboxed environment every campaign template is rendered in. Add only
    pure functions: templates are rendered before anything is delivered and must have no
    side effects.
    """


@hookspec
def template_context(contact: Contact, campaign: Any, channel: str) -> dict[str, Any] | None:
    """Return extra variables for one contact's templates (or ``None``).

    Called for every contact, part and channel when a campaign renders. ``campaign`` is the
    :class:`outreach.Campaign`, ``channel`` the channel's name. The dictionaries returned by
    all plugins are merged into the template context; the core variables (``contact``,
    ``me``, ``campaign``, ``today`` ...) cannot be replaced.
    """


@hookspec
def register_settings_tables(register: Callable[[str, type | None], None]) -> None:
    """Declare tables of ``outreach.toml`` that the plugin reads (other than a channel's).

    Call ``register(table, SettingsClass)`` for each: ``table`` is the top-level table's name,
    ``SettingsClass`` a dataclass its keys are checked against when a campaign is loaded (or
    ``None`` when the plugin checks them itself). A channel's own account table is declared
    by the channel (:attr:`outreach.Channel.Settings`), not here. Any other top-level table
    in ``outreach.toml`` is an error, so a misspelt one never goes unnoticed.
    """
