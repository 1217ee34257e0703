"""The plugin host: documented hooks, built-ins as plugins, registration in a fixture."""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Callable
from pathlib import Path

import pluggy
import pytest
from click.testing import Result

from outreach import hookimpl, hookspecs
from outreach.channel import Channel
from outreach.errors import ConfigError
from outreach.pluginhost import DEFAULT_PLUGINS, PluginHost, get_host

DOCS = Path(__file__).resolve().parent.parent / "docs" / "plugins.md"


def hook_names() -> list[str]:
    return [
        name
        for name, value in inspect.getmembers(hookspecs, inspect.isfunction)
        if hasattr(value, "outreach_spec")
    ]


def test_there_are_hooks_for_every_extension_point() -> None:
    assert {
        "register_channels",
        "register_importers",
        "register_exporters",
        "register_commands",
        "prepare_jinja_env",
        "template_context",
    } <= set(hook_names())


@pytest.mark.parametrize("hook", hook_names())
def test_plugin_hooks_are_documented(hook: str) -> None:
    spec = getattr(hookspecs, hook)
    assert spec.__doc__ and len(spec.__doc__.strip()) > 40, f"{hook} has no docstring"
    headings = re.findall(r"^### (\w+)$", DOCS.read_text(encoding="utf-8"), re.MULTILINE)
    assert hook in headings, f"{hook} is not documented in docs/plugins.md"


def test_built_in_plugins_are_registered_after_entry_points() -> None:
    host = get_host()
    names = [name for name, _ in host.pm.list_name_plugin()]
    for plugin in DEFAULT_PLUGINS:
        assert plugin in names
    assert {"email", "print", "linkedin"} <= set(host.channels())
    assert "vcard" in host.importers()


def test_a_misspelt_hook_is_refused() -> None:
    class Sloppy:
        @hookimpl
        def register_channel(self, register: Callable[..., None]) -> None:  # no "s"
            pass

    host = PluginHost()
    with pytest.raises(pluggy.PluginValidationError):
        host.register(Sloppy(), name="sloppy")


def test_unknown_channel_lists_the_installed_ones() -> None:
    with pytest.raises(ConfigError, match="unknown channel 'fax'.*email"):
        get_host().channel("fax")


def test_a_plugin_registered_in_a_fixture_is_used_then_gone(fake_channel: type[Channel]) -> None:
    assert get_host().channels()["fake"] is fake_channel


def test_fake_channel_is_gone_after_its_test() -> None:
    assert "fake" not in get_host().channels()


def test_installed_plugin_replaces_a_builtin_channel_by_name() -> None:
    builtin = get_host().channels()["email"]

    class OtherEmail(builtin):  # type: ignore[valid-type, misc]
        pass

    class Replacement:
        @hookimpl
        def register_channels(self, register: Callable[..., None]) -> None:
            register(OtherEmail)

    host = PluginHost()
    host.pm.register(Replacement(), name="third-party")  # as if from an entry point
    host.load()
    assert host.channels()["email"] is OtherEmail


def test_template_hooks_add_filters_and_variables() -> None:
    class Extras:
        @hookimpl
        def prepare_jinja_env(self, env):  # type: ignore[no-untyped-def]
            env.filters["shout"] = lambda s: str(s).upper()

        @hookimpl
        def template_context(self, contact, campaign, channel):  # type: ignore[no-untyped-def]
            return {"weather": "sunny"}

    host = get_host()
    host.register(Extras(), name="extras")
    try:
        from jinja2.sandbox import SandboxedEnvironment

        env = SandboxedEnvironment()
        host.prepare_jinja_env(env)
        assert env.from_string("{{ 'hi' | shout }}").render() == "HI"
        from outreach.contact import Contact

        assert host.template_context(Contact(), None, "email")["weather"] == "sunny"
    finally:
        host.unregister(name="extras")


def test_plugins_command_shows_distribution(run_cli: Callable[..., Result]) -> None:
    result = run_cli("plugins", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    by_name = {p["name"]: p for p in data}
    email = by_name["outreach.plugins.email"]
    assert email["distribution"] == "outreach"
    assert email["builtin"] is True
    assert "register_channels" in email["hooks"]
