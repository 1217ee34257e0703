"""Converting a mailmerge folder (template, database CSV, server config) into outreach.

mailmerge (https://github.com/awdeorio/mailmerge) keeps three files: a Jinja template that
is a whole message with headers (``TO: {{email}}``, ``SUBJECT: ...``, ``ATTACHMENT: ...``), a
CSV with one row per recipient, and an INI file with the server. The conversion gives:

* a campaign (``campaign.toml`` and ``message.txt.j2`` in the same folder, so attachment
  paths keep working) whose ``[email]`` table reads the CSV as per-contact ``row`` data, with
  the template's column names rewritten to ``row.<column>``;
* the CSV's recipients as contacts, tagged so the campaign's audience is exactly them;
* the server settings as the account's ``[email]`` table (no password: mailmerge asks for it
  at the prompt; outreach reads ``OUTREACH_SMTP_PASSWORD`` or a password command).

Everything is read and checked before anything is written.
"""

from __future__ import annotations

import configparser
import csv
import email
import email.utils
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from outreach.contact import Contact, Email, Name
from outreach.errors import InputError
from outreach.importer import decode_text

__all__ = ["Conversion", "convert", "rewrite_columns"]

TEMPLATE = "mailmerge_template.txt"
DATABASE = "mailmerge_database.csv"
SERVER = "mailmerge_server.conf"

_VARIABLE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
_KNOWN_HEADERS = {
    "to",
    "from",
    "subject",
    "cc",
    "bcc",
    "reply-to",
    "attachment",
    "content-type",
    "content-transfer-encoding",
    "mime-version",
}
_NAME_COLUMNS = ("name", "full_name", "fullname", "full name")
_GIVEN_COLUMNS = ("first_name", "firstname", "first name", "given", "given_name")
_FAMILY_COLUMNS = ("last_name", "lastname", "last name", "family", "surname", "family_name")


@dataclass(slots=True)
class Conversion:
    """Everything a conversion produces, before it is written."""

    name: str
    campaign_toml: str
    #: File name (in the mailmerge folder) -> text: the body templates.
    templates: dict[str, str]
    contacts: list[Contact]
    #: The ``[email]`` table for ``outreach.toml``.
    settings_toml: str
    email_column: str
    warnings: list[str] = field(default_factory=list)


def _toml_string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")


def _toml_list(values: list[str]) -> str:
    return "[" + ", ".join(_toml_string(v) for v in values) + "]"


def rewrite_columns(source: str, columns: set[str]) -> str:
    """``source`` with each template variable that names a CSV column read from ``row``."""
    from jinja2 import Environment

    tokens = list(Environment().lex(source))
    out = []
    previous = ""
    for index, (_line, kind, value) in enumerate(tokens):
        if kind == "name" and value in columns and previous not in (".", "|", "is"):
            following = next((t for t in tokens[index + 1 :] if t[1] != "whitespace"), None)
            if following is None or following[2] != "=":
                value = f"row.{value}"
        out.append(value)
        if kind != "whitespace":
            previous = value
    return "".join(out)


def _read_csv(path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file (the mailmerge database)") from None
    # Decoded as the campaign's ``data`` will be (see channel._read_table).
    text = decode_text(data, path, hint="save it as UTF-8")
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(
            text[:1024], delimiters=",;\t"
        )
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text, newline=""), dialect=dialect, strict=True)
    rows = []
    try:
        for row in reader:
            rows.append((reader.line_num, {k.strip(): (v or "") for k, v in row.items() if k}))
    except csv.Error as exc:
        raise InputError(f"{path}:{reader.line_num}: {exc}") from None
    columns = [f.strip() for f in reader.fieldnames or []]
    if not columns:
        raise InputError(f"{path}: the database has no header row")
    return columns, rows


def _pick(columns: list[str], choices: tuple[str, ...]) -> str | None:
    lowered = {c.lower(): c for c in columns}
    return next((lowered[c] for c in choices if c in lowered), None)


def _contact(row: dict[str, str], line: int, path: Path, columns: dict[str, str | None]) -> Contact:
    def cell(what: str) -> str:
        column = columns[what]
        return row.get(column, "").strip() if column else ""

    address = cell("email")
    if not address:
        raise InputError(f"{path}:{line}: no email address in column {columns['email']!r}")
    full, given, family = cell("name"), cell("given"), cell("family")
    if full and not (given or family):
        words = full.split()
        if len(words) == 2:
            given, family = words
    formatted = full or " ".join(p for p in (given, family) if p)
    name = Name(given=given, family=family, formatted=formatted)
    return Contact(name=name, emails=[Email(address, ("INTERNET",))])


def _server_settings(path: Path, warnings: list[str]) -> str:
    parser = configparser.RawConfigParser()
    try:
        with path.open(encoding="utf-8") as handle:
            parser.read_file(handle)
        host = parser.get("smtp_server", "host")
        port = parser.getint("smtp_server", "port")
        security = parser.get("smtp_server", "security", fallback=None)
        username = parser.get("smtp_server", "username", fallback=None)
        ratelimit = parser.getint("smtp_server", "ratelimit", fallback=0)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file (the mailmerge server config)") from None
    except (configparser.Error, ValueError) as exc:
        raise InputError(f"{path}: {' '.join(str(exc).split())}") from None
    lines = ["[email]", f"host = {_toml_string(host)}", f"port = {port}"]
    mapped = {
        None: "none",
        "Never": "none",
        "SSL/TLS": "tls",
        "STARTTLS": "starttls",
        "PLAIN": "starttls",
        "XOAUTH": "starttls",
    }
    if security not in mapped:
        raise InputError(f"{path}: unknown security {security!r}")
    if security == "PLAIN":
        warnings.append(
            f"{path}: security PLAIN sends the password without encryption; outreach never "
            "does, so it uses starttls: check the server offers it"
        )
    lines.append(f'security = "{mapped[security]}"')
    if username and mapped[security] != "none":
        lines.append(f"username = {_toml_string(username)}")
        if security == "XOAUTH":
            lines.append('token_command = ["/path/to/your-oauth-token-helper"]')
            warnings.append(
                f"{path}: XOAUTH: set token_command in outreach.toml to a program that prints "
                "an access token"
            )
        else:
            lines.append('password_env = "OUTREACH_SMTP_PASSWORD"')
    if ratelimit:
        lines.append(f"per_minute = {ratelimit}")
    return "\n".join(lines) + "\n"


def _split_addresses(value: str) -> list[str]:
    return [v.strip() for v in re.split(r",(?![^<]*>)", value) if v.strip()]


def convert(folder: Path, name: str, tag: str) -> Conversion:
    """Read a mailmerge folder and work out the campaign, contacts and settings."""
    warnings: list[str] = []
    template_path = folder / TEMPLATE
    try:
        raw = template_path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{template_path}: no such file (the mailmerge template)") from None
    except UnicodeDecodeError:
        raise InputError(f"{template_path}: not UTF-8 text") from None
    columns, rows = _read_csv(folder / DATABASE)
    column_set = set(columns)
    message = email.message_from_string(raw)
    for header in message:
        if header.lower() not in _KNOWN_HEADERS:
            warnings.append(f"{template_path}: header {header!r} is not carried over")
    to = message.get("to", "")
    to_vars = _VARIABLE.findall(to)
    angle = re.search(r"<([^<>]*)>", to)
    in_angle = _VARIABLE.findall(angle.group(1)) if angle else []
    email_column = (in_angle or to_vars or [None])[0]
    if email_column is None or email_column not in column_set:
        raise InputError(
            f"{template_path}: the TO header must be a database column such as {{{{email}}}}, "
            f"not {to!r}"
        )
    name_vars = [v for v in to_vars if v != email_column and v in column_set]
    picked: dict[str, str | None] = {
        "email": email_column,
        "name": name_vars[0] if name_vars else _pick(columns, _NAME_COLUMNS),
        "given": _pick(columns, _GIVEN_COLUMNS),
        "family": _pick(columns, _FAMILY_COLUMNS),
    }
    database = folder / DATABASE
    contacts = [_contact(row, line, database, picked) for line, row in rows]
    subject = message.get("subject", "")
    if not subject.strip():
        # mailmerge sends such a template without a Subject header; so does the campaign.
        warnings.append(
            f"{template_path}: no SUBJECT header: the messages go without a subject "
            "(set subject in campaign.toml to give them one)"
        )
        subject = ""

    body_text, html_text, markdown = _bodies(message, template_path)
    templates = {"message.txt.j2": rewrite_columns(body_text, column_set)}
    lines = [
        "# Converted from a mailmerge folder by `outreach campaign from-mailmerge`.",
        f"name = {_toml_string(name)}",
        "",
        "[audience]",
        f"tags = [{_toml_string(tag)}]",
        'require = ["email"]',
        "",
        "[email]",
        f"subject = {_toml_string(rewrite_columns(' '.join(subject.split()), column_set))}",
        'template = "message.txt.j2"',
        f"data = {_toml_string(DATABASE)}",
        f"data_key = {_toml_string(email_column)}",
    ]
    if markdown:
        lines.append("markdown = true")
    if html_text is not None:
        templates["message.html.j2"] = rewrite_columns(html_text, column_set)
        lines.append('html_template = "message.html.j2"')
    sender = message.get("from", "").strip()
    if sender:
        lines.append(f"from = {_toml_string(rewrite_columns(sender, column_set))}")
    reply_to = message.get("reply-to", "").strip()
    if reply_to:
        lines.append(f"reply_to = {_toml_string(rewrite_columns(reply_to, column_set))}")
    for header in ("cc", "bcc"):
        values = [a for v in message.get_all(header, []) for a in _split_addresses(v)]
        if values:
            rewritten = [rewrite_columns(v, column_set) for v in values]
            lines.append(f"{header} = {_toml_list(rewritten)}")
    attachments = [a.strip() for a in message.get_all("attachment", []) if a.strip()]
    if attachments:
        lines.append(
            f"attachments = {_toml_list([rewrite_columns(a, column_set) for a in attachments])}"
        )
    settings = _server_settings(folder / SERVER, warnings)
    return Conversion(
        name,
        "\n".join(lines) + "\n",
        templates,
        contacts,
        settings,
        email_column,
        warnings,
    )


def _bodies(message: email.message.Message, path: Path) -> tuple[str, str | None, bool]:
    """(text template, HTML template or None, whether the text is Markdown)."""
    kind = message.get_content_type()
    if message.is_multipart():
        text = html = None
        for part in message.walk():
            if part.is_multipart():
                continue
            payload = part.get_payload()
            if not isinstance(payload, str):
                continue
            if part.get_content_type() == "text/plain" and text is None:
                text = payload
            elif part.get_content_type() == "text/html" and html is None:
                html = payload
        if text is None and html is None:
            raise InputError(f"{path}: no text/plain or text/html part")
        return (text if text is not None else _html_to_text(html or "")), html, False
    payload = message.get_payload()
    body = payload if isinstance(payload, str) else ""
    if kind == "text/html":
        return _html_to_text(body), body, False
    return body, None, kind == "text/markdown"


def _html_to_text(html: str) -> str:
    """A plain-text stand-in for an HTML-only template (tags dropped, Jinja kept)."""
    text = re.sub(r"(?is)<(script|style).*?</\1>", "", html)
    text = re.sub(r"(?i)<br\s*/?>|</p>|</div>|</h\d>|</li>", "\n", text)
    text = re.sub(r"<[^>{}]+>", "", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
