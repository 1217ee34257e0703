"""The plugin host: pluggy wrapped in typed methods, so call sites type-check.

Plugins from the ``outreach`` entry-point group are loaded first, then the built-in ones in
:data:`DEFAULT_PLUGINS`, which are written exactly like third-party plugins. Loading happens
once per process (:func:`get_host`); tests register extra plugins on that host and unregister
them afterwards.
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import pluggy

from . import hookspecs
from .errors import ConfigError

if TYPE_CHECKING:
    import click
    import jinja2

    from .channel import Channel
    from .contact import Contact
    from .importer import Exporter, Importer
    from .requirements import Requirement

__all__ = ["DEFAULT_PLUGINS", "ChannelInfo", "PluginHost", "PluginInfo", "get_host"]

#: The built-in plugins, registered after the entry-point plugins.
DEFAULT_PLUGINS: tuple[str, ...] = (
    "outreach.plugins.importers.vcard",
    "outreach.plugins.importers.linkedin",
    "outreach.plugins.importers.google",
    "outreach.plugins.importers.outlook",
    "outreach.plugins.importers.csvmap",
    "outreach.plugins.email",
    "outreach.plugins.print",
    "outreach.plugins.linkedin",
)

ENTRY_POINT_GROUP = "outreach"
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class ChannelInfo:
    """What a channel declares: its account table and what an audience may require."""

    name: str
    description: str
    #: The channel's table in ``outreach.toml`` ("" when it has no account settings).
    settings_table: str
    #: The keys that table accepts.
    settings: tuple[str, ...]
    #: ``require`` word -> what a contact needs to meet it.
    requirements: dict[str, str]

    @classmethod
    def of(cls, channel: type[Channel]) -> ChannelInfo:
        """The declarations of ``channel``."""
        settings = channel.Settings
        keys = tuple(f.name for f in dataclasses.fields(settings)) if settings is not None else ()
        table = channel.account_table() if settings is not None else ""
        wants = {r.name: r.description for r in channel.requirements}
        return cls(channel.name, channel.description, table, keys, wants)


@dataclass(frozen=True, slots=True)
class PluginInfo:
    """One loaded plugin: its name, where it comes from, and the hooks it implements."""

    name: str
    distribution: str
    version: str
    hooks: tuple[str, ...]
    builtin: bool
    #: The channels it registers.
    channels: tuple[ChannelInfo, ...] = ()


def _collect(hook: Callable[..., Any]) -> dict[str, Any]:
    registered: dict[str, Any] = {}

    def register(item: Any) -> None:
        name = getattr(item, "name", None)
        if not isinstance(name, str) or not name:
            raise TypeError(f"{item!r} has no 'name' to register it under")
        registered[name] = item

    # pluggy calls the last-registered plugin first. The built-ins are registered after the
    # entry points, so they register first and an installed package can replace one by name.
    hook(register=register)
    return registered


class PluginHost:
    """Typed access to the hooks of a :class:`pluggy.PluginManager`."""

    def __init__(self, pm: pluggy.PluginManager | None = None) -> None:
        self.pm = pm or pluggy.PluginManager("outreach")
        self.pm.add_hookspecs(hookspecs)

    def load(self) -> PluginHost:
        """Load entry-point plugins, then the built-ins; check every hook name is known."""
        self.pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
        for name in DEFAULT_PLUGINS:
            if self.pm.get_plugin(name) is None:
                self.pm.register(importlib.import_module(name), name=name)
        self.pm.check_pending()
        return self

    def register(self, plugin: object, name: str | None = None) -> str:
        """Register a plugin object or module (tests and embedding applications)."""
        registered = self.pm.register(plugin, name=name)
        self.pm.check_pending()
        return str(registered)

    def unregister(self, plugin: object | None = None, name: str | None = None) -> None:
        """Remove a plugin registered with :meth:`register`."""
        self.pm.unregister(plugin=plugin, name=name)

    # -- typed hook calls -----------------------------------------------------------------

    def channels(self) -> dict[str, type[Channel]]:
        """Every registered channel class by name."""
        return _collect(self.pm.hook.register_channels)

    def channel(self, name: str) -> type[Channel]:
        """The channel class called ``name``; a clear error lists the known ones."""
        channels = self.channels()
        if name not in channels:
            known = ", ".join(sorted(channels)) or "none"
            raise ConfigError(f"unknown channel {name!r} (installed channels: {known})")
        return channels[name]

    def requirements(self) -> dict[str, Requirement]:
        """Everything an audience may ``require``, by name, as the channels declare it."""
        found: dict[str, Requirement] = {}
        for channel in self.channels().values():
            for requirement in channel.requirements:
                found.setdefault(requirement.name, requirement)
        return found

    def account_keys(self) -> frozenset[str]:
        """Every key of every channel's account table (they never belong in a campaign)."""
        keys: set[str] = set()
        for channel in self.channels().values():
            keys |= channel.account_keys()
        return frozenset(keys)

    def settings_tables(self) -> dict[str, type | None]:
        """The ``outreach.toml`` tables plugins declare: each channel's account table and
        those of :func:`~outreach.hookspecs.register_settings_tables`, with their dataclass."""
        tables: dict[str, type | None] = {}

        def register(table: str, settings: type | None = None) -> None:
            tables.setdefault(table, settings)

        self.pm.hook.register_settings_tables(register=register)
        for channel in self.channels().values():
            tables.setdefault(channel.account_table(), channel.Settings)
        return tables

    def channels_by_plugin(self) -> dict[str, list[type[Channel]]]:
        """The channel classes each plugin registers, by plugin name."""
        found: dict[str, list[type[Channel]]] = {}
        for impl in self.pm.hook.register_channels.get_hookimpls():
            classes: list[type[Channel]] = []
            impl.function(**{arg: classes.append for arg in impl.argnames})
            name = self.pm.get_name(impl.plugin) or impl.plugin_name
            found.setdefault(name, []).extend(classes)
        return found

    def importers(self) -> dict[str, type[Importer]]:
        """Every registered importer class by format name."""
        return _collect(self.pm.hook.register_importers)

    def exporters(self) -> dict[str, type[Exporter]]:
        """Every registered exporter class by format name."""
        return _collect(self.pm.hook.register_exporters)

    def add_commands(self, cli: click.Group) -> None:
        """Let plugins add their commands to the command line."""
        self.pm.hook.register_commands(cli=cli)

    def prepare_jinja_env(self, env: jinja2.Environment) -> None:
        """Let plugins add filters, tests and globals."""
        self.pm.hook.prepare_jinja_env(env=env)

    def template_context(self, contact: Contact, campaign: Any, channel: str) -> dict[str, Any]:
        """The extra template variables all plugins contribute for one contact."""
        merged: dict[str, Any] = {}
        # Built-ins answer first (registered last), so installed packages override them.
        for extra in self.pm.hook.template_context(
            contact=contact, campaign=campaign, channel=channel
        ):
            if extra:
                merged.update(extra)
        return merged

    def plugin_info(self) -> list[PluginInfo]:
        """What is loaded and from which distribution, for ``outreach plugins``."""
        dists = {id(plugin): dist for plugin, dist in self.pm.list_plugin_distinfo()}
        own_version = _own_version()
        channels = self.channels_by_plugin()
        infos = []
        for name, plugin in self.pm.list_name_plugin():
            if plugin is None:
                continue
            hooks = tuple(sorted(h.name for h in self.pm.get_hookcallers(plugin) or []))
            dist = dists.get(id(plugin))
            builtin = name in DEFAULT_PLUGINS
            if dist is not None:
                dist_name, version = dist.metadata["name"], dist.version
            elif builtin:
                dist_name, version = "outreach", own_version
            else:
                dist_name, version = "", ""
            declared = tuple(ChannelInfo.of(c) for c in channels.get(name, []))
            infos.append(PluginInfo(name, dist_name, version, hooks, builtin, declared))
        return sorted(infos, key=lambda i: (i.builtin, i.name))


def _own_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("outreach")
    except PackageNotFoundError:
        return "0+unknown"


_host: PluginHost | None = None


def get_host() -> PluginHost:
    """The process-wide plugin host, loaded on first use."""
    global _host
    if _host is None:
        _host = PluginHost().load()
    return _host
