"""The workspace: a directory with ``outreach.toml``, the address book, the journal and outputs.

Chosen by ``--home DIR``, else ``$OUTREACH_HOME``, else the current directory. Settings that
belong to the account (SMTP server, rate limits, LinkedIn account kind) live in
``outreach.toml``; campaigns carry none of them. No secret is ever read from this file.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .addressbook import AddressBook
from .contact import Address
from .errors import ConfigError
from .journal import Journal
from .locks import LOCK_DIR, Holder, hold
from .options import load_toml, parse_table

__all__ = ["CONFIG_NAME", "Me", "Workspace", "default_config"]

CONFIG_NAME = "outreach.toml"
ENV_HOME = "OUTREACH_HOME"


@dataclass(slots=True)
class PostalSettings:
    """A postal address as written in ``outreach.toml``."""

    street: list[str] = field(default_factory=list)
    locality: str = ""
    region: str = ""
    postal_code: str = ""
    country: str = ""


@dataclass(slots=True)
class Me:
    """The user: who the campaigns come from (table ``[me]``)."""

    name: str = ""
    email: str = ""
    #: CLDR language for dates and country names on envelopes ("en", "de", "fr_CA").
    language: str = "en"
    #: ISO 3166 code of the home country: addresses there are domestic mail.
    country: str = "US"
    phone: str = ""
    linkedin: str = ""
    #: A signature image for cards (path relative to the workspace).
    signature: str = ""
    address: PostalSettings = field(default_factory=PostalSettings)

    @property
    def postal_address(self) -> Address | None:
        """The return address as an :class:`~outreach.contact.Address`, if one is set."""
        a = self.address
        address = Address(
            street=tuple(a.street),
            locality=a.locality,
            region=a.region,
            postal_code=a.postal_code,
            country=a.country,
            country_code=self.country.upper(),
        )
        return None if address.is_empty else address


@dataclass(slots=True)
class BookSettings:
    """Table ``[book]``: where the master address book is."""

    #: A ``.vcf`` file, or a directory for a vdir (one ``.vcf`` per contact).
    path: str = "contacts.vcf"


@dataclass(slots=True)
class JournalSettings:
    """Table ``[journal]``: where the journal database is."""

    path: str = "journal.sqlite"


_CORE_SECTIONS: dict[str, type] = {"me": Me, "book": BookSettings, "journal": JournalSettings}


def default_config(name: str = "", email: str = "") -> str:
    """The text of a new ``outreach.toml``, with comments a user can follow."""
    return f"""\
# outreach workspace settings. Campaign files live anywhere; account settings live here.

[me]
name = {name!r}
email = {email!r}
language = "en"        # dates and country names on envelopes
country = "US"         # your home country: mail there is domestic
# signature = "signature.png"
# [me.address]
# street = ["1 Main Street"]
# locality = "Springfield"
# region = "IL"
# postal_code = "62701"
# country = "United States"

[book]
path = "contacts.vcf"  # or a folder, for one .vcf per contact (khard, vdirsyncer)

[plan]
default_cadence = "yearly"
# soon_days = 14               # "due soon" looks this far ahead
# slipping_days = 365          # due and silent this long: "slipping away"
# per_week = 25                # how many due contacts the plan suggests a week

[plan.cadence]
# tag or relationship = cadence
former-boss = "quarterly"
mentor = "quarterly"

# [reminders]                  # outreach reminders --ics FILE; "never" or "" turns one off
# connections = "P2W"          # add two new LinkedIn connections
# backup = "monthly"
# catch_up = "01-15"           # the yearly catch-up, MM-DD
# holiday_cards = "11-15"      # holiday-card season starts, MM-DD

# [email]
# host = "smtp.example.com"
# port = 587
# security = "starttls"          # starttls | tls | none
# username = "you@example.com"
# password_env = "OUTREACH_SMTP_PASSWORD"
# per_minute = 20
# per_day = 500
# per_domain_per_minute = 5

# [linkedin]
# account = "premium"            # or "free": connection notes are limited to 200 characters
"""


class Workspace:
    """A workspace directory and its parsed ``outreach.toml``."""

    def __init__(self, root: Path, config: dict[str, Any]) -> None:
        self.root = Path(root)
        self.config = config
        self.me: Me = self._core("me", Me)
        self.book_settings: BookSettings = self._core("book", BookSettings)
        self.journal_settings: JournalSettings = self._core("journal", JournalSettings)

    def _core(self, name: str, cls: type) -> Any:
        return parse_table(cls, self.section(name), f"{self.config_path} [{name}]")

    # -- finding and creating -------------------------------------------------------------

    @property
    def config_path(self) -> Path:
        """The workspace's ``outreach.toml``."""
        return self.root / CONFIG_NAME

    @staticmethod
    def resolve_root(home: str | os.PathLike[str] | None = None) -> Path:
        """``home``, else ``$OUTREACH_HOME``, else the current directory."""
        chosen = home if home is not None else os.environ.get(ENV_HOME) or os.getcwd()
        return Path(chosen).expanduser()

    @classmethod
    def load(cls, root: str | os.PathLike[str]) -> Workspace:
        """Open the workspace at ``root``; it must contain ``outreach.toml``."""
        path = Path(root).expanduser()
        missing = (
            f"{path}: not an outreach workspace (no {CONFIG_NAME}); "
            f"create one with: outreach init {path}"
        )
        return cls(path, load_toml(path / CONFIG_NAME, missing))

    @classmethod
    def locate(cls, home: str | os.PathLike[str] | None = None) -> Workspace:
        """Open the workspace chosen by ``--home``, ``$OUTREACH_HOME`` or the current directory."""
        return cls.load(cls.resolve_root(home))

    @classmethod
    def init(
        cls,
        root: str | os.PathLike[str],
        *,
        name: str = "",
        email: str = "",
        settings: Path | None = None,
    ) -> Workspace:
        """Create a workspace at ``root`` (an existing ``outreach.toml`` is left alone).

        ``settings`` is an ``outreach.toml`` to start from (checked before it is copied);
        without it the workspace gets commented defaults with ``name`` and ``email``.
        """
        path = Path(root).expanduser()
        config_path = path / CONFIG_NAME
        text = default_config(name, email)
        if settings is not None:
            cls(path, load_toml(settings, f"{settings}: no such settings file"))
            text = settings.read_text(encoding="utf-8")
        path.mkdir(parents=True, exist_ok=True)
        if not config_path.exists():
            config_path.write_text(text, encoding="utf-8")
        (path / "templates").mkdir(exist_ok=True)
        return cls.load(path)

    # -- places ---------------------------------------------------------------------------

    def _path(self, value: str) -> Path:
        candidate = Path(value).expanduser()
        return candidate if candidate.is_absolute() else self.root / candidate

    @property
    def book_path(self) -> Path:
        """The master address book: a ``.vcf`` file or a vdir."""
        return self._path(self.book_settings.path)

    @property
    def journal_path(self) -> Path:
        """The SQLite journal."""
        return self._path(self.journal_settings.path)

    @property
    def templates_dir(self) -> Path:
        """Templates here override the built-in ones of the same name."""
        return self.root / "templates"

    @property
    def cache_dir(self) -> Path:
        """Disposable caches (parsed address book)."""
        return self.root / ".cache"

    @property
    def lock_dir(self) -> Path:
        """The lock files of the send and book locks (see :mod:`outreach.locks`)."""
        return self.root / LOCK_DIR

    def out_dir(self, campaign: str) -> Path:
        """Where a campaign's outputs go: ``out/<campaign name>/``."""
        return self.root / "out" / campaign

    def section(self, name: str) -> dict[str, Any]:
        """A settings table from ``outreach.toml`` (empty when absent), e.g. ``email``."""
        value = self.config.get(name, {})
        if not isinstance(value, dict):
            raise ConfigError(f"{self.config_path}: [{name}] must be a table")
        return value

    # -- opening --------------------------------------------------------------------------

    def open_book(self) -> AddressBook:
        """Read the master address book (through the parse cache).

        A book path that shows nothing while the contacts sit in the other layout beside it
        (``[book] path`` switched by hand) is an error naming ``contacts move-book``.
        """
        from .bookmove import check_book_place

        check_book_place(self.root, self.book_path)
        return AddressBook.open(self.book_path, self.cache_dir)

    def open_journal(self) -> Journal:
        """Open (creating or migrating) the journal."""
        return Journal(self.journal_path)

    # -- locks ----------------------------------------------------------------------------

    def send_lock(
        self, *, wait: bool = True, on_wait: Callable[[Holder], None] | None = None
    ) -> AbstractContextManager[None]:
        """Hold the workspace's send lock (one sending run at a time; see
        :func:`outreach.locks.hold` for ``wait`` and ``on_wait``)."""
        return hold(
            self.lock_dir / "send.lock",
            what="the send lock (another sending run)",
            wait=wait,
            on_wait=on_wait,
        )

    @contextmanager
    def edit_book(
        self, *, on_wait: Callable[[Holder], None] | None = None
    ) -> Iterator[AddressBook]:
        """Change the book without losing anyone else's change: read, change, save, locked.

        Takes the book lock, reads the book as it is now and yields it; when the block ends
        without an exception the changes are saved, then the lock is released. Every command
        that changes the book does it here, so two of them never work on the same old copy::

            with workspace.edit_book() as book:
                person = book.find("ann@example.org")
                person.add_tag("mentor")
                book.update(person)
        """
        with self.book_lock(on_wait=on_wait):
            book = self.open_book()
            yield book
            book.save()

    @contextmanager
    def book_lock(self, *, on_wait: Callable[[Holder], None] | None = None) -> Iterator[None]:
        """Hold the book lock without reading the book (for work on the book's files
        themselves, such as moving it; :meth:`edit_book` is the usual way in).

        Once the lock is held, ``[book] path`` is read again from ``outreach.toml``: the
        holder before may have moved the book (``contacts move-book``) or restored another
        config, and a change saved to where the book used to be would be lost from it.
        """
        with hold(self.lock_dir / "book.lock", what="the address book lock", on_wait=on_wait):
            if self.config_path.is_file():
                config = load_toml(self.config_path, f"{self.config_path}: missing")
                self.config["book"] = config.get("book", {})
                self.book_settings = self._core("book", BookSettings)
            yield
