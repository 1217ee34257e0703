"""Jinja2 templating: a sandboxed, strict environment and the filters campaigns use.

Templates come from (first match wins) the campaign's own folder, the workspace's
``templates/`` folder and the built-in ``outreach.templates`` package. The environment is a
:class:`~jinja2.sandbox.SandboxedEnvironment` with :class:`~jinja2.StrictUndefined`: a template
cannot reach the file system or Python internals, and a misspelt variable is an error, never
an empty string in a letter. Every error names the template, its line and the contact.
"""

from __future__ import annotations

import traceback
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from .contact import Contact
from .errors import TemplateRenderError

if TYPE_CHECKING:
    from .journal import Touch
    from .pluginhost import PluginHost
    from .workspace import Workspace

__all__ = [
    "LastTouch",
    "Renderer",
    "build_environment",
    "format_date",
    "ics_date",
    "ics_text",
    "since",
    "years_since",
]

_NUMBERS = ["no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]


#: ``date`` under another name, for :class:`LastTouch`, whose field ``date`` hides the type.
_Day: TypeAlias = date


@dataclass(frozen=True, slots=True)
class LastTouch:
    """The last time you were in touch, as templates see it (``last_touch``).

    ``{{ last_touch }}`` prints the ISO date and the date filters take it as a date;
    ``last_touch.via`` is how ("call", "email", "lunch"), ``last_touch.note`` what you noted
    (``outreach touch --note``), ``last_touch.campaign`` the campaign that made it, if any.
    """

    date: date
    via: str = ""
    note: str = ""
    campaign: str = ""

    def __str__(self) -> str:
        return self.date.isoformat()

    # Templates written when ``last_touch`` was a plain date keep working.
    @property
    def year(self) -> int:
        """The year of the touch."""
        return self.date.year

    @property
    def month(self) -> int:
        """The month of the touch."""
        return self.date.month

    def isoformat(self) -> str:
        """The date as ``YYYY-MM-DD``."""
        return self.date.isoformat()

    @classmethod
    def of(cls, value: Touch | _Day | LastTouch | None) -> LastTouch | None:
        """A journal touch (or a bare date) as a template's ``last_touch``."""
        if value is None or isinstance(value, LastTouch):
            return value
        if isinstance(value, datetime):
            return cls(value.date())
        if isinstance(value, date):
            return cls(value)
        return cls(value.day, value.via or "", value.note or "", value.campaign or "")


def _as_date(value: date | datetime | str | LastTouch | None) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, LastTouch):
        return value.date
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def years_since(
    value: date | datetime | str | LastTouch | None, today: date | None = None
) -> int | None:
    """Whole years from ``value`` to ``today``; ``None`` when there is no date."""
    then = _as_date(value)
    if then is None:
        return None
    now = today or date.today()
    years = now.year - then.year - ((now.month, now.day) < (then.month, then.day))
    return max(years, 0)


def _words(n: int) -> str:
    return _NUMBERS[n] if 0 <= n < len(_NUMBERS) else str(n)


def since(value: date | datetime | str | LastTouch | None, today: date | None = None) -> str:
    """How long ago, as a person says it: "a few weeks", "eight months", "four years"."""
    then = _as_date(value)
    if then is None:
        return "a long time"
    now = today or date.today()
    days = (now - then).days
    if days < 14:
        return "a few days"
    if days < 45:
        return "a few weeks"
    months = (now.year - then.year) * 12 + now.month - then.month - (now.day < then.day)
    if months < 12:
        return f"{_words(max(months, 2))} months"
    years = years_since(then, now) or 1
    return "a year" if years == 1 else f"{_words(years)} years"


def format_date(
    value: date | datetime | str | None, format: str = "long", locale: str = "en"
) -> str:
    """A date in the user's language: ``format`` is short, medium, long, full or a pattern."""
    day = _as_date(value)
    if day is None:
        return ""
    from babel.dates import format_date as babel_format_date

    return babel_format_date(day, format=format, locale=locale)


def ics_text(value: object) -> str:
    """Escape text for an iCalendar property value (RFC 5545 section 3.3.11).

    A newline in contact data becomes the two characters ``\\n``, so it can never start a
    new property line in a calendar file.
    """
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    for char, escaped in (("\\", "\\\\"), (";", "\\;"), (",", "\\,"), ("\n", "\\n")):
        text = text.replace(char, escaped)
    return text


def ics_date(value: date | datetime | str) -> str:
    """A date as iCalendar writes it: ``20261204``."""
    day = _as_date(value)
    return day.strftime("%Y%m%d") if day else ""


def _greeting(value: Contact | str) -> str:
    return value.greeting_name if isinstance(value, Contact) else str(value)


def _autoescape(name: str | None) -> bool:
    return bool(name) and str(name).endswith((".html", ".htm", ".html.j2", ".xml"))


def build_environment(
    search_path: list[Path],
    *,
    language: str = "en",
    today: date | None = None,
    host: PluginHost | None = None,
) -> SandboxedEnvironment:
    """The sandboxed environment: loaders in priority order, built-in filters, plugin hooks."""
    loaders: list[jinja2.BaseLoader] = [
        jinja2.FileSystemLoader(str(p)) for p in search_path if p.is_dir()
    ]
    loaders.append(jinja2.PackageLoader("outreach.templates", "."))
    env = SandboxedEnvironment(
        loader=jinja2.ChoiceLoader(loaders),
        undefined=jinja2.StrictUndefined,
        # Templates do not change during a run: do not stat every file on every render.
        auto_reload=False,
        autoescape=_autoescape,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["greeting"] = _greeting
    env.filters["date"] = lambda value, format="long": format_date(value, format, language)
    env.filters["since"] = lambda value: since(value, today)
    env.filters["years_since"] = lambda value: years_since(value, today)
    env.filters["ics_text"] = ics_text
    env.filters["ics_date"] = ics_date
    if host is not None:
        host.prepare_jinja_env(env)
    return env


def _template_line(exc: BaseException, filename: str | None) -> int | None:
    lineno = getattr(exc, "lineno", None)
    if lineno:
        return int(lineno)
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if filename and frame.filename == filename:
            return frame.lineno
    return None


class Renderer:
    """Renders templates for one campaign run, naming template, line and contact on error."""

    def __init__(
        self,
        workspace: Workspace,
        *,
        campaign_dir: Path | None = None,
        today: date | None = None,
        host: PluginHost | None = None,
    ) -> None:
        self.workspace = workspace
        self.today = today or date.today()
        self.host = host
        search = [campaign_dir] if campaign_dir is not None else []
        search.append(workspace.templates_dir)
        self.env = build_environment(
            search, language=workspace.me.language, today=self.today, host=host
        )
        self._inline: dict[tuple[str, str], jinja2.Template] = {}

    def _fail(self, exc: BaseException, name: str, filename: str | None, who: str) -> None:
        line = _template_line(exc, filename)
        where = f"{name}, line {line}" if line else name
        message = getattr(exc, "message", None) or str(exc)
        raise TemplateRenderError(f"template {where}: {message} (contact: {who})") from exc

    def template(self, name: str) -> jinja2.Template:
        """Load a template by name, with a clear message when it does not exist or compile."""
        try:
            return _flat_globals(self.env.get_template(name))
        except jinja2.TemplateNotFound:
            raise TemplateRenderError(
                f"template {name}: not found in the campaign folder, "
                f"{self.workspace.templates_dir} or the built-in templates"
            ) from None
        except jinja2.TemplateSyntaxError as exc:
            self._fail(exc, name, exc.filename, "none")
            raise  # pragma: no cover - _fail always raises

    def render(self, name: str, context: Mapping[str, Any], *, contact: Contact) -> str:
        """Render the template file ``name`` for ``contact``."""
        template = self.template(name)
        try:
            return template.render(context)
        except jinja2.TemplateError as exc:
            self._fail(exc, name, template.filename, _who(contact))
        except (ValueError, TypeError, ArithmeticError, LookupError) as exc:
            self._fail(exc, name, template.filename, _who(contact))
        raise AssertionError("unreachable")  # pragma: no cover

    def render_string(
        self, source: str, context: Mapping[str, Any], *, name: str, contact: Contact
    ) -> str:
        """Render template text from a campaign file; ``name`` says where it came from."""
        key = (name, source)
        template = self._inline.get(key)
        if template is None:
            try:
                template = _flat_globals(self.env.from_string(source))
            except jinja2.TemplateSyntaxError as exc:
                self._fail(exc, name, None, _who(contact))
            self._inline[key] = template  # type: ignore[assignment]
        try:
            return template.render(context)  # type: ignore[union-attr]
        except jinja2.TemplateError as exc:
            self._fail(exc, name, "<template>", _who(contact))
        except (ValueError, TypeError, ArithmeticError, LookupError) as exc:
            self._fail(exc, name, "<template>", _who(contact))
        raise AssertionError("unreachable")  # pragma: no cover

    def context(
        self,
        contact: Contact,
        *,
        campaign: Any = None,
        part: str = "main",
        channel: str = "",
        last_touch: Touch | date | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """The variables every template sees for one contact.

        ``contact``, ``name``, ``greeting``, ``first_name``, ``me``, ``campaign``, ``part``,
        ``channel``, ``today``, ``last_touch`` (a :class:`LastTouch`, or ``None``; given a
        journal touch or a date), ``years_since``, ``since`` and ``vars`` (the
        campaign's ``[vars]`` table), plus what plugins add through ``template_context``.
        """
        touch = LastTouch.of(last_touch)
        context: dict[str, Any] = {}
        if self.host is not None:
            context.update(self.host.template_context(contact, campaign, channel))
        if extra:
            context.update(extra)
        context.update(
            contact=contact,
            name=contact.display_name,
            greeting=contact.greeting_name,
            first_name=contact.name.given or contact.greeting_name,
            me=self.workspace.me,
            campaign=campaign,
            part=part,
            channel=channel,
            today=self.today,
            last_touch=touch,
            years_since=years_since(touch, self.today),
            since=since(touch, self.today),
            vars=getattr(campaign, "vars", {}) if campaign is not None else {},
        )
        return context


def _flat_globals(template: jinja2.Template) -> jinja2.Template:
    """Give ``template`` its globals as a plain dict instead of Jinja's ChainMap.

    Every render copies the globals into a new context, and copying a ChainMap costs more
    than the rest of rendering a short template; the environment is complete before any
    template is loaded, so the flat copy sees the same names.
    """
    if not isinstance(template.globals, dict):
        template.globals = dict(template.globals)
    return template


def _who(contact: Contact) -> str:
    return f"{contact.display_name} <{contact.uid}>"
