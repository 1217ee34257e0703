"""Google Contacts CSV in, both column sets; Google's current column set out.

Google has written two CSV layouts. The current one (``First Name``, ``Labels``, ``E-mail 1 -
Label``) and the legacy one (``Given Name``, ``Group Membership``, ``E-mail 1 - Type``) share
their numbered groups: as many ``E-mail N``, ``Phone N`` and ``Address N`` columns as the
busiest contact needs, and several values of one label joined in a cell by `` ::: ``.
``Labels`` become tags, without Google's system groups ``* myContacts`` and ``* Other
Contacts`` (everything saved, and everything Gmail saved on its own); a starred system group
such as ``* starred`` or ``* coworkers`` becomes a plain tag.

The exporter writes Google's current set, so the file imports into Google, Outlook and most
other tools. What Google has no column for (the UID, cadence, how you know each other, the
card note, returned addresses) goes into ``Custom Field`` columns labelled ``outreach: ...``,
so exporting and importing again gives back the same contacts. Columns outreach has no field
for are kept in the vCard as ``X-OUTREACH-FIELD`` and written back where they came from.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from outreach import hookimpl
from outreach.cadence import Cadence
from outreach.contact import Address, Contact, Email, Phone, RawProperty
from outreach.errors import InputError
from outreach.importer import Exporter, ImportedRecord, Importer, ImportResult
from outreach.vcard import unescape_text

from . import tabular
from .tabular import BadRow, Row

#: Google's current simple columns, in its order, and the contact field each fills.
CURRENT_COLUMNS = (
    "First Name",
    "Middle Name",
    "Last Name",
    "Phonetic First Name",
    "Phonetic Middle Name",
    "Phonetic Last Name",
    "Name Prefix",
    "Name Suffix",
    "Nickname",
    "File As",
    "Organization Name",
    "Organization Title",
    "Organization Department",
    "Birthday",
    "Notes",
    "Photo",
    "Labels",
)
_ADDRESS_PARTS = (
    "Label",
    "Formatted",
    "Street",
    "City",
    "PO Box",
    "Region",
    "Postal Code",
    "Country",
    "Extended Address",
)
#: Simple columns (current and legacy) that map to a contact field.
_SIMPLE = {
    "first name": "given",
    "given name": "given",
    "middle name": "additional",
    "additional name": "additional",
    "last name": "family",
    "family name": "family",
    "name prefix": "prefix",
    "name suffix": "suffix",
    "nickname": "nickname",
    "name": "formatted",
    "organization name": "org",
    "organization title": "title",
    "organization department": "department",
    "organization 1 - name": "org",
    "organization 1 - title": "title",
    "organization 1 - department": "department",
    "birthday": "birthday",
    "notes": "notes",
    "labels": "labels",
    "group membership": "labels",
}
#: Columns the exporter fills from ``X-OUTREACH-FIELD`` properties of the same label.
_KEPT_COLUMNS = ("Phonetic First Name", "Phonetic Middle Name", "Phonetic Last Name", "File As")
_GROUP = re.compile(r"^(.+?) (\d+) - (.+)$")
#: Numbered groups kept as fields labelled "<group>: <label>", written back to that group.
_LABELLED_GROUPS = ("Website", "Relation", "Event")
_SYSTEM_GROUPS = {"mycontacts", "my contacts", "other contacts"}
_OUTREACH = "outreach: "


def _is_current(columns: list[str]) -> bool:
    names = {c.casefold() for c in columns}
    return "first name" in names and ("labels" in names or "file as" in names)


def _is_legacy(columns: list[str]) -> bool:
    names = {c.casefold() for c in columns}
    return "given name" in names and ("group membership" in names or "family name" in names)


_NUMBERED = re.compile(r"^(?:e-?mail|phone|address) \d+ - ", re.IGNORECASE)
_NAME_COLUMNS = {"first name", "last name", "given name", "family name", "name"}


def is_numbered(columns: list[str]) -> bool:
    """Google's numbered groups with a name column but neither label column: what a Google
    Workspace shared-contacts file and other Google-style exports look like."""
    names = {c.casefold() for c in columns}
    return bool(names & _NAME_COLUMNS) and any(_NUMBERED.match(c) for c in columns)


def _is_google(columns: list[str]) -> bool:
    return _is_current(columns) or _is_legacy(columns) or is_numbered(columns)


def _tags(cell: str) -> list[str]:
    tags = []
    for label in tabular.split_multi(cell):
        name = label.lstrip("*").strip()
        if name and name.casefold() not in _SYSTEM_GROUPS:
            tags.append(name)
    return tags


def _labelled(values: str, labels: str) -> list[tuple[str, str]]:
    """(value, label) pairs of a group's cells; one label may stand for several values."""
    items = tabular.split_multi(values)
    names = tabular.split_multi(labels)
    pairs = []
    for i, value in enumerate(items):
        if not value:
            continue
        if len(names) == len(items):
            label = names[i]
        else:
            # One label for all: only the first value keeps a preferred star.
            label = names[0] if i == 0 else names[0].lstrip("*").strip()
        pairs.append((value, label))
    return pairs


class GoogleImporter(Importer):
    """Reads a Google Contacts CSV (current or legacy columns)."""

    name = "google"
    description = "Google Contacts CSV (current and legacy column sets)"

    @classmethod
    def sniff(cls, path: Path, head: bytes) -> int:
        """How sure this importer is that it reads ``path`` (0 to 100)."""
        columns = tabular.sniff_header(head) or []
        if _is_google(columns):
            return 95
        return 60 if "e-mail 1 - value" in {c.casefold() for c in columns} else 0

    def read(
        self, path: Path, *, skip_bad: bool = False, options: Mapping[str, Any] | None = None
    ) -> ImportResult:
        """Read every contact of ``path``; a bad row is an error unless ``skip_bad``."""
        result = ImportResult(path, self.name)
        table = tabular.read_table(path, options, what="Google Contacts CSV")
        if not _is_google(table.columns):
            raise InputError(
                f"{path}:{table.header_line}: not a Google Contacts CSV header "
                "(no 'First Name' and 'Labels', nor 'Given Name' and 'Group Membership', nor "
                "numbered 'E-mail 1 - Value' columns)"
            )
        tabular.collect(table, skip_bad, result, lambda row: _record(row, table))
        tabular.note_kept_columns(result)
        return result


def _record(row: Row, table: tabular.Table) -> ImportedRecord | None:
    contact = _contact(row, table)
    return ImportedRecord(contact, row.line) if contact is not None else None


def _contact(row: Row, table: tabular.Table) -> Contact | None:
    contact = Contact(uid="")
    name = contact.name
    groups: dict[tuple[str, int], dict[str, str]] = {}
    columns: dict[tuple[str, int, str], str] = {}
    extras: list[RawProperty] = []
    for position, column in enumerate(table.columns):
        value = row.raw(position)
        if not value:
            continue
        key = column.casefold()
        target = _SIMPLE.get(key)
        if target in ("given", "additional", "family", "prefix", "suffix", "nickname"):
            setattr(name, target, " ".join(value.split()))
        elif target == "formatted":
            name.formatted = " ".join(value.split())
        elif target in ("org", "title", "department"):
            setattr(contact, target, " ".join(value.split()))
        elif target == "notes":
            contact.notes = value.replace("\r\n", "\n").replace("\r", "\n")
        elif target == "birthday":
            contact.birthday = tabular.birthday_from(value, column)
        elif target == "labels":
            for tag in _tags(value):
                contact.add_tag(tag)
        elif match := _GROUP.match(column):
            # Legacy files say "Type" where current ones say "Label".
            part = match.group(3).strip()
            part = "Label" if part.casefold() == "type" else part
            cells = groups.setdefault((match.group(1), int(match.group(2))), {})
            cells[part] = value
            columns[(match.group(1), int(match.group(2)), part)] = column
        else:
            extras.append(tabular.raw_field(column, value))
    returned: set[str] = set()
    for (group, number), parts in sorted(groups.items(), key=lambda item: item[0][1]):
        names = {part: columns[(group, number, part)] for part in parts}
        returned |= apply_group(contact, group, number, parts, names, extras)
    contact.extra.extend(_in_export_order(extras))
    for address in contact.addresses:
        address.returned = address.fingerprint() in returned
    someone = name.display or contact.org or contact.emails or contact.phones or contact.linkedin
    if not (someone or contact.extra or contact.notes):
        return None
    contact.uid = contact.uid or row.identity("google")
    return tabular.finish_contact(contact)


def _in_export_order(extras: list[RawProperty]) -> list[RawProperty]:
    """Kept columns in the order the exporter writes them, so a round trip keeps the order:
    Google's own columns, then websites, relations and events, then custom fields."""

    def rank(raw: RawProperty) -> int:
        label = tabular.field_label(raw) or ""
        if label in _KEPT_COLUMNS or label == "Photo":
            return CURRENT_COLUMNS.index(label)
        group, colon, _ = label.partition(":")
        if colon and group in _LABELLED_GROUPS:
            return len(CURRENT_COLUMNS) + _LABELLED_GROUPS.index(group)
        return len(CURRENT_COLUMNS) + len(_LABELLED_GROUPS)

    return sorted(extras, key=rank)


def apply_group(
    contact: Contact,
    group: str,
    number: int,
    parts: dict[str, str],
    names: dict[str, str],
    extras: list[RawProperty],
) -> set[str]:
    """Apply one numbered group's cells; return returned-address fingerprints it names."""
    label = parts.get("Label", "")
    kind = group.casefold()
    if kind in ("e-mail", "email"):
        for value, item_label in _labelled(parts.get("Value", ""), label):
            address = tabular.check_email(value, f"E-mail {number} - Value")
            if not contact.has_email(address):
                contact.emails.append(Email(address, tabular.types_for("email", item_label)))
        return set()
    if kind == "phone":
        for value, item_label in _labelled(parts.get("Value", ""), label):
            contact.phones.append(Phone(value, tabular.types_for("phone", item_label)))
        return set()
    if kind == "address":
        _addresses(contact, parts)
        return set()
    if kind == "website":
        for value, item_label in _labelled(parts.get("Value", ""), label):
            if not contact.linkedin and "linkedin.com/" in value.casefold():
                contact.linkedin = value
            else:
                extras.append(tabular.raw_field(f"Website: {item_label}".strip(), value))
        return set()
    if group in _LABELLED_GROUPS and set(parts) <= {"Label", "Value"}:
        for value, item_label in _labelled(parts.get("Value", ""), label):
            extras.append(tabular.raw_field(f"{group}: {item_label}".strip(), value))
        return set()
    if kind == "custom field" and set(parts) <= {"Label", "Value"}:
        value = parts.get("Value", "")
        if label.startswith(_OUTREACH):
            return _outreach_field(contact, label[len(_OUTREACH) :], value, number, extras)
        if value:
            extras.append(tabular.raw_field(label or "Custom Field", value))
        return set()
    # Anything else (IM, legacy organisations after the first) is kept column by column.
    for part, value in parts.items():
        extras.append(tabular.raw_field(names[part], value))
    return set()


def _addresses(contact: Contact, parts: dict[str, str]) -> None:
    split = {part: tabular.split_multi(value) for part, value in parts.items()}
    count = max((len(v) for p, v in split.items() if p != "Label"), default=0)
    labels = split.get("Label", [""])
    for i in range(count):

        def get(part: str, i: int = i) -> str:
            values = split.get(part, [])
            return values[i] if i < len(values) else ""

        label = labels[i] if len(labels) == count else labels[0]
        street = get("Street")
        if not any(get(p) for p in ("Street", "City", "PO Box", "Region", "Postal Code")):
            # Only the formatted form was given: keep its lines as the street.
            street = street or get("Formatted")
        address = tabular.address(
            street=street,
            locality=get("City"),
            region=get("Region"),
            postal_code=get("Postal Code"),
            country=get("Country"),
            po_box=get("PO Box"),
            extended=get("Extended Address"),
            types=tabular.types_for("address", label),
        )
        if address is not None:
            contact.addresses.append(address)


def _outreach_field(
    contact: Contact, key: str, value: str, number: int, extras: list[RawProperty]
) -> set[str]:
    where = f"Custom Field {number} - Value ({_OUTREACH}{key})"
    if key == "uid":
        contact.uid = value
    elif key == "name":
        contact.name.formatted = value
    elif key == "cadence":
        try:
            contact.cadence = Cadence.parse(value)
        except ValueError as exc:
            raise BadRow(f"{where}: {exc}") from None
    elif key == "relationship":
        contact.relationship = value
    elif key == "card note":
        contact.card_note = value
    elif key == "snooze until":
        day = tabular.day_from(value, where)
        contact.snooze_until = day
    elif key == "returned":
        return set(tabular.split_multi(value))
    else:
        extras.append(tabular.raw_field(_OUTREACH + key, value))
    return set()


# -- export ---------------------------------------------------------------------------------


def _birthday(contact: Contact) -> str:
    if contact.birthday is None:
        return ""
    return contact.birthday.iso()


def _formatted(address: Address) -> str:
    """The address as lines, the way Google's "Formatted" column has it."""
    town = " ".join(p for p in (address.postal_code, address.locality, address.region) if p)
    lines = [*address.street, town, address.country or address.country_code]
    return "\n".join(line for line in lines if line)


class GoogleCsvExporter(Exporter):
    """Writes Google Contacts' current CSV column set (UTF-8 with a byte-order mark)."""

    name = "csv"
    description = "CSV in Google Contacts' column set (imports into Google, Outlook and others)"
    extension = ".csv"

    def losses(self, contacts: Sequence[Contact]) -> list[str]:
        """The vCard properties CSV cannot hold, one line per contact that has any."""
        lines = []
        for contact in contacts:
            names = sorted({r.name.upper() for r in contact.extra if not _exportable(r)})
            if contact.past_jobs:
                names.append(
                    "past jobs (" + "; ".join(j.describe() for j in contact.past_jobs) + ")"
                )
            if contact.aliases:
                names.append("the UIDs of merged cards")
            names.extend(sorted(f"{m.name} parameters" for m in contact.meta.values() if m.params))
            if names:
                lines.append(
                    f"{contact.display_name}: CSV cannot hold {', '.join(names)} "
                    "(export as vCard to keep them)"
                )
        return lines

    def dumps(self, contacts: Sequence[Contact]) -> bytes:
        """The file's bytes for ``contacts``."""
        import csv
        import io

        rows = [_export_row(c) for c in contacts]
        counts = {
            group: max([len(r[group]) for r in rows] + [1 if group in _ALWAYS else 0])
            for group in _GROUP_ORDER
        }
        header = list(CURRENT_COLUMNS)
        for group in _GROUP_ORDER:
            parts = _ADDRESS_PARTS if group == "Address" else ("Label", "Value")
            for n in range(1, counts[group] + 1):
                header.extend(f"{group} {n} - {part}" for part in parts)
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(header)
        for row in rows:
            cells = [row["simple"].get(column, "") for column in CURRENT_COLUMNS]
            for group in _GROUP_ORDER:
                width = len(_ADDRESS_PARTS) if group == "Address" else 2
                items = row[group]
                for n in range(counts[group]):
                    cells.extend(items[n] if n < len(items) else [""] * width)
            writer.writerow(cells)
        # The byte-order mark makes Excel and Outlook read UTF-8; Google ignores it.
        return ("\ufeff" + out.getvalue()).encode("utf-8")


_GROUP_ORDER = ("E-mail", "Phone", "Address", "Website", "Relation", "Event", "Custom Field")
_ALWAYS = {"E-mail", "Phone", "Address"}


def _exportable(raw: RawProperty) -> bool:
    return tabular.field_label(raw) is not None or raw.name.upper() == "URL"


def _export_row(contact: Contact) -> dict[str, Any]:
    name = contact.name
    simple = {
        "First Name": name.given,
        "Middle Name": name.additional,
        "Last Name": name.family,
        "Name Prefix": name.prefix,
        "Name Suffix": name.suffix,
        "Nickname": name.nickname,
        "Organization Name": contact.org,
        "Organization Title": contact.title,
        "Organization Department": contact.department,
        "Birthday": _birthday(contact),
        "Notes": contact.notes,
        # Google stars a contact through its system group; other tags are its labels.
        "Labels": tabular.MULTI.join(
            ["* myContacts", *(f"* {t}" if t.casefold() == "starred" else t for t in contact.tags)]
        ),
    }
    row: dict[str, Any] = {group: [] for group in _GROUP_ORDER}
    row["simple"] = simple
    row["E-mail"] = [[tabular.label_for("email", e.types), e.address] for e in contact.emails]
    row["Phone"] = [[tabular.label_for("phone", p.types), p.number] for p in contact.phones]
    for address in contact.addresses:
        row["Address"].append(
            [
                tabular.label_for("address", address.types),
                _formatted(address),
                "\n".join(address.street),
                address.locality,
                address.po_box,
                address.region,
                address.postal_code,
                address.country or address.country_code,
                address.extended,
            ]
        )
    if contact.linkedin:
        row["Website"].append(["LinkedIn", contact.linkedin])
    custom = row["Custom Field"]
    custom.append([_OUTREACH + "uid", contact.uid])
    if name.formatted and name.formatted != contact.name.joined:
        custom.append([_OUTREACH + "name", name.formatted])
    if contact.cadence is not None:
        custom.append([_OUTREACH + "cadence", str(contact.cadence)])
    if contact.relationship:
        custom.append([_OUTREACH + "relationship", contact.relationship])
    if contact.card_note:
        custom.append([_OUTREACH + "card note", contact.card_note])
    if contact.snooze_until is not None:
        custom.append([_OUTREACH + "snooze until", contact.snooze_until.isoformat()])
    returned = [a.fingerprint() for a in contact.addresses if a.returned]
    if returned:
        custom.append([_OUTREACH + "returned", tabular.MULTI.join(returned)])
    for raw in contact.extra:
        label = tabular.field_label(raw)
        if label is None:
            if raw.name.upper() == "URL":
                types = [v for k, vs in raw.params if k == "TYPE" for v in vs]
                row["Website"].append([" ".join(types), unescape_text(raw.value)])
            continue
        value = tabular.field_value(raw)
        group, colon, item_label = label.partition(":")
        if colon and group in _LABELLED_GROUPS:
            row[group].append([item_label.strip(), value])
        elif label in _KEPT_COLUMNS or label == "Photo":
            simple[label] = value
        else:
            custom.append([label, value])
    return row


@hookimpl
def register_importers(register: Callable[[type[Importer]], None]) -> None:
    """The Google Contacts CSV importer."""
    register(GoogleImporter)


@hookimpl
def register_exporters(register: Callable[[type[Exporter]], None]) -> None:
    """The Google Contacts CSV exporter (``--format csv``)."""
    register(GoogleCsvExporter)
