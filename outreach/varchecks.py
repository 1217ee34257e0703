"""Checks that a campaign's ``[vars]`` are the user's own before it runs.

An example campaign ships with sample facts (an employer, a last day, a lunch place). Run as
it is, it would speak for the example's person: "June 27, 2025 is my last day at Northwind".
Its ``[checks]`` table says what must change::

    [checks]
    # campaign run stops while a var still has the example's value
    example = { company = "Northwind Analytics" }
    # ... or while a date meant to be ahead of today (or each date of a list) is not
    future = ["last_day"]

``campaign run`` then stops with one line naming the file, the line to change and why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from .errors import ConfigError

__all__ = ["VarChecks", "stale_vars"]


@dataclass(slots=True)
class VarChecks:
    """Table ``[checks]`` of a campaign file."""

    #: Var -> the example's value; a var still equal to it is an error.
    example: dict[str, Any] = field(default_factory=dict)
    #: Vars holding a date (or a list of dates) that must be after today.
    future: list[str] = field(default_factory=list)

    def check_names(self, variables: dict[str, Any], where: str) -> None:
        """Every var named here must exist in ``[vars]``."""
        for name in [*self.example, *self.future]:
            if name not in variables:
                raise ConfigError(f"{where}: [checks] names {name!r}, which is not in [vars]")


def _line(path: Path | None, name: str) -> str:
    """``line N`` of ``name = ...`` in the file's ``[vars]`` table, when it can be found."""
    if path is None:
        return ""
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except OSError:
        return ""
    in_vars = False
    wanted = re.compile(rf"^\s*(?:{re.escape(name)}|\"{re.escape(name)}\")\s*=")
    for number, text in enumerate(lines, 1):
        header = re.match(r"^\s*\[([^\]]*)\]", text)
        if header:
            in_vars = header[1].strip() == "vars"
        elif in_vars and wanted.match(text):
            return f" line {number}"
    return ""


def _as_dates(value: Any) -> list[date] | None:
    values = value if isinstance(value, list) else [value]
    found = []
    for item in values:
        if isinstance(item, datetime):
            found.append(item.date())
        elif isinstance(item, date):
            found.append(item)
        else:
            return None
    return found


def stale_vars(
    checks: VarChecks, variables: dict[str, Any], today: date, source: str, path: Path | None
) -> list[tuple[str, str]]:
    """``(var, message)`` for each var that still speaks for the example or names a past date."""
    problems = []
    for name, sample in checks.example.items():
        if variables.get(name) == sample:
            problems.append(
                (
                    name,
                    f"{source}{_line(path, name)}: vars.{name} is still the example's value "
                    f"({sample!r}); set it to your own",
                )
            )
    for name in checks.future:
        days = _as_dates(variables.get(name))
        if days is None:
            where = f"{source}{_line(path, name)}"
            problems.append((name, f"{where}: vars.{name} must be a date (YYYY-MM-DD)"))
            continue
        past = [d for d in days if d <= today]
        if past:
            problems.append(
                (
                    name,
                    f"{source}{_line(path, name)}: vars.{name} is {past[0].isoformat()}, not "
                    f"after today ({today.isoformat()}); set the date ahead",
                )
            )
    return problems
