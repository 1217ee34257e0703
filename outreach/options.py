"""Typed settings tables: TOML tables checked against a dataclass.

Settings and campaign files are written by hand, so a misspelt key must be an error that names
the file, the table and the key (with a suggestion), never a silently ignored setting. Channels
use :func:`parse_table` for their campaign tables and workspace sections too.
"""

from __future__ import annotations

import dataclasses
import difflib
import tomllib
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, TypeVar, get_args, get_origin

from .errors import ConfigError, InputError

__all__ = ["load_toml", "parse_table"]

T = TypeVar("T")


def _type_name(tp: Any) -> str:
    origin = get_origin(tp)
    if origin is Literal:
        return " or ".join(repr(a) for a in get_args(tp))
    if origin in (list, tuple):
        return "a list"
    if origin is dict:
        return "a table"
    if dataclasses.is_dataclass(tp):
        return "a table"
    return {str: "text", int: "a whole number", float: "a number", bool: "true or false"}.get(
        tp, getattr(tp, "__name__", str(tp))
    )


def _convert(value: Any, tp: Any, where: str) -> Any:
    origin = get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in get_args(tp) if a is not type(None)]
        if value is None and len(options) != len(get_args(tp)):
            return None
        errors = []
        for option in options:
            try:
                return _convert(value, option, where)
            except ConfigError as exc:
                errors.append(exc)
        raise errors[0]
    if origin is Literal:
        if value not in get_args(tp):
            raise ConfigError(f"{where} must be {_type_name(tp)}, not {value!r}")
        return value
    if origin in (list, tuple):
        if not isinstance(value, list):
            raise ConfigError(f"{where} must be a list, not {value!r}")
        (item_type, *_) = get_args(tp) or (Any,)
        items = [_convert(v, item_type, f"{where}[{i}]") for i, v in enumerate(value)]
        return items if origin is list else tuple(items)
    if origin is dict:
        if not isinstance(value, Mapping):
            raise ConfigError(f"{where} must be a table, not {value!r}")
        _, value_type = get_args(tp) or (str, Any)
        return {str(k): _convert(v, value_type, f"{where}.{k}") for k, v in value.items()}
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        if not isinstance(value, Mapping):
            raise ConfigError(f"{where} must be a table, not {value!r}")
        return parse_table(tp, value, where)
    if tp is Any:
        return value
    if tp is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if tp is int and isinstance(value, bool):
        raise ConfigError(f"{where} must be a whole number, not {value!r}")
    if isinstance(tp, type) and not isinstance(value, tp):
        raise ConfigError(f"{where} must be {_type_name(tp)}, not {value!r}")
    return value


def parse_table(cls: type[T], table: Mapping[str, Any], where: str) -> T:
    """Build the dataclass ``cls`` from a TOML table, checking keys and value types.

    ``where`` names the place for messages, e.g. ``"campaign.toml [email]"``. Keys may be
    written with dashes or underscores. Raises :class:`~outreach.errors.ConfigError`.
    """
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"{cls!r} is not a dataclass")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    values: dict[str, Any] = {}
    for raw_key, value in table.items():
        key = str(raw_key).replace("-", "_")
        if key not in fields:
            known = sorted(fields)
            close = difflib.get_close_matches(key, known, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ConfigError(
                f"{where}: unknown key {raw_key!r}{hint}; known keys: {', '.join(known)}"
            )
        values[key] = _convert(value, hints[key], f"{where} {raw_key}")
    missing = [
        name
        for name, f in fields.items()
        if name not in values
        and f.default is dataclasses.MISSING
        and f.default_factory is dataclasses.MISSING
    ]
    if missing:
        raise ConfigError(f"{where}: missing {', '.join(repr(m) for m in missing)}")
    try:
        return cls(**values)
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"{where}: {exc}") from None


def load_toml(path: Path, missing: str) -> dict[str, Any]:
    """Read a TOML file; ``missing`` is the message when it does not exist.

    Unreadable files and TOML syntax errors become one-line errors naming the file (and, for
    syntax errors, the line and column tomllib reports).
    """
    try:
        # utf-8-sig: Windows editors save a byte-order mark that TOML does not allow.
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(missing) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read: {exc}") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from None
