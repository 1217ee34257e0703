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
from outreach.channel import Channel, DeliveryRun, SendLog
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


def contract_members(cls: type) -> list[str]:
    """The public members a class of the channel contract defines itself."""
    names = set(getattr(cls, "__annotations__", {}))
    names |= {n for n, v in vars(cls).items() if callable(v) or isinstance(v, classmethod)}
    public = {n for n in names if not n.startswith("_")}
    if cls is Channel:
        # Its class attributes are contract too, and so is what __init__ is given.
        public |= {n for n in vars(cls) if not n.startswith("_")} | {"__init__"}
    return sorted(public)


def doc_section(title: str) -> str:
    text = DOCS.read_text(encoding="utf-8")
    match = re.search(rf"^### {title}\n(.*?)(?=^##)", text, re.S | re.M)
    assert match, f"docs/plugins.md has no section '### {title}'"
    return match.group(1)


@pytest.mark.parametrize(
    ("cls", "member"),
    [(cls, m) for cls in (Channel, DeliveryRun, SendLog) for m in contract_members(cls)],
    ids=lambda v: v if isinstance(v, str) else v.__name__,
)
def test_channel_contract_is_documented(cls: type, member: str) -> None:
    """Every member of Channel, DeliveryRun and SendLog has its entry in docs/plugins.md."""
    section = doc_section(cls.__name__)
    assert re.search(rf"^- `{re.escape(member)}[`(]", section, re.M), (
        f"{cls.__name__}.{member} is not documented under '### {cls.__name__}' in docs/plugins.md"
    )


def test_the_core_tables_are_all_named_in_the_docs() -> None:
    """A plugin author must not take a table the core reads (``[mail]``, ``[imap]`` ...)."""
    from outreach.config_tables import CORE_TABLES

    section = doc_section("register_settings_tables")
    for table in CORE_TABLES:
        assert f"`[{table}]`" in section, f"[{table}] is not named under register_settings_tables"


def test_the_contract_test_sees_every_member() -> None:
    """The documentation test above would notice a new member of the contract."""
    assert {"sending", "finished", "reopen", "send_log", "batch", "out_dir"} <= set(
        contract_members(DeliveryRun)
    )
    assert {"Settings", "requirements", "account_settings", "render", "__init__"} <= set(
        contract_members(Channel)
    )
    assert "journal" not in contract_members(DeliveryRun)


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
