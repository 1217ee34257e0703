"""Outlook's contacts CSV ("Comma Separated Values" export, and Google's "Outlook CSV").

Outlook writes Business, Home and Other addresses (street in up to three columns, the country
under ``Country/Region``), up to three emails, a dozen phone columns, ``Categories`` (joined by
``;``) that become tags, and notes over several lines. Files come in the Windows code page
(cp1252) as often as in UTF-8, and in many European locales with ``;`` between columns. Dates
follow the locale too: the order of day and month is judged from the whole file. A birthday
in 1604 is Outlook's "year unknown", and ``0/0/00`` means no date.

Columns outreach has no field for (Spouse, Anniversary, Office Location ...) are kept as
``X-OUTREACH-FIELD`` properties, except Outlook's fill-ins (Sensitivity "Normal", Private
"False" ...), which say nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from outreach import hookimpl
from outreach.contact import Contact, Email, Name, Phone
from outreach.importer import ImportedRecord, Importer, ImportResult

from . import tabular
from .tabular import Row

_NAME = {
    "title": "prefix",
    "first name": "given",
    "middle name": "additional",
    "last name": "family",
    "suffix": "suffix",
    "nickname": "nickname",
}
_WORK = {"company": "org", "department": "department", "job title": "title"}
#: Phone columns and the Google label each is written back under.
_PHONES = {
    "business phone": "Work",
    "business phone 2": "Work",
    "home phone": "Home",
    "home phone 2": "Home",
    "mobile phone": "Mobile",
    "primary phone": "Main",
    "company main phone": "Company Main",
    "business fax": "Work Fax",
    "home fax": "Home Fax",
    "other fax": "Other Fax",
    "pager": "Pager",
    "car phone": "Car",
    "isdn": "ISDN",
    "assistant's phone": "Assistant",
    "callback": "Callback",
    "radio phone": "Radio",
    "telex": "Telex",
    "tty/tdd phone": "TTY/TDD",
    "other phone": "Other",
}
_ADDRESS_KINDS = {"business": "Work", "home": "Home", "other": "Other"}
_EMAILS = (
    ("e-mail address", "e-mail type", "e-mail display name"),
    ("e-mail 2 address", "e-mail 2 type", "e-mail 2 display name"),
    ("e-mail 3 address", "e-mail 3 type", "e-mail 3 display name"),
)
#: What Outlook writes into every row when a field is unset.
_FILL_INS = {
    "sensitivity": {"normal"},
    "priority": {"normal"},
    "private": {"false"},
    "gender": {"unspecified"},
    "anniversary": {"0/0/00", "0.0.00", "00.00.00"},
    "birthday": {"0/0/00", "0.0.00", "00.00.00"},
}


def _address_columns(kind: str) -> dict[str, str]:
    return {
        f"{kind} street": "street",
        f"{kind} street 2": "street2",
        f"{kind} street 3": "street3",
        f"{kind} city": "locality",
        f"{kind} state": "region",
        f"{kind} postal code": "postal_code",
        f"{kind} country/region": "country",
        f"{kind} country": "country",
        f"{kind} address po box": "po_box",
    }


_ADDRESS = {
    column: (kind, part)
    for kind in _ADDRESS_KINDS
    for column, part in _address_columns(kind).items()
}
_CONSUMED = (
    set(_NAME)
    | set(_WORK)
    | set(_PHONES)
    | set(_ADDRESS)
    | {c for triple in _EMAILS for c in triple}
    | {"birthday", "categories", "notes", "web page"}
)


def _is_header(columns: list[str]) -> bool:
    names = {c.casefold() for c in columns}
    return (
        "first name" in names
        and "e-mail address" in names
        and ("business street" in names or "home street" in names or "job title" in names)
    )


class OutlookImporter(Importer):
    """Reads an Outlook contacts CSV."""

    name = "outlook"
    description = "Outlook contacts CSV (also Google's 'Outlook CSV' export)"

    @classmethod
    def sniff(cls, path: Path, head: bytes) -> int:
        """How sure this importer is that it reads ``path`` (0 to 100)."""
        return 90 if tabular.sniff_header(head, _is_header) else 0

    def read(
        self, path: Path, *, skip_bad: bool = False, options: Mapping[str, Any] | None = None
    ) -> ImportResult:
        """Read every contact of ``path``; a bad row is an error unless ``skip_bad``."""
        result = ImportResult(path, self.name)
        table = tabular.read_table(path, options, _is_header, what="Outlook contacts CSV")
        # Judge the order of day and month from every date in the file before reading any.
        dates = [row.get("Birthday") for row, _ in tabular.rows_of(table, True, [])]
        day_first = tabular.day_first_in([d for d in dates if d])

        def build(row: Row) -> ImportedRecord | None:
            contact = _contact(row, table, day_first)
            return ImportedRecord(contact, row.line) if contact is not None else None

        tabular.collect(table, skip_bad, result, build)
        tabular.note_kept_columns(result)
        return result


def _contact(row: Row, table: tabular.Table, day_first: bool | None) -> Contact | None:
    contact = Contact(uid=row.identity("outlook"), name=Name())
    addresses: dict[str, dict[str, str]] = {}
    for position, column in enumerate(table.columns):
        value = row.raw(position)
        key = column.casefold()
        if not value or value.casefold() in _FILL_INS.get(key, ()):
            continue
        if key in _NAME:
            setattr(contact.name, _NAME[key], " ".join(value.split()))
        elif key in _WORK:
            setattr(contact, _WORK[key], " ".join(value.split()))
        elif key in _PHONES:
            contact.phones.append(Phone(value, tabular.types_for("phone", _PHONES[key])))
        elif key in _ADDRESS:
            kind, part = _ADDRESS[key]
            addresses.setdefault(kind, {})[part] = value
        elif key == "birthday":
            contact.birthday = tabular.birthday_from(value, column, day_first=day_first)
        elif key == "categories":
            for tag in value.replace(tabular.MULTI, ";").split(";"):
                contact.add_tag(tag.strip())
        elif key == "notes":
            contact.notes = value.replace("\r\n", "\n").replace("\r", "\n")
        elif key == "web page" and "linkedin.com/" in value.casefold():
            contact.linkedin = value
        elif key not in _CONSUMED:
            contact.extra.append(tabular.raw_field(column, value))
    for address_column, type_column, _display in _EMAILS:
        value = row.get(address_column)
        if not value:
            continue
        column = table.columns[table.index[address_column]]
        if row.get(type_column).upper() == "EX" and "@" not in value:
            # An Exchange directory name (/o=ExchangeLabs/...), not an address: kept as is.
            contact.extra.append(tabular.raw_field(f"{column} (Exchange)", value))
            continue
        address = tabular.check_email(value, column)
        if not contact.has_email(address):
            contact.emails.append(Email(address))
    web = row.get("Web Page")
    if web and not contact.linkedin:
        contact.extra.append(tabular.raw_field("Web Page", web))
    for kind, parts in addresses.items():
        street = "\n".join(parts.get(k, "") for k in ("street", "street2", "street3"))
        postal = tabular.address(
            street=street,
            locality=parts.get("locality", ""),
            region=parts.get("region", ""),
            postal_code=parts.get("postal_code", ""),
            country=parts.get("country", ""),
            po_box=parts.get("po_box", ""),
            types=tabular.types_for("address", _ADDRESS_KINDS[kind]),
        )
        if postal is not None:
            contact.addresses.append(postal)
    name = contact.name
    someone = name.given or name.family or contact.org or contact.emails or contact.phones
    if not (someone or contact.extra or contact.notes or contact.addresses):
        return None
    return tabular.finish_contact(contact)


@hookimpl
def register_importers(register: Callable[[type[Importer]], None]) -> None:
    """The Outlook contacts CSV importer."""
    register(OutlookImporter)
