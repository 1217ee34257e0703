"""Any CSV, with a column mapping (``--map COLUMN=FIELD``) or a preset (``--preset``).

Without a mapping, columns are matched by their usual names (``Email``, ``E-mail Address``,
``First Name``, ``Company``, ``City`` ...). ``--map`` names the field of a column outright and
may be given for as many columns as needed; several columns may feed ``email``, ``phone`` and
``tags``. A column mapped to ``ignore`` is left out; every other column outreach has no field
for is kept, as an ``X-OUTREACH-FIELD`` property labelled with the column's name.

The ``mailmerge`` preset reads the database of the ``mailmerge`` tool: an ``email`` column,
usually a ``name``, and any other columns the template uses, all kept.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from outreach import hookimpl
from outreach.cadence import Cadence
from outreach.contact import Contact, Email, Name, Phone, RawProperty
from outreach.errors import InputError
from outreach.importer import ImportedRecord, Importer, ImportResult, split_name

from . import tabular
from .google import apply_group
from .tabular import BadRow, Row

#: Every field a column can be mapped to, with what it fills.
FIELDS: dict[str, str] = {
    "uid": "the contact's UID",
    "name": "the whole name (split into given and family)",
    "given": "given (first) name",
    "family": "family (last) name",
    "additional": "middle name",
    "prefix": "name prefix (Dr., Ms.)",
    "suffix": "name suffix (Jr., PhD)",
    "nickname": "what you call them",
    "email": "an email address (repeatable)",
    "phone": "a phone number (repeatable)",
    "org": "organisation",
    "department": "department",
    "title": "job title",
    "linkedin": "LinkedIn profile URL",
    "tags": "tags, separated by commas or semicolons (repeatable)",
    "notes": "notes",
    "relationship": "how you know each other",
    "birthday": "birthday",
    "cadence": "how often to be in touch (yearly, P6W ...)",
    "street": "street of the postal address",
    "locality": "city",
    "region": "state or region",
    "postal_code": "postal code",
    "country": "country",
    "card_note": "a personal line for this year's card",
    "ignore": "leave the column out",
}
#: Column names recognised without a mapping (compared without case, spaces, - and _).
_ALIASES: dict[str, str] = {
    "uid": "uid",
    "name": "name",
    "fullname": "name",
    "displayname": "name",
    "firstname": "given",
    "givenname": "given",
    "first": "given",
    "lastname": "family",
    "familyname": "family",
    "surname": "family",
    "last": "family",
    "middlename": "additional",
    "nickname": "nickname",
    "email": "email",
    "emailaddress": "email",
    "mail": "email",
    "phone": "phone",
    "phonenumber": "phone",
    "telephone": "phone",
    "mobile": "phone",
    "company": "org",
    "organization": "org",
    "organisation": "org",
    "org": "org",
    "department": "department",
    "title": "title",
    "jobtitle": "title",
    "position": "title",
    "linkedin": "linkedin",
    "linkedinurl": "linkedin",
    "tags": "tags",
    "categories": "tags",
    "groups": "tags",
    "notes": "notes",
    "note": "notes",
    "relationship": "relationship",
    "birthday": "birthday",
    "cadence": "cadence",
    "street": "street",
    "address": "street",
    "city": "locality",
    "town": "locality",
    "state": "region",
    "region": "region",
    "province": "region",
    "zip": "postal_code",
    "zipcode": "postal_code",
    "postcode": "postal_code",
    "postalcode": "postal_code",
    "country": "country",
}
#: Presets: a mapping applied before --map. Unmapped columns are kept.
PRESETS: dict[str, dict[str, str]] = {
    "mailmerge": {"email": "email", "name": "name"},
}
_REPEATABLE = {"email", "phone", "tags", "group"}
_GROUP_COLUMN = re.compile(r"^(?:e-?mail|phone|address|website) (\d+) - (.+)$", re.IGNORECASE)


#: "E-mail 2 Address", "Email 3" (Outlook and Google shared-contacts layouts).
_MORE_EMAILS = re.compile(r"^e-?mail(?: \d+)?(?: address)?$", re.IGNORECASE)
#: "Business Phone 2", "Home Fax", "Mobile Phone", "Pager": a phone with the kind it names.
_TYPED_PHONE = re.compile(
    r"^(business|work|home|other|mobile|cell|car|primary|main|company main|assistant's|"
    r"callback|radio|telex|isdn|tty/tdd)?\s*(phone|fax|pager|telephone)(?: \d+)?$",
    re.IGNORECASE,
)
_PHONE_KINDS = {
    "business": ("WORK",),
    "work": ("WORK",),
    "home": ("HOME",),
    "mobile": ("CELL",),
    "cell": ("CELL",),
    "car": ("CAR",),
    "primary": ("pref",),
    "main": ("MAIN",),
    "company main": ("WORK", "MAIN"),
    "isdn": ("ISDN",),
    "tty/tdd": ("TEXTPHONE",),
}
#: "Home Address", "Business Address": an address written whole in one cell.
_WHOLE_ADDRESS = re.compile(r"^(business|work|home|other) address$", re.IGNORECASE)


def _alias(column: str) -> str | None:
    found = _ALIASES.get(re.sub(r"[\s_\-]+", "", column.casefold()))
    if found is not None:
        return found
    text = " ".join(column.split())
    if _MORE_EMAILS.match(text):
        return "email"
    if match := _TYPED_PHONE.match(text):
        kind = (match.group(1) or "").casefold()
        types = list(_PHONE_KINDS.get(kind, ()))
        what = match.group(2).casefold()
        if what in ("fax", "pager"):
            types.append(what.upper())
        return "phone:" + ",".join(types)
    if match := _WHOLE_ADDRESS.match(text):
        kind = match.group(1).casefold()
        return "address:" + {"business": "WORK", "work": "WORK", "home": "HOME"}.get(kind, "")
    return None


def parse_map(entries: list[str] | tuple[str, ...]) -> dict[str, str]:
    """``COLUMN=FIELD`` strings to a mapping; an unknown field is an error listing them."""
    mapping: dict[str, str] = {}
    for entry in entries:
        column, eq, target = entry.rpartition("=")
        column, target = column.strip(), target.strip().lower()
        if not eq or not column:
            raise InputError(f"--map {entry!r}: write COLUMN=FIELD, e.g. --map 'E-mail=email'")
        if target not in FIELDS:
            known = ", ".join(FIELDS)
            raise InputError(f"--map {entry!r}: unknown field {target!r} (fields: {known})")
        mapping[column] = target
    return mapping


class CsvImporter(Importer):
    """Reads any CSV through a column mapping."""

    name = "csv"
    description = "any CSV with a header row, mapped by --map COLUMN=FIELD or --preset mailmerge"

    @classmethod
    def sniff(cls, path: Path, head: bytes) -> int:
        """How sure this importer is that it reads ``path`` (0 to 100)."""
        if path.is_dir():
            return 0
        known = {_alias(c) for c in tabular.sniff_header(head) or ()}
        if "email" in known or "name" in known or {"given", "family"} <= known:
            return 40
        return 10 if path.suffix.lower() in (".csv", ".tsv") else 0

    def read(
        self, path: Path, *, skip_bad: bool = False, options: Mapping[str, Any] | None = None
    ) -> ImportResult:
        """Read every contact of ``path``; a bad row is an error unless ``skip_bad``."""
        options = options or {}
        result = ImportResult(path, self.name)
        table = tabular.read_table(path, options)
        plan = _plan(table, options)
        if not any(target not in ("ignore", "keep") for target in plan):
            raise InputError(
                f"{path}:{table.header_line}: no column is mapped to a contact field; "
                "map them with --map COLUMN=FIELD"
            )
        tabular.collect(
            table,
            skip_bad,
            result,
            lambda row: ImportedRecord(_contact(row, table, plan), row.line),
        )
        ignored = [c for c, t in zip(table.columns, plan, strict=True) if t == "ignore"]
        tabular.note_kept_columns(result, ignored)
        return result


def _plan(table: tabular.Table, options: Mapping[str, Any]) -> list[str]:
    """The field of every column, by position: a mapped field, ``keep`` or ``ignore``."""
    preset_name = options.get("preset")
    mapping: dict[str, str] = {}
    if preset_name:
        if preset_name not in PRESETS:
            raise InputError(
                f"unknown preset {preset_name!r} (presets: {', '.join(sorted(PRESETS))})"
            )
        mapping.update(PRESETS[preset_name])
    given = options.get("map") or {}
    explicit = parse_map(given) if isinstance(given, (list, tuple)) else dict(given)
    missing = [c for c in explicit if not table.has(c)]
    if missing:
        raise InputError(
            f"{table.path}:{table.header_line}: no column {missing[0]!r} "
            f"(columns: {', '.join(table.columns)})"
        )
    mapping.update(explicit)
    wanted = {c.casefold(): t for c, t in mapping.items()}
    plan: list[str] = []
    taken: set[str] = set()
    for column in table.columns:
        target = wanted.get(column.casefold())
        if target is None and not preset_name:
            target = _alias(column)
        if target is None and _GROUP_COLUMN.match(column):
            # Google-style numbered groups ("E-mail 2 - Value", "Phone 1 - Label",
            # "Address 1 - City"): read as the Google importer reads them.
            target = "group"
        if target is None:
            target = "keep"
        elif (
            target not in _REPEATABLE
            and target.partition(":")[0] not in ("phone", "address")
            and target in taken
            and target != "ignore"
        ):
            raise InputError(
                f"{table.path}:{table.header_line}: two columns map to {target!r}; "
                f"map one of them elsewhere with --map"
            )
        taken.add(target)
        plan.append(target)
    return plan


def _contact(row: Row, table: tabular.Table, plan: list[str]) -> Contact:
    contact = Contact(uid="", name=Name())
    parts: dict[str, str] = {}
    groups: dict[tuple[str, int], dict[str, str]] = {}
    names: dict[tuple[str, int], dict[str, str]] = {}
    for position, (column, target) in enumerate(zip(table.columns, plan, strict=True)):
        value = row.raw(position)
        if not value or target == "ignore":
            continue
        if target == "group":
            group, number, part = _group_key(column)
            groups.setdefault((group, number), {})[part] = value
            names.setdefault((group, number), {})[part] = column
        elif target == "keep":
            contact.extra.append(tabular.raw_field(column, value))
        elif target == "uid":
            contact.uid = value
        elif target == "name":
            whole = split_name(value)
            name = contact.name
            name.given = name.given or whole.given
            name.family = name.family or whole.family
            name.suffix = name.suffix or whole.suffix
            name.formatted = whole.formatted
        elif target in ("given", "family", "additional", "prefix", "suffix", "nickname"):
            setattr(contact.name, target, " ".join(value.split()))
        elif target == "email":
            for item in re.split(r"[;,]| ::: ", value):
                if item.strip():
                    address = tabular.check_email(item, column)
                    if not contact.has_email(address):
                        contact.emails.append(Email(address))
        elif target == "phone":
            contact.phones.append(Phone(value))
        elif target.startswith("phone:"):
            kinds = target.partition(":")[2]
            contact.phones.append(Phone(value, tuple(t for t in kinds.split(",") if t)))
        elif target.startswith("address:"):
            kind = target.partition(":")[2]
            # Written whole ("12 Main St, Springfield, IL 62701"): its lines are the street,
            # as the Google importer keeps a formatted-only address.
            written = tabular.address(street=value, types=(kind,) if kind else ())
            if written is not None:
                contact.addresses.append(written)
        elif target == "tags":
            for tag in re.split(r"[;,]| ::: ", value):
                contact.add_tag(tag.strip())
        elif target == "birthday":
            contact.birthday = tabular.birthday_from(value, column)
        elif target == "cadence":
            try:
                contact.cadence = Cadence.parse(value)
            except ValueError as exc:
                raise BadRow(f"{column}: {exc}") from None
        elif target in ("street", "locality", "region", "postal_code", "country"):
            parts[target] = value
        elif target == "notes":
            contact.notes = value.replace("\r\n", "\n").replace("\r", "\n")
        else:
            setattr(contact, target, value.strip())
    extras: list[RawProperty] = []
    for (group, number), cells in sorted(groups.items(), key=lambda item: item[0][1]):
        apply_group(contact, group, number, cells, names[(group, number)], extras)
    contact.extra.extend(extras)
    postal = tabular.address(
        street=parts.get("street", ""),
        locality=parts.get("locality", ""),
        region=parts.get("region", ""),
        postal_code=parts.get("postal_code", ""),
        country=parts.get("country", ""),
    )
    if postal is not None:
        contact.addresses.append(postal)
    someone = contact.name.display or contact.org or contact.emails or contact.phones
    if not (someone or contact.linkedin):
        raise BadRow("no name, organisation, email, phone or LinkedIn profile")
    contact.uid = contact.uid or row.identity("csv")
    return tabular.finish_contact(contact)


def _group_key(column: str) -> tuple[str, int, str]:
    """("E-mail", 2, "Value") for "Email 2 - Value"; "Type" is read as "Label"."""
    kind, number, part = column.split(" ", 1)[0], 0, ""
    match = _GROUP_COLUMN.match(column)
    assert match is not None
    number, part = int(match.group(1)), match.group(2).strip()
    if part.casefold() == "type":
        part = "Label"
    labels = {"label": "Label", "value": "Value", "street": "Street", "city": "City",
              "region": "Region", "country": "Country", "formatted": "Formatted",
              "po box": "PO Box", "postal code": "Postal Code",
              "extended address": "Extended Address"}  # fmt: skip
    part = labels.get(part.casefold(), part)
    kind = {"e-mail": "e-mail", "email": "e-mail"}.get(kind.casefold(), kind.capitalize())
    return kind, number, part


@hookimpl
def register_importers(register: Callable[[type[Importer]], None]) -> None:
    """The generic CSV importer."""
    register(CsvImporter)
