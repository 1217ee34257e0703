"""Campaign files: who gets what, through which channels.

A campaign is a TOML file. The simple form has one audience and a table per channel::

    name = "annual-catch-up"
    [audience]
    require = ["email"]
    [email]
    subject = "Catching up"
    template = "email/catch-up.txt.j2"

A campaign with several parts (a farewell to colleagues *and* recommendation requests to a
few) lists them as ``[[part]]`` tables, each with its own audience and channel tables; the
top-level channel tables then hold defaults that every part inherits. ``deliver = "first"``
sends through the first listed channel that can reach the contact ("by email where they have
one, else as a LinkedIn draft"); ``deliver = "all"`` (the default) through every one.

A part may follow up another: ``follow_up = "recommendation"``, ``after = "P10D"``,
``unless = "replied"`` goes only to contacts whose delivery of that part was sent at least ten
days ago and neither replied to nor bounced (:mod:`outreach.followup`); without an audience of
its own it has the audience of the part it follows.

Campaign files hold no server settings or rate limits: those belong to the account and live
in ``outreach.toml``.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from .errors import ConfigError
from .followup import FollowUp, check_follow_up_chains, parse_follow_up
from .options import load_toml, parse_table
from .requirements import Requirement
from .varchecks import VarChecks, stale_vars

if TYPE_CHECKING:
    from .contact import Contact
    from .pluginhost import PluginHost

__all__ = ["Audience", "Campaign", "Part"]

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_TOP_KEYS = ("name", "description", "audience", "deliver", "channels", "part", "vars", "checks")
_PART_KEYS = (
    "id",
    "description",
    "audience",
    "deliver",
    "channels",
    "follow_up",
    "after",
    "unless",
)


@dataclass(slots=True)
class Audience:
    """Who a part goes to (table ``[audience]``)."""

    #: Contacts with any of these tags (empty: everyone).
    tags: list[str] = field(default_factory=list)
    #: Contacts with all of these tags.
    all_tags: list[str] = field(default_factory=list)
    #: Never contacts with any of these tags.
    exclude_tags: list[str] = field(default_factory=list)
    #: Only contacts meeting each of these requirements ("email", "postal", "linkedin", or
    #: any other an installed channel declares: :attr:`outreach.Channel.requirements`).
    require: list[str] = field(default_factory=list)
    #: Only contacts the touch plan says are due.
    overdue_only: bool = False
    #: Only these contacts (UIDs, email addresses or names); empty: no such limit.
    contacts: list[str] = field(default_factory=list)
    #: Leave out anyone touched within this ISO 8601 duration (``P30D``); empty: nobody.
    skip_touched_within: str = ""

    def __post_init__(self) -> None:
        if self.skip_touched_within.strip():
            from .cadence import Cadence

            if Cadence.parse(self.skip_touched_within).never:
                raise ValueError("skip_touched_within must be a duration such as P30D, or empty")

    def touched_recently(self, last: date | None, today: date) -> str | None:
        """Why ``skip_touched_within`` leaves out a contact last touched on ``last``, if it does."""
        if last is None or not self.skip_touched_within.strip():
            return None
        from .cadence import Cadence

        window_end = Cadence.parse(self.skip_touched_within).after(last)
        if window_end is None or window_end <= today:
            return None
        days = (today - last).days
        ago = "today" if days == 0 else "yesterday" if days == 1 else f"{days} days ago"
        window = self.skip_touched_within
        return f"touched {ago} ({last.isoformat()}; skip_touched_within = {window})"

    #: The requirements named in :attr:`require`, found when the campaign was loaded.
    checks: tuple[Requirement, ...] = field(default=(), init=False, repr=False, compare=False)

    def bind(self, requirements: Mapping[str, Requirement], where: str) -> None:
        """Look up every name in :attr:`require`; an unknown one is a ConfigError."""
        checks = []
        for index, name in enumerate(self.require):
            requirement = requirements.get(name)
            if requirement is None:
                known = sorted(requirements)
                close = difflib.get_close_matches(name, known, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise ConfigError(
                    f"{where} require[{index}]: no installed channel offers {name!r}{hint}; "
                    f"known: {', '.join(known)}"
                )
            checks.append(requirement)
        self.checks = tuple(checks)

    def wants(self, contact: Contact) -> bool:
        """True when the tag filters (``tags``, ``all_tags``) make ``contact`` a candidate.

        Someone without the tags was never meant to get the campaign; the other filters
        (:meth:`excludes`) leave out candidates, and those are worth telling the user about.
        """
        if self.tags and not any(contact.has_tag(t) for t in self.tags):
            return False
        return all(contact.has_tag(t) for t in self.all_tags)

    def excludes(self, contact: Contact, overdue: set[str] | None = None) -> str | None:
        """Why a candidate (see :meth:`wants`) is left out, or ``None`` when it is in."""
        excluded = [t for t in self.exclude_tags if contact.has_tag(t)]
        if excluded:
            return "tagged " + ", ".join(excluded)
        if len(self.checks) != len(self.require):
            # Made in code rather than loaded: the installed channels say what each means.
            from .pluginhost import get_host

            self.bind(get_host().requirements(), "[audience]")
        for requirement in self.checks:
            reason = requirement.missing(contact)
            if reason is not None:
                return reason
        if self.overdue_only and overdue is not None and contact.uid not in overdue:
            return "not due in the touch plan"
        return None


@dataclass(slots=True)
class Part:
    """One message of a campaign: an audience and the channels that carry it."""

    id: str
    audience: Audience
    channels: list[str]
    deliver: Literal["all", "first"] = "all"
    description: str = ""
    #: Each channel's options, parsed by the channel (its ``Options`` dataclass).
    options: dict[str, Any] = field(default_factory=dict)
    #: The follow-up rule when this part follows up another one, else ``None``.
    follow: FollowUp | None = None


@dataclass(slots=True)
class Campaign:
    """A parsed, checked campaign file."""

    name: str
    parts: list[Part]
    description: str = ""
    path: Path | None = None
    #: Free variables for templates (the ``[vars]`` table).
    vars: dict[str, Any] = field(default_factory=dict)
    #: What in ``[vars]`` must be the user's own before a run (table ``[checks]``).
    checks: VarChecks = field(default_factory=VarChecks)
    #: Where the campaign came from, for messages.
    source: str = "<campaign>"

    def check_vars(self, today: date) -> None:
        """Refuse to run while ``[vars]`` still holds an example's values or a past date.

        Raises :class:`~outreach.errors.ConfigError` naming the file and the line to change.
        """
        problems = stale_vars(self.checks, self.vars, today, self.source, self.path)
        if problems:
            others = ", ".join(f"vars.{name}" for name, _ in problems[1:])
            more = f" (then {others})" if others else ""
            raise ConfigError(problems[0][1] + more)

    @property
    def directory(self) -> Path | None:
        """The folder of the campaign file; its templates override the workspace's."""
        return self.path.parent if self.path else None

    @property
    def channel_names(self) -> list[str]:
        """Every channel any part uses, in order of first use."""
        seen: dict[str, None] = {}
        for part in self.parts:
            for name in part.channels:
                seen.setdefault(name)
        return list(seen)

    @classmethod
    def load(cls, path: str | Path, host: PluginHost) -> Campaign:
        """Read and check a campaign file; errors name the file and the table."""
        file = Path(path)
        data = load_toml(file, f"{file}: no such campaign file")
        default = file.parent.name if file.name == "campaign.toml" else file.stem
        return cls.from_dict(data, host, source=str(file), path=file, default_name=default)

    @classmethod
    def from_dict(
        cls,
        data: dict[str, Any],
        host: PluginHost,
        *,
        source: str = "<campaign>",
        path: Path | None = None,
        default_name: str = "campaign",
    ) -> Campaign:
        """Build a campaign from parsed TOML (the library's way to make one in code)."""
        channels = host.channels()
        for key in data:
            if key in _TOP_KEYS or key in channels:
                continue
            known = list(_TOP_KEYS) + sorted(channels)
            _unknown_key(source, "", key, known, host.account_keys())
        name = data.get("name", default_name)
        if not isinstance(name, str) or not _NAME.match(name):
            raise ConfigError(
                f"{source}: name must be letters, digits, '.', '_' or '-' "
                f"(it names the output folder), not {name!r}"
            )
        description = _text(data.get("description", ""), f"{source}: description")
        variables = data.get("vars", {})
        if not isinstance(variables, dict):
            raise ConfigError(f"{source}: [vars] must be a table")
        checks_table = data.get("checks", {})
        if not isinstance(checks_table, dict):
            raise ConfigError(f"{source}: [checks] must be a table")
        checks = parse_table(VarChecks, checks_table, f"{source} [checks]")
        checks.check_names(variables, source)
        top_tables = {k: v for k, v in data.items() if k in channels}
        raw_parts = data.get("part")
        if raw_parts is None:
            parts = [
                _part(
                    {
                        k: v
                        for k, v in data.items()
                        if k in ("audience", "deliver", "channels", *top_tables)
                    },
                    "main",
                    {},
                    host,
                    source,
                    "",
                )
            ]
        else:
            if not isinstance(raw_parts, list) or not raw_parts:
                raise ConfigError(f"{source}: 'part' must be a list of [[part]] tables")
            if "audience" in data and not isinstance(data["audience"], dict):
                raise ConfigError(f"{source}: [audience] must be a table")
            parts = []
            for index, raw in enumerate(raw_parts):
                if not isinstance(raw, dict):
                    raise ConfigError(f"{source}: [[part]] number {index + 1} must be a table")
                merged = dict(raw)
                if "audience" not in merged and "audience" in data:
                    merged["audience"] = data["audience"]
                for key in ("deliver", "channels"):
                    if key not in merged and key in data:
                        merged[key] = data[key]
                part_id = raw.get("id", f"part{index + 1}")
                parts.append(_part(merged, part_id, top_tables, host, source, "part."))
            ids = [p.id for p in parts]
            dupes = sorted({i for i in ids if ids.count(i) > 1})
            if dupes:
                raise ConfigError(f"{source}: two parts have the id {dupes[0]!r}")
            for raw, part in zip(raw_parts, parts, strict=True):
                part.follow = parse_follow_up(raw, part.id, parts, source)
                if part.follow is not None and "audience" not in raw:
                    # A reminder goes to the people the first message went to.
                    part.audience = next(p for p in parts if p.id == part.follow.part).audience
            check_follow_up_chains(parts, source)
        return cls(name, parts, description, path, dict(variables), checks, source)


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"{where} must be text, not {value!r}")
    return value


def _unknown_key(
    source: str, table: str, key: str, known: list[str], account: frozenset[str] = frozenset()
) -> None:
    where = f"{source} [{table}]" if table else source
    if key in account:
        raise ConfigError(
            f"{where}: {key!r} is an account setting; put it in outreach.toml, not in a campaign"
        )
    close = difflib.get_close_matches(key, known, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise ConfigError(f"{where}: unknown key {key!r}{hint}")


def _option_keys(options: type) -> frozenset[str]:
    if not dataclasses.is_dataclass(options):
        return frozenset()
    return frozenset(f.name for f in dataclasses.fields(options))


def _part(
    raw: dict[str, Any],
    part_id: Any,
    defaults: dict[str, Any],
    host: PluginHost,
    source: str,
    prefix: str,
) -> Part:
    channels = host.channels()
    table = f"{prefix.rstrip('.')}" if prefix else ""
    label = f"{prefix}{part_id}" if prefix else ""
    if not isinstance(part_id, str) or not _NAME.match(part_id):
        raise ConfigError(f"{source}: a part's id must be a simple name, not {part_id!r}")
    for key in raw:
        if key not in _PART_KEYS and key not in channels:
            allowed = list(_PART_KEYS) + sorted(channels)
            _unknown_key(source, table, key, allowed, host.account_keys())
    audience_table = raw.get("audience", {})
    if not isinstance(audience_table, dict):
        raise ConfigError(f"{source}: [{prefix}audience] must be a table")
    audience = parse_table(Audience, audience_table, f"{source} [{prefix}audience]")
    audience.bind(host.requirements(), f"{source} [{prefix}audience]")
    deliver = raw.get("deliver", "all")
    if deliver not in ("all", "first"):
        raise ConfigError(f"{source}: deliver must be 'all' or 'first', not {deliver!r}")
    tables = {k: v for k, v in raw.items() if k in channels}
    names = raw.get("channels")
    if names is None:
        names = list(tables) or [k for k in defaults if k in channels]
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ConfigError(f"{source}: channels must be a list of channel names")
    if not names:
        raise ConfigError(
            f"{source}: {'part ' + label + ' has' if label else 'the campaign has'} no channel "
            f"(add a table such as [email]; installed channels: {', '.join(sorted(channels))})"
        )
    options: dict[str, Any] = {}
    for name in names:
        if name not in channels:
            import difflib

            known = ", ".join(sorted(channels))
            close = difflib.get_close_matches(name, sorted(channels), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ConfigError(f"{source}: unknown channel {name!r}{hint}; installed: {known}")
        channel = channels[name]
        merged = dict(defaults.get(name, {}))
        own = tables.get(name, {})
        if not isinstance(own, dict) or not isinstance(merged, dict):
            raise ConfigError(f"{source}: [{prefix}{name}] must be a table")
        merged.update(own)
        # Another channel's account key may be one of this channel's options (SMS's sender).
        misplaced = host.account_keys() - _option_keys(channel.Options)
        for key in merged:
            if key in misplaced:
                _unknown_key(source, f"{prefix}{name}", key, [], misplaced)
        options[name] = channel.parse_options(merged, f"{source} [{prefix}{name}]")
    description = _text(raw.get("description", ""), f"{source}: description")
    return Part(part_id, audience, list(names), deliver, description, options)
