"""What every command shares: the chosen workspace, the debug flag, and small helpers."""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

import click

from ..workspace import Workspace

if TYPE_CHECKING:
    from ..locks import Holder

__all__ = ["AppContext", "DateType", "echo_json", "get_workspace", "pass_app", "say_waiting"]


@dataclass(slots=True)
class AppContext:
    """The state of one command-line invocation."""

    home: str | None = None
    debug: bool = False
    _workspace: Workspace | None = field(default=None, repr=False)

    @property
    def workspace(self) -> Workspace:
        """The workspace from ``--home``, ``$OUTREACH_HOME`` or the current directory."""
        if self._workspace is None:
            self._workspace = Workspace.locate(self.home)
        return self._workspace


pass_app = click.make_pass_decorator(AppContext, ensure=True)


def get_workspace() -> Workspace:
    """The current command's workspace (for plugin commands)."""
    return click.get_current_context().ensure_object(AppContext).workspace


class DateType(click.ParamType):
    """An ISO date, YYYY-MM-DD."""

    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            self.fail(f"{value!r} is not a date (YYYY-MM-DD)", param, ctx)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cycle collector for a block that makes many objects and no cycles."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def echo_json(data: Any) -> None:
    """Print ``data`` as JSON (UTF-8, not ASCII-escaped).

    A list is printed one item per line: ``indent`` would switch json to its pure-Python
    encoder, ten times slower, and a 10,000-contact listing must stay well under a second.
    """
    if isinstance(data, list):
        encode = json.JSONEncoder(ensure_ascii=False, default=str).encode
        items = ",\n".join("  " + encode(item) for item in data)
        # color=True: JSON holds no escape codes, so skip click's scan for them.
        click.echo(f"[\n{items}\n]" if data else "[]", color=True)
        return
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def say_waiting(holder: Holder) -> None:
    """Tell the user (on stderr) that the command waits for another one to finish with the
    address book (the ``on_wait`` of :meth:`~outreach.workspace.Workspace.edit_book`)."""
    click.echo(f"waiting: {holder.describe()} is changing the address book", err=True)
