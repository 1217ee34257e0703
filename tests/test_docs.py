"""The documentation keeps up with the code: every command and option is in docs/cli.md."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import click
import pytest

from outreach.cli import LazyPluginGroup, cli

ROOT = Path(__file__).resolve().parent.parent
CLI_DOC = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
BUILT_IN_PLUGIN_PREFIX = "outreach."


def commands() -> Iterator[tuple[str, click.Command]]:
    LazyPluginGroup.load_plugin_commands()

    def walk(command: click.Command, path: list[str]) -> Iterator[tuple[str, click.Command]]:
        if isinstance(command, click.Group):
            ctx = click.Context(command)
            for name in command.list_commands(ctx):
                sub = command.get_command(ctx, name)
                assert sub is not None
                yield from walk(sub, [*path, name])
        else:
            yield " ".join(path), command

    for path, command in walk(cli, []):
        # Commands added by installed third-party plugins document themselves.
        if command.callback is None or command.callback.__module__.startswith(
            BUILT_IN_PLUGIN_PREFIX
        ):
            yield path, command


def section(path: str) -> str:
    match = re.search(rf"^### {re.escape(path)}\n(.*?)(?=^##|\Z)", CLI_DOC, re.S | re.M)
    assert match, f"docs/cli.md has no section for 'outreach {path}'"
    return match.group(1)


@pytest.mark.parametrize(("path", "command"), list(commands()), ids=lambda v: str(v))
def test_every_command_and_option_is_documented(path: str, command: click.Command) -> None:
    text = section(path)
    for param in command.params:
        if isinstance(param, click.Option):
            for option in param.opts:
                if option.startswith("--") and option != "--help":
                    assert option in text, f"'outreach {path}' option {option} is not documented"


def test_readme_links_resolve() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)#]+)\)", readme):
        if "://" not in target:
            assert (ROOT / target).exists(), f"README links to a missing {target}"


def test_every_docs_page_is_linked_from_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    linked = set(re.findall(r"\]\(([^)#]+)\)", readme))
    for page in sorted((ROOT / "docs").glob("*.md")):
        assert f"docs/{page.name}" in linked, f"README.md does not link docs/{page.name}"
