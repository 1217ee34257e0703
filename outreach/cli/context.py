"""What every command shares: the chosen workspace, the debug flag, and small helpers."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

import click
import orjson

from ..workspace import Workspace

if TYPE_CHECKING:
    from ..locks import Holder

__all__ = [
    "AppContext",
    "DateType",
    "echo_json",
    "echo_json_lines",
    "get_workspace",
    "json_item",
    "pass_app",
    "say_waiting",
]


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


#: How :func:`echo_json` encodes: dates, times and anything else JSON has no type for are
#: written as ``str()`` gives them, as the standard library's ``default=str`` would; dict keys
#: that are not strings become strings, as in ``json.dumps``.
_JSON_OPTIONS = (
    orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
)


def json_item(item: Any) -> bytes:
    """One value as compact JSON (UTF-8, not ASCII-escaped): a line of :func:`echo_json`."""
    return orjson.dumps(item, default=str, option=_JSON_OPTIONS)


def echo_json_lines(items: list[bytes]) -> None:
    """Print already encoded JSON values (:func:`json_item`) as a JSON list, one per line."""
    # Bytes go to the binary stream as they are: a 10 MB listing is not decoded to be encoded
    # again.
    click.echo(b"[\n  " + b",\n  ".join(items) + b"\n]" if items else b"[]")


def echo_json(data: Any) -> None:
    """Print ``data`` as JSON (UTF-8, not ASCII-escaped): a list one item per line, anything
    else indented by two spaces (orjson: several times faster than the standard library's
    encoder, whose indented output is pure Python)."""
    if isinstance(data, list):
        echo_json_lines([json_item(item) for item in data])
        return
    text = orjson.dumps(data, default=str, option=_JSON_OPTIONS | orjson.OPT_INDENT_2)
    click.echo(text.decode(), color=True)


def say_waiting(holder: Holder) -> None:
    """Tell the user (on stderr) that the command waits for another one to finish with the
    address book (the ``on_wait`` of :meth:`~outreach.workspace.Workspace.edit_book`)."""
    click.echo(f"waiting: {holder.describe()} is changing the address book", err=True)
