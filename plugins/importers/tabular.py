"""What the CSV importers share: reading a table with line numbers, dates, labels, fields.

Not a plugin itself: the LinkedIn, Google, Outlook and generic CSV importers build on it, and
the Google CSV exporter uses the same label tables, so a contact read from any of those files
and written back as Google CSV reads back the same.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from outreach import countries
from outreach.contact import Address, Birthday, Contact, RawProperty, content_uid
from outreach.errors import InputError
from outreach.importer import ImportedRecord, ImportResult, SkippedRow, decode_text
from outreach.vcard import escape_text, unescape_text

__all__ = [
    "FIELD",
    "BadRow",
    "Row",
    "Table",
    "address",
    "birthday_from",
    "check_email",
    "collect",
    "field_label",
    "field_value",
    "finish_contact",
    "label_for",
    "note_kept_columns",
    "parse_day",
    "raw_field",
    "read_table",
    "rows_of",
    "sniff_header",
    "split_multi",
    "types_for",
]

#: vCard property holding a CSV column outreach has no field for, labelled by X-LABEL.
FIELD = "X-OUTREACH-FIELD"
LABEL_PARAM = "X-LABEL"
#: Google joins several values in one cell with this.
MULTI = " ::: "

_DELIMITERS = (",", ";", "\t")


class BadRow(ValueError):
    """A row that cannot be imported; the message says why (the caller adds file and line)."""


@dataclass(slots=True)
class Row:
    """One data row: its first line in the file and its cells by column position."""

    line: int
    cells: list[str]
    header: Table

    def get(self, column: str) -> str:
        """The cell under ``column`` (case-insensitive), stripped; "" when absent or empty."""
        index = self.header.index.get(column.casefold())
        if index is None or index >= len(self.cells):
            return ""
        return self.cells[index].strip()

    def raw(self, index: int) -> str:
        """The cell at a column position, stripped."""
        return self.cells[index].strip() if index < len(self.cells) else ""

    @property
    def blank(self) -> bool:
        """True when every cell is empty."""
        return not any(c.strip() for c in self.cells)

    def identity(self, kind: str) -> str:
        """A stable UID for the row, from its format and content."""
        return content_uid(kind + "\x1f" + "\x1f".join(c.strip() for c in self.cells))


@dataclass(slots=True)
class Table:
    """A CSV file's header and where it starts; rows come from :func:`rows_of`."""

    path: Path
    columns: list[str]
    header_line: int
    delimiter: str
    text: str
    index: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for position, column in enumerate(self.columns):
            self.index.setdefault(column.casefold(), position)

    def has(self, column: str) -> bool:
        """True when the header has ``column`` (case-insensitive)."""
        return column.casefold() in self.index


def _rows(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """(first line, cells) of every row; a quoting error raises ``csv.Error`` with the line."""
    handle = io.StringIO(text, newline="")
    reader = csv.reader(handle, delimiter=delimiter, strict=True)
    previous = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise _QuotingError(previous + 1, str(exc)) from None
        yield previous + 1, cells
        previous = reader.line_num


class _QuotingError(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line


def read_table(
    path: Path,
    options: Mapping[str, Any] | None,
    is_header: Callable[[list[str]], bool] | None = None,
    *,
    what: str = "CSV",
) -> Table:
    """Read ``path`` and find its header row (see :func:`_find_header`)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None
    text = decode_text(data, path, (options or {}).get("encoding"))
    found = _find_header(text, is_header)
    if found is None:
        raise InputError(f"{path}: no {what} header row found")
    columns, line, delimiter = found
    return Table(path, columns, line, delimiter, text)


def sniff_header(
    head: bytes, is_header: Callable[[list[str]], bool] | None = None
) -> list[str] | None:
    """The header row among a file's first bytes, found as :func:`read_table` finds it.

    For an importer's ``sniff``: the bytes are decoded as :func:`decode_text` would (a
    UTF-16 byte-order mark is honoured), but leniently, since the head may end mid-character
    and column names are what matters. None when no header row is found.
    """
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = head[: len(head) // 2 * 2].decode("utf-16", "replace")
    else:
        text = head.decode("utf-8", "replace")
    text = text.lstrip("\ufeff")
    # The last line may be cut short (inside a quoted cell, too): it is left out.
    cut = text.rfind("\n")
    found = _find_header(text[: cut + 1] if cut >= 0 else text, is_header)
    return found[0] if found is not None else None


def _find_header(
    text: str, is_header: Callable[[list[str]], bool] | None
) -> tuple[list[str], int, str] | None:
    """(columns, line, delimiter) of the header row of a CSV text, or None.

    ``is_header`` recognises the header among the first rows (LinkedIn writes a "Notes:"
    preamble of varying length before it); without it, the first non-blank row is the header.
    Commas, semicolons (Outlook in many European locales) and tabs are tried in that order.
    """
    for delimiter in _DELIMITERS:
        try:
            for line, cells in _rows(text, delimiter):
                if not any(c.strip() for c in cells):
                    continue
                columns = [c.strip().lstrip("\ufeff") for c in cells]
                if is_header is None:
                    if len(columns) > 1 or delimiter == _DELIMITERS[-1]:
                        return columns, line, delimiter
                    break
                if is_header(columns):
                    return columns, line, delimiter
                if line > 50:
                    break
        except _QuotingError:
            continue
    return None


def rows_of(
    table: Table, skip_bad: bool, skipped: list[SkippedRow]
) -> Iterator[tuple[Row, Callable[[str], InputError | None]]]:
    """Every non-blank data row after the header, with a function that reports it as bad.

    The reporter returns an error to raise, or ``None`` when ``skip_bad`` lets the row be
    skipped (it is then listed in ``skipped``).
    """
    width = len(table.columns)

    def reporter(line: int) -> Callable[[str], InputError | None]:
        def bad(reason: str) -> InputError | None:
            if skip_bad:
                skipped.append(SkippedRow(line, reason, str(table.path)))
                return None
            return InputError(f"{table.path}:{line}: {reason}")

        return bad

    try:
        for line, cells in _rows(table.text, table.delimiter):
            if line <= table.header_line:
                continue
            row = Row(line, cells, table)
            if not cells:
                continue  # a blank line between rows, not a row
            if row.blank:
                # A row of empty cells (LinkedIn writes them for members who left): counted.
                skipped.append(SkippedRow(line, "empty row", str(table.path)))
                continue
            bad = reporter(line)
            if len(cells) > width and any(c.strip() for c in cells[width:]):
                error = bad(f"{len(cells)} values but the header has {width} columns")
                if error is not None:
                    raise error
                continue
            yield row, bad
    except _QuotingError as exc:
        # The quoting of the rest of the file cannot be trusted: this stops even --skip-bad.
        raise InputError(f"{table.path}:{exc.line}: broken quoting ({exc})") from None


def collect(
    table: Table,
    skip_bad: bool,
    result: ImportResult,
    build: Callable[[Row], ImportedRecord | None],
) -> None:
    """Build a record from every data row into ``result``.

    ``build`` raises :class:`BadRow` for a row that cannot be imported: that stops the
    import with the file and line, or with ``skip_bad`` lists the row as skipped.
    """
    for row, bad in rows_of(table, skip_bad, result.skipped):
        try:
            record = build(row)
        except BadRow as exc:
            error = bad(str(exc))
            if error is not None:
                raise error from None
            continue
        if record is not None:
            result.records.append(record)
        else:
            result.skipped.append(
                SkippedRow(
                    row.line, "nothing to import (no name, address or profile)", str(table.path)
                )
            )


def note_kept_columns(result: ImportResult, ignored: Sequence[str] = ()) -> None:
    """Name, in one note each, the columns kept as they are rather than as contact fields
    (``X-OUTREACH-FIELD``, written back on export) and the columns left out by request, so
    no column goes unmentioned."""
    kept: dict[str, None] = {}
    for record in result.records:
        for raw in record.contact.extra:
            label = field_label(raw)
            if label is not None:
                kept.setdefault(label or "(unnamed)", None)
    if kept:
        result.notes.append(
            "columns with no contact field, kept in the card as they are: " + ", ".join(kept)
        )
    if ignored:
        result.notes.append("not imported (mapped to ignore): " + ", ".join(ignored))


# -- values ---------------------------------------------------------------------------------

_EMAIL = re.compile(r"^[^@\s<>(),;:\"\[\]\\]+@[^@\s<>(),;:\"\[\]\\]+\.[^@\s<>(),;:\"\[\]\\]+$")


def check_email(address: str, column: str) -> str:
    """``address`` stripped, or :class:`BadRow` when it is not an email address."""
    text = address.strip()
    if text.lower().startswith("mailto:"):
        text = text[7:]
    if not _EMAIL.match(text):
        raise BadRow(f"{column}: {address!r} is not an email address")
    return text


def split_multi(value: str) -> list[str]:
    """A cell's values: Google joins several with `` ::: ``."""
    return [v.strip() for v in value.split(MULTI)] if MULTI in value else [value.strip()]


_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        1,
    )
    for name in names
}
_ISO = re.compile(r"^(\d{4})-?(\d{2})-?(\d{2})(?:[T ].*)?$")
_NO_YEAR = re.compile(r"^--(\d{2})-?(\d{2})$")
_NAMED = re.compile(r"^(\d{1,2})[ \-]([A-Za-z]{3,9})\.?[ \-,]+(\d{2}|\d{4})$")
_NAMED_US = re.compile(r"^([A-Za-z]{3,9})\.? (\d{1,2}),? (\d{4})$")
_NUMERIC = re.compile(r"^(\d{1,2})([/.])(\d{1,2})\2(\d{2}|\d{4})$")
#: Outlook's "no date" values and its placeholder year for "year unknown".
_EMPTY_DATES = {"0/0/00", "0/0/0000", "00/00/00", "0.0.00", "1/1/4501", "01/01/4501"}
PLACEHOLDER_YEARS = {1604}


def _year(text: str) -> int:
    year = int(text)
    if len(text) == 2:
        # Two-digit years: this century unless that would be in the future.
        this_year = date.today().year
        year += 2000 if 2000 + year <= this_year else 1900
    return year


def parse_day(text: str, *, day_first: bool | None = None) -> tuple[int | None, int, int] | None:
    """(year or None, month, day) from the date spellings exports use; None for "no date".

    ISO (``1980-05-17``), no year (``--05-17``), LinkedIn's ``15 Mar 2024`` and ``7-Feb-22``,
    ``Mar 15, 2024``, and numeric ``5/17/1980`` (month first unless ``day_first``, or the
    first number is over 12) or ``17.5.1980`` (day first). Raises ``ValueError`` otherwise.
    """
    value = text.strip()
    if not value or value in _EMPTY_DATES:
        return None
    if m := _ISO.match(value):
        return int(m.group(1)), int(m.group(2)), int(m.group(3))
    if m := _NO_YEAR.match(value):
        return None, int(m.group(1)), int(m.group(2))
    if m := _NAMED.match(value):
        month = _MONTHS.get(m.group(2).lower())
        if month:
            return _year(m.group(3)), month, int(m.group(1))
    if m := _NAMED_US.match(value):
        month = _MONTHS.get(m.group(1).lower())
        if month:
            return int(m.group(3)), month, int(m.group(2))
    if m := _NUMERIC.match(value):
        first, second, year = int(m.group(1)), int(m.group(3)), _year(m.group(4))
        dots = m.group(2) == "."
        if dots or first > 12 or (day_first and second <= 12):
            return year, second, first
        return year, first, second
    raise ValueError(f"{text!r} is not a date")


def birthday_from(text: str, column: str, *, day_first: bool | None = None) -> Birthday | None:
    """A birthday from a cell (placeholder years mean "year unknown"); :class:`BadRow` if bad."""
    try:
        parts = parse_day(text, day_first=day_first)
        if parts is None:
            return None
        year, month, day = parts
        if year in PLACEHOLDER_YEARS:
            year = None
        return Birthday(month, day, year)
    except ValueError:
        raise BadRow(f"{column}: {text.strip()!r} is not a date") from None


def day_from(text: str, column: str) -> date | None:
    """A full date from a cell; :class:`BadRow` when it is not one."""
    try:
        parts = parse_day(text)
        if parts is None:
            return None
        year, month, day = parts
        if year is None:
            raise ValueError(text)
        return date(year, month, day)
    except ValueError:
        raise BadRow(f"{column}: {text.strip()!r} is not a date") from None


def day_first_in(values: Sequence[str]) -> bool | None:
    """Whether a file's numeric dates put the day first, judged from all of them at once.

    A first number over 12 means day first, a second over 12 month first; a file whose
    dates are all ambiguous is read month first (the US default of Outlook's export).
    """
    for value in values:
        if m := _NUMERIC.match(value.strip()):
            if m.group(2) == ".":
                return True
            first, second = int(m.group(1)), int(m.group(3))
            if first > 12:
                return True
            if second > 12:
                return False
    return None


# -- addresses, labels ----------------------------------------------------------------------


def address(
    *,
    street: str = "",
    locality: str = "",
    region: str = "",
    postal_code: str = "",
    country: str = "",
    po_box: str = "",
    extended: str = "",
    types: tuple[str, ...] = (),
) -> Address | None:
    """An address with its ISO country code, or None when every part is empty."""
    lines = tuple(s.strip() for s in street.replace("\r\n", "\n").split("\n") if s.strip())
    country = country.strip()
    code = countries.code_for(country)
    if code and country == code:
        # A bare ISO code ("AT") is the code of a country whose name was not written.
        country = ""
    result = Address(
        street=lines,
        locality=locality.strip(),
        region=region.strip(),
        postal_code=postal_code.strip(),
        country=country,
        country_code=code,
        po_box=po_box.strip(),
        extended=extended.strip(),
        types=types,
    )
    return None if result.is_empty else result


#: Google's labels and the vCard TYPE values each stands for, per kind of value. A label not
#: listed is kept as its own TYPE value, so it is written back unchanged.
_LABELS: dict[str, dict[str, tuple[str, ...]]] = {
    "email": {"Home": ("HOME",), "Work": ("WORK",), "Other": ()},
    "phone": {
        "Mobile": ("CELL",),
        "Work": ("WORK",),
        "Home": ("HOME",),
        "Main": ("MAIN",),
        "Work Fax": ("WORK", "FAX"),
        "Home Fax": ("HOME", "FAX"),
        "Other Fax": ("FAX",),
        "Pager": ("PAGER",),
        "Work Mobile": ("WORK", "CELL"),
        "Work Pager": ("WORK", "PAGER"),
        "Car": ("CAR",),
        "ISDN": ("ISDN",),
        "Company Main": ("WORK", "MAIN"),
        "Assistant": ("X-ASSISTANT",),
        "Callback": ("X-CALLBACK",),
        "Radio": ("X-RADIO",),
        "Telex": ("X-TELEX",),
        "TTY/TDD": ("TEXTPHONE",),
        "Other": (),
    },
    "address": {"Home": ("HOME",), "Work": ("WORK",), "Other": ()},
}
#: TYPE values that say nothing a label could carry.
_NEUTRAL = {"internet", "voice", "pref", "x400", "postal", "parcel", "dom", "intl"}


def types_for(kind: str, label: str) -> tuple[str, ...]:
    """The TYPE values for a Google label ("* Work" is preferred: ``("WORK", "pref")``)."""
    text = label.strip()
    preferred = text.startswith("*")
    text = text.lstrip("*").strip()
    table = _LABELS[kind]
    found = next(
        (types for name, types in table.items() if name.casefold() == text.casefold()), None
    )
    types = found if found is not None else ((text,) if text else ())
    return (*types, "pref") if preferred else types


def label_for(kind: str, types: Sequence[str]) -> str:
    """The Google label for TYPE values; ``* `` marks the preferred one."""
    preferred = any(t.lower() == "pref" for t in types)
    wanted = [t for t in types if t.lower() not in _NEUTRAL]
    key = sorted(t.lower() for t in wanted)
    label = next(
        (name for name, ts in _LABELS[kind].items() if sorted(t.lower() for t in ts) == key),
        None,
    )
    if label is None:
        label = " ".join(wanted)
    return f"* {label}" if preferred else label


def raw_field(label: str, value: str) -> RawProperty:
    """A column outreach has no field for, kept in the vCard as ``X-OUTREACH-FIELD``."""
    return RawProperty(FIELD, escape_text(value), ((LABEL_PARAM, (label,)),))


def field_label(raw: RawProperty) -> str | None:
    """The label of an ``X-OUTREACH-FIELD`` property, or None for any other property."""
    if raw.name.upper() != FIELD:
        return None
    for name, values in raw.params:
        if name == LABEL_PARAM and values:
            return values[0]
    return ""


def field_value(raw: RawProperty) -> str:
    """The text of an ``X-OUTREACH-FIELD`` property."""
    return unescape_text(raw.value)


def finish_contact(contact: Contact) -> Contact:
    """Fill the formatted name from the parts, as the vCard reader does for a card."""
    # Name.display is the formatted name when there is one, else the parts joined.
    contact.name.formatted = contact.name.display
    return contact
