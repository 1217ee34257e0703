"""Contacts to and from vCard text (reads 2.1, 3.0 and 4.0; writes 3.0 and 4.0).

A card keeps the version it was read as: a 4.0 card is written back as valid 4.0 (its
``GENDER``, ``KIND``, ``PREF=1``, ``tel:`` URIs and ``--0203`` birthdays are all 4.0), a 3.0
card as 3.0; a 2.1 card (its values decoded) and a contact made here are written as 3.0. A
4.0 card merged into a 3.0 one makes it 4.0, since 4.0 holds everything 3.0 does.

Lines are split and tokenised with vobject's own line parser (``vobject.base.parseLine``),
but values are decoded here rather than by vobject's component layer: that layer truncates
unescaped commas in unknown properties, decodes what it does not understand and is ten times
slower, and a master address book must not lose a byte of what other tools wrote. Properties
outreach does not model are kept as :class:`~outreach.contact.RawProperty` and written back
exactly as read.
"""

from __future__ import annotations

import quopri
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from functools import cache

from . import countries
from .cadence import Cadence
from .contact import (
    Address,
    Birthday,
    Contact,
    Email,
    Params,
    PastJob,
    Phone,
    PropertyMeta,
    RawProperty,
    content_uid,
)
from .errors import InputError
from .progress import current as current_progress

__all__ = [
    "ParsedCard",
    "dump_contact",
    "dump_contacts",
    "escape_text",
    "parse_birthday",
    "parse_vcards",
    "written_version",
    "split_structured",
    "unescape_text",
]

PRODID = "-//outreach//outreach//EN"
#: outreach's own properties; other tools ignore X- properties and keep them.
X_RELATIONSHIP = "X-OUTREACH-RELATIONSHIP"
X_CADENCE = "X-OUTREACH-CADENCE"
X_SNOOZE = "X-OUTREACH-SNOOZE"
X_CARD_NOTE = "X-OUTREACH-CARD-NOTE"
X_RETURNED = "X-OUTREACH-RETURNED"
#: An earlier employer and title (``ORG;TITLE`` structured), with X-UNTIL, the day the
#: change was seen.
X_PAST_JOB = "X-OUTREACH-PAST-JOB"
P_UNTIL = "X-UNTIL"
#: The UID of a card merged into this one.
X_ALIAS = "X-OUTREACH-ALIAS"
#: ADR parameter holding the ISO 3166 code outreach resolved for the country.
P_COUNTRY = "X-OUTREACH-COUNTRY"

_ENCODINGS = {"QUOTED-PRINTABLE", "BASE64", "B", "8BIT", "7BIT"}
_PLAIN_ADDRESS = re.compile(r"^[^@\s<>,;:\"()\[\]\\]+@[^@\s<>,;:\"()\[\]\\]+$")
# Some exporters (iPhone, files passed through a text-mode copy) end lines in CR CR LF.
_LINE_BREAK = re.compile(r"\r*\n|\r+")
#: Control characters (tab aside) removed from names and single-line fields.
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]")
_SINGLE_LINE = frozenset(
    {"UID", "FN", "N", "NICKNAME", "ORG", "TITLE", "EMAIL", "TEL", "ADR", "CATEGORIES", "URL"}
)

_UNESCAPE = re.compile(r"\\(.)", re.DOTALL)
_NEEDS_ESCAPE = re.compile(r"[\\\n\r,;]")
_NEEDS_QUOTE = re.compile(r"[:;,]")
_BDAY = re.compile(r"^(?:(\d{4})|--)-?(\d{2})-?(\d{2})(?:T.*)?$")
#: Placeholder years that mean "year unknown" (Apple writes 1604, Outlook 1604 too).
_NO_YEAR = {1604, 1900}


@dataclass(slots=True)
class ParsedCard:
    """A contact read from vCard text, with where it started and what kind of card it was."""

    contact: Contact
    line: int
    version: str
    #: ``individual`` for a person or organisation, ``group`` for a list card.
    kind: str = "individual"
    #: How many control characters (NUL and the like) were removed from the card.
    removed_controls: int = 0
    #: True when the card has its own UID (else one was derived from its content).
    uid_given: bool = True


# -- decoding ---------------------------------------------------------------------------


def unescape_text(value: str) -> str:
    """Undo vCard text escaping: ``\\n`` is a newline, ``\\,`` a comma, and so on."""
    if "\\" not in value:
        return value
    return _UNESCAPE.sub(lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


def split_structured(value: str, sep: str = ";") -> list[str]:
    """Split a raw value on unescaped ``sep`` and unescape each part."""
    if "\\" not in value:
        return value.split(sep)
    parts: list[str] = []
    current: list[str] = []
    chars = iter(value)
    for ch in chars:
        if ch == "\\":
            current.append(ch + next(chars, ""))
        elif ch == sep:
            parts.append(unescape_text("".join(current)))
            current = []
        else:
            current.append(ch)
    parts.append(unescape_text("".join(current)))
    return parts


def _logical_lines(text: str) -> Iterator[tuple[str, int]]:
    """Unfold physical lines into logical ones, with the 1-based number of the first line.

    Lines end at CR LF, LF or CR only: ``str.splitlines`` would also split at U+2028, U+0085
    and form feeds, which may appear inside a note. Handles vCard 3.0/4.0 folding (a leading
    space or tab), vCard 2.1 quoted-printable soft line breaks (a line ending in ``=``
    continues on the next, which need not be indented) and vCard 2.1 base64 blocks, whose
    continuation lines some exporters do not indent (a base64 line has no colon). A byte
    order mark at the start of a line (files joined with ``cat``) is dropped.
    """
    current: list[str] = []
    start = 0
    mode = ""
    for number, line in enumerate(_LINE_BREAK.split(text), 1):
        if line[:1] == "\ufeff":
            line = line.lstrip("\ufeff")
        if current:
            if mode == "qp" and current[-1].endswith("="):
                current.append("\n" + line)
                continue
            if line[:1] in (" ", "\t"):
                current.append(line.strip() if mode == "b64" else line[1:])
                continue
            if mode == "b64" and line.strip() and ":" not in line:
                current.append(line.strip())
                continue
            yield "".join(current), start
            current = []
        if not line.strip():
            continue
        current = [line]
        start = number
        mode = _encoding_mode(line)
    if current:
        yield "".join(current), start


def _encoding_mode(line: str) -> str:
    """``qp`` or ``b64`` when a property line's parameters name that encoding, else ``""``."""
    colon = line.find(":")
    head = line[:colon] if colon >= 0 else line
    if ";" not in head:
        return ""
    head = head.upper()
    if "QUOTED-PRINTABLE" in head:
        return "qp"
    if "BASE64" in head or "ENCODING=B" in head:
        return "b64"
    return ""


_FALLBACK_NAME = re.compile(r"^(?:([A-Za-z0-9_-]+)\.)?([A-Za-z0-9_-]+)$")


def _split_outside_quotes(text: str, sep: str, maxsplit: int = -1) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    for ch in text:
        if ch == '"':
            quoted = not quoted
        if ch == sep and not quoted and (maxsplit < 0 or len(parts) < maxsplit):
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return parts


@cache
def _vobject_tokenizer() -> tuple[re.Pattern[str], Callable[[str], list[list[str]]]]:
    """vobject's content-line expression and parameter parser, imported on first use: a
    book read from its cache needs neither, and the command line starts faster without."""
    from vobject.base import line_re, parseParams

    return line_re, parseParams


def _tokenise(logical: str) -> tuple[str, str, str, str, list[list[str]]] | None:
    """Split a logical line into (group, raw name, raw parameters, value, parameter lists).

    vobject's content-line expression does the work; the raw name is kept because
    vobject's ``parseLine`` turns ``_`` into ``-`` (for Lotus Notes), which would rename an
    unknown property. A line vobject rejects only because of a parameter without a name
    (``TEL;=WORK:...``, written by some phones) is tokenised here instead.
    """
    line_re, parse_params = _vobject_tokenizer()
    match = line_re.match(logical)
    if match is not None:
        params = match.group("params")
        parsed = parse_params(params) if params else []
        return match.group("group") or "", match.group("name"), params, match.group("value"), parsed
    split = _split_outside_quotes(logical, ":", 1)
    if len(split) != 2:
        return None
    head, value = split
    pieces = _split_outside_quotes(head, ";")
    named = _FALLBACK_NAME.match(pieces[0])
    if named is None:
        return None
    parsed = []
    for piece in pieces[1:]:
        key, eq, values = piece.partition("=")
        if not key.strip():
            # A nameless parameter (";=WORK") is read like a 2.1 bare value.
            parsed.append([values.strip('"')])
        elif eq:
            parsed.append([key, *(v.strip('"') for v in _split_outside_quotes(values, ","))])
        else:
            parsed.append([key])
    raw = ";" + ";".join(pieces[1:]) if len(pieces) > 1 else ""
    return named.group(1) or "", named.group(2), raw, value, parsed


#: 2.1 lets a parameter value stand alone (``TEL;WORK;VOICE``); these say which parameter.
_BARE_PARAMS = {
    "QUOTED-PRINTABLE": "ENCODING",
    "BASE64": "ENCODING",
    "8BIT": "ENCODING",
    "7BIT": "ENCODING",
    "INLINE": "VALUE",
    "URL": "VALUE",
    "CONTENT-ID": "VALUE",
    "CID": "VALUE",
}


def _normalise_params(raw: list[list[str]], text: str = "") -> Params:
    """vobject's parameter lists to ``((NAME, values), ...)``.

    2.1's bare values become TYPE (or ENCODING, VALUE); a parameter written with an empty
    value (``X-FOO=``) stays a parameter with one empty value, not a bare TYPE. Encodings
    are spelled the 3.0 way (``b``); 7BIT and 8BIT mean nothing once the text is decoded.
    """
    params: list[tuple[str, tuple[str, ...]]] = []
    upper_text = ""
    for item in raw:
        if len(item) == 1:
            bare = item[0]
            if text:
                upper_text = upper_text or text.upper()
                if f";{bare.upper()}=" in upper_text:
                    params.append((bare.upper(), ("",)))
                    continue
            owner = _BARE_PARAMS.get(bare.upper(), "TYPE")
            params.append((owner, (bare,)))
            continue
        name = item[0].upper()
        values: list[str] = []
        for value in item[1:]:
            if name == "TYPE":
                values.extend(v for v in value.split(",") if v)
            else:
                values.append(value)
        params.append((name, tuple(values)))
    cleaned: list[tuple[str, tuple[str, ...]]] = []
    for key, given in params:
        if key == "ENCODING":
            given = tuple(
                "b" if v.upper() in ("BASE64", "B") else v
                for v in given
                if v.upper() not in ("7BIT", "8BIT")
            )
            if not given:
                continue
        cleaned.append((key, given))
    return tuple(cleaned)


def _param(params: Params, name: str) -> tuple[str, ...]:
    for key, values in params:
        if key == name:
            return values
    return ()


def _types(params: Params) -> tuple[str, ...]:
    return tuple(v for key, values in params if key == "TYPE" for v in values)


def _other_params(params: Params) -> Params:
    dropped = {"TYPE", "ENCODING", "CHARSET", P_COUNTRY}
    return tuple((k, v) for k, v in params if k not in dropped)


def _decode_qp(value: str, params: Params) -> str:
    charset = (_param(params, "CHARSET") or ("utf-8",))[0]
    # Quoted-printable text is ASCII; anything else was in the file as it is, in UTF-8.
    raw = quopri.decodestring(value.replace("\n", "\r\n").encode("utf-8"))
    try:
        text = raw.decode(charset)
    except LookupError:
        text = raw.decode("utf-8", "replace")
    except UnicodeDecodeError:
        # A stray invalid byte in UTF-8 text is one U+FFFD, not the whole value misread.
        text = raw.decode(charset, "replace")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _is_qp(params: Params) -> bool:
    return any(v.upper() == "QUOTED-PRINTABLE" for v in _param(params, "ENCODING"))


def parse_birthday(value: str, params: Params = ()) -> Birthday | None:
    """A ``BDAY`` value (or any vCard date: ``ANNIVERSARY``, ``X-ABDATE``) as month, day and
    year; the year ``None`` when unknown (``--05-17``, a placeholder year such as Apple's
    1604, named or not by ``X-APPLE-OMIT-YEAR``). ``None`` for text no calendar can place."""
    match = _BDAY.match(value.strip())
    if not match:
        return None
    year = int(match.group(1)) if match.group(1) else None
    omit = _param(params, "X-APPLE-OMIT-YEAR")
    if year is not None and (year in _NO_YEAR or (omit and str(year) == omit[0])):
        year = None
    try:
        return Birthday(int(match.group(2)), int(match.group(3)), year)
    except ValueError:
        return None


def _parse_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class _Prop:
    """One property as a handler sees it: raw value, parameters, group, position."""

    params: Params
    value: str
    group: str
    #: True for the first property of this name in the card.
    first: bool
    line: int


class _CardBuilder:
    """Collects one card's properties into a :class:`Contact`."""

    def __init__(self, source: str, line: int) -> None:
        self.source = source
        self.line = line
        self.version = "3.0"
        self.kind = "individual"
        self.contact = Contact(uid="")
        self.seen: set[str] = set()
        self.returned: set[str] = set()
        self.apple_country: dict[str, str] = {}
        self.removed_controls = 0
        #: The card's logical lines, to derive a stable UID for a card that has none.
        self.lines: list[str] = []

    def fail(self, line: int, message: str) -> InputError:
        return InputError(f"{self.source}:{line}: {message}")

    def add(self, name: str, params: Params, value: str, group: str, line: int) -> None:
        upper = name.upper().replace("_", "-")
        if _is_qp(params):
            value = _decode_qp(value, params)
            params = tuple((k, v) for k, v in params if k not in ("ENCODING", "CHARSET"))
            # The decoded text is plain: escape it so it reads back the same in 3.0.
            value = _escape_decoded(value, upper)
        elif _is_base64(params):
            # Folded base64 keeps no whitespace; 2.1 indents its continuation lines.
            value = "".join(value.split())
        if upper in _SINGLE_LINE and _CONTROL.search(value):
            # Control characters in a name, an address or a number are no text: they would
            # reach mail headers and terminals. Removed, and counted for the import summary.
            cleaned = _CONTROL.sub("", value)
            self.removed_controls += len(value) - len(cleaned)
            value = cleaned
        handler = _HANDLERS.get(upper)
        first = upper not in self.seen
        self.seen.add(upper)
        if handler is not None and handler(self, _Prop(params, value, group, first, line)):
            return
        if upper in ("VERSION", "PRODID"):
            if upper == "VERSION":
                self.version = value.strip()
                # Only 4.0 is kept: 2.1 and 3.0 cards are both written as 3.0.
                self.contact.version = "4.0" if self.version.startswith("4") else ""
            return
        if upper in ("KIND", "X-ADDRESSBOOKSERVER-KIND") and value.strip().lower() == "group":
            self.kind = "group"
        if upper == "X-ABADR" and group:
            self.apple_country[group.lower()] = value.strip()
        self.contact.extra.append(RawProperty(name, value, params, group))

    def finish(self, taken: set[str]) -> ParsedCard:
        contact = self.contact
        uid_given = bool(contact.uid)
        if not contact.uid:
            # Derived from the card's text, so reading the same file twice gives the same
            # UIDs (a re-import changes nothing; a book card without UID keeps its journal).
            contact.uid = content_uid("\n".join(self.lines))
            base, n = contact.uid, 1
            while contact.uid in taken:
                n += 1
                contact.uid = f"{base}-{n}"
        name = contact.name
        if not name.formatted:
            name.formatted = name.joined
        elif not name.joined and name.formatted in _placeholders(contact):
            # FN is required, so writers fill it with the organisation (Apple's company
            # cards) or the address; it is not the person's name.
            name.formatted = ""
        for address in contact.addresses:
            if not address.country_code:
                apple = self.apple_country.get(address.group.lower()) if address.group else None
                address.country_code = (apple or "").upper() or countries.code_for(address.country)
            if address.fingerprint() in self.returned:
                address.returned_for = address.fingerprint()
        return ParsedCard(
            contact, self.line, self.version, self.kind, self.removed_controls, uid_given
        )


_STRUCTURED = frozenset({"N", "ADR", "ORG"})
#: Properties whose unescaped commas separate values.
_LISTS = frozenset({"CATEGORIES", "NICKNAME"})


def _escape_decoded(value: str, name: str) -> str:
    """Escape decoded quoted-printable text, keeping the separators its property uses."""
    if name in _LISTS:
        return ",".join(escape_text(part) for part in value.split(","))
    return escape_text(value, structured=name in _STRUCTURED)


def _is_base64(params: Params) -> bool:
    return any(v.upper() == "B" for v in _param(params, "ENCODING"))


def _placeholders(contact: Contact) -> set[str]:
    found = {contact.org} if contact.org else set()
    found.update(e.address for e in contact.emails[:1])
    # The writer's own fallback for a contact with no name at all (FN is required).
    found.add(contact.uid)
    return found


def _h_uid(b: _CardBuilder, p: _Prop) -> bool:
    if not p.first:
        return False
    b.contact.uid = unescape_text(p.value.strip())
    _keep_meta(b, "uid", "UID", p)
    return True


def _keep_meta(b: _CardBuilder, key: str, name: str, p: _Prop) -> None:
    """Remember the parameters and group of a single-valued property, if it has any."""
    params = tuple((k, v) for k, v in p.params if k not in ("ENCODING", "CHARSET"))
    if params or p.group or name != _META_NAMES.get(key, name):
        b.contact.meta[key] = PropertyMeta(name, params, p.group)


#: The property each modelled field is written as, unless it was read from another.
_META_NAMES = {"linkedin": "X-SOCIALPROFILE"}


def _one_line(text: str) -> str:
    """Whitespace (line breaks included) collapsed: a single-line field."""
    return " ".join(text.split())


def _h_fn(b: _CardBuilder, p: _Prop) -> bool:
    if not p.first:
        return False
    b.contact.name.formatted = " ".join(unescape_text(p.value).split())
    _keep_meta(b, "fn", "FN", p)
    return True


def _h_n(b: _CardBuilder, p: _Prop) -> bool:
    if not p.first:
        return False
    parts = split_structured(p.value) + [""] * 5
    name = b.contact.name
    # Whitespace is collapsed: a name ends up in mail headers, where a line break is harm.
    name.family, name.given, name.additional, name.prefix, name.suffix = (
        " ".join(part.split()) for part in parts[:5]
    )
    _keep_meta(b, "n", "N", p)
    return True


def _h_nickname(b: _CardBuilder, p: _Prop) -> bool:
    if not p.first:
        return False
    names = [n.strip() for n in split_structured(p.value, ",") if n.strip()]
    if not names:
        return False
    b.contact.name.nickname = _one_line(names[0])
    _keep_meta(b, "nickname", "NICKNAME", p)
    if len(names) > 1:
        rest = ",".join(escape_text(n) for n in names[1:])
        b.contact.extra.append(RawProperty("NICKNAME", rest, p.params, p.group))
    return True


def _h_org(b: _CardBuilder, p: _Prop) -> bool:
    if not p.first or not p.value.strip(" ;"):
        return False
    parts = [_one_line(part) for part in split_structured(p.value)]
    b.contact.org = parts[0]
    b.contact.department = ";".join(part for part in parts[1:] if part)
    _keep_meta(b, "org", "ORG", p)
    return True


def _h_title(b: _CardBuilder, p: _Prop) -> bool:
    if not p.first or not p.value.strip():
        return False
    b.contact.title = _one_line(unescape_text(p.value))
    _keep_meta(b, "title", "TITLE", p)
    return True


def _h_note(b: _CardBuilder, p: _Prop) -> bool:
    if not p.first or not p.value.strip():
        # An empty NOTE (BlackBerry writes one) is kept as it was, like any property.
        return False
    b.contact.notes = unescape_text(p.value)
    _keep_meta(b, "note", "NOTE", p)
    return True


def _h_email(b: _CardBuilder, p: _Prop) -> bool:
    address = unescape_text(p.value).strip()
    if address.lower().startswith("mailto:"):
        address = address[7:]
    if not address:
        return True
    if not _PLAIN_ADDRESS.match(address):
        # Some tools write "Jane Doe <jane@example.com>"; take the address from it. Anything
        # else (a line break, two addresses) is no address to send to: kept as written.
        if any(ord(ch) < 32 or ord(ch) == 127 for ch in address):
            return False
        # Imported here: the email package is slow to import, and every command reads cards.
        from email.utils import getaddresses

        found = getaddresses([address])
        if len(found) != 1 or not _PLAIN_ADDRESS.match(found[0][1]):
            return False
        address = found[0][1]
    b.contact.emails.append(Email(address, _types(p.params), p.group, _other_params(p.params)))
    return True


def _h_tel(b: _CardBuilder, p: _Prop) -> bool:
    number = unescape_text(p.value).strip()
    params = _other_params(p.params)
    uri, rest = False, ""
    if number[:4].lower() == "tel:":
        # vCard 4.0 writes numbers as tel: URIs (VALUE=uri); 3.0 writes the number. What
        # follows the number in the URI (";ext=102") is kept and written back.
        number, semi, tail = number[4:].partition(";")
        uri, rest = True, semi + tail
        params = tuple((k, v) for k, v in params if k != "VALUE")
    if number:
        b.contact.phones.append(Phone(number, _types(p.params), p.group, params, rest, uri))
    return True


def _h_adr(b: _CardBuilder, p: _Prop) -> bool:
    parts = [p.strip() for p in split_structured(p.value)] + [""] * 7
    po_box, extended, street, locality, region, postal_code, country = parts[:7]
    address = Address(
        street=tuple(s.strip() for s in street.split("\n") if s.strip()),
        locality=locality,
        region=region,
        postal_code=postal_code,
        country=country,
        country_code=(_param(p.params, P_COUNTRY) or ("",))[0].upper(),
        po_box=po_box,
        extended=extended,
        types=_types(p.params),
        group=p.group,
        params=_other_params(p.params),
    )
    if not address.is_empty:
        b.contact.addresses.append(address)
    return True


def _h_categories(b: _CardBuilder, p: _Prop) -> bool:
    for tag in split_structured(p.value, ","):
        b.contact.add_tag(tag)
    return True


def _h_bday(b: _CardBuilder, p: _Prop) -> bool:
    if not p.first:
        return False
    birthday = parse_birthday(unescape_text(p.value), p.params)
    if birthday is None:
        return False
    b.contact.birthday = birthday
    _keep_meta(b, "bday", "BDAY", p)
    return True


def _is_linkedin(value: str) -> bool:
    return "linkedin.com/" in value.lower()


def _h_url(b: _CardBuilder, p: _Prop) -> bool:
    url = unescape_text(p.value).strip()
    if b.contact.linkedin or not _is_linkedin(url):
        return False
    b.contact.linkedin = url
    _keep_meta(b, "linkedin", "URL", p)
    return True


def _h_social(b: _CardBuilder, p: _Prop) -> bool:
    url = unescape_text(p.value).strip()
    typed = any(t.lower() == "linkedin" for t in _types(p.params))
    if b.contact.linkedin or not (typed or _is_linkedin(url)):
        return False
    b.contact.linkedin = url
    # The TYPE=linkedin outreach writes itself is not worth remembering.
    if p.group or p.params != (("TYPE", ("linkedin",)),):
        _keep_meta(b, "linkedin", "X-SOCIALPROFILE", p)
    return True


def _h_relationship(b: _CardBuilder, p: _Prop) -> bool:
    b.contact.relationship = unescape_text(p.value).strip()
    return True


def _h_cadence(b: _CardBuilder, p: _Prop) -> bool:
    text = unescape_text(p.value).strip()
    if text:
        try:
            b.contact.cadence = Cadence.parse(text)
        except ValueError as exc:
            raise b.fail(p.line, str(exc)) from None
    return True


def _h_snooze(b: _CardBuilder, p: _Prop) -> bool:
    day = _parse_date(unescape_text(p.value))
    if day is None:
        raise b.fail(p.line, f"{X_SNOOZE} is not a date (YYYY-MM-DD): {p.value!r}")
    b.contact.snooze_until = day
    return True


def _h_card_note(b: _CardBuilder, p: _Prop) -> bool:
    b.contact.card_note = unescape_text(p.value)
    return True


def _h_returned(b: _CardBuilder, p: _Prop) -> bool:
    b.returned.add(p.value.strip())
    return True


def _h_past_job(b: _CardBuilder, p: _Prop) -> bool:
    parts = split_structured(p.value) + [""]
    until = _param(p.params, P_UNTIL)
    day = _parse_date(until[0]) if until else None
    if until and day is None:
        raise b.fail(p.line, f"{X_PAST_JOB}: {P_UNTIL} is not a date (YYYY-MM-DD): {until[0]!r}")
    b.contact.past_jobs.append(PastJob(_one_line(parts[0]), _one_line(parts[1]), day))
    return True


def _h_alias(b: _CardBuilder, p: _Prop) -> bool:
    alias = unescape_text(p.value).strip()
    if alias and alias not in b.contact.aliases:
        b.contact.aliases.append(alias)
    return True


_HANDLERS = {
    "UID": _h_uid,
    "FN": _h_fn,
    "N": _h_n,
    "NICKNAME": _h_nickname,
    "ORG": _h_org,
    "TITLE": _h_title,
    "NOTE": _h_note,
    "EMAIL": _h_email,
    "TEL": _h_tel,
    "ADR": _h_adr,
    "CATEGORIES": _h_categories,
    "BDAY": _h_bday,
    "URL": _h_url,
    "X-SOCIALPROFILE": _h_social,
    X_RELATIONSHIP: _h_relationship,
    X_CADENCE: _h_cadence,
    X_SNOOZE: _h_snooze,
    X_CARD_NOTE: _h_card_note,
    X_RETURNED: _h_returned,
    X_PAST_JOB: _h_past_job,
    X_ALIAS: _h_alias,
}


def parse_vcards(
    text: str, source: str = "<vcard>", *, skipped: list[tuple[int, str]] | None = None
) -> list[ParsedCard]:
    """Parse every card in ``text``; ``source`` names the file in error messages.

    Raises :class:`~outreach.errors.InputError` naming the file and line of the first problem,
    unless ``skipped`` is a list: then each malformed card is left out and noted there as
    (first line, reason), and reading goes on with the next card.
    """
    cards: list[ParsedCard] = []
    taken: set[str] = set()
    builder: _CardBuilder | None = None
    #: Inside a card already found bad: its lines are passed over up to its END.
    passing = False
    #: The last line read was text outside any card, already noted as skipped: the lines of
    #: one such stretch (a pasted note, a broken export's junk) are one skipped record.
    stray = False
    progress = current_progress()
    for logical, number in _logical_lines(text):
        after_stray, stray = stray, False
        tokens = _tokenise(logical)
        upper = tokens[1].upper() if tokens is not None else ""
        is_begin = upper == "BEGIN" and tokens[3].strip().upper() == "VCARD"  # type: ignore[index]
        is_end = upper == "END" and tokens[3].strip().upper() == "VCARD"  # type: ignore[index]
        if passing:
            passing = not (is_begin or is_end)
            if not is_begin:
                continue
        try:
            if tokens is None:
                raise InputError(f"{source}:{number}: not a vCard line: {logical[:60]!r}")
            group, name, raw_params, value, parsed = tokens
            if is_begin:
                if builder is not None:
                    raise InputError(f"{source}:{number}: BEGIN:VCARD inside a card (missing END?)")
                builder = _CardBuilder(source, number)
                continue
            if is_end:
                if builder is None:
                    raise InputError(f"{source}:{number}: END:VCARD without BEGIN:VCARD")
                card = builder.finish(taken)
                taken.add(card.contact.uid)
                cards.append(card)
                builder = None
                progress.advance()
                continue
            if builder is None:
                raise InputError(f"{source}:{number}: text outside a card: {logical[:60]!r}")
            if "\x00" in logical:
                # NUL is no text in any value: removed (and counted), never stored.
                cleaned = logical.replace("\x00", "")
                builder.removed_controls += len(logical) - len(cleaned)
                logical = cleaned
                tokens = _tokenise(logical)
                if tokens is None:
                    raise InputError(f"{source}:{number}: not a vCard line: {logical[:60]!r}")
                group, name, raw_params, value, parsed = tokens
            builder.lines.append(logical)
            params = _normalise_params(parsed, raw_params) if parsed else ()
            builder.add(name, params, value, group, number)
        except InputError as exc:
            if skipped is None:
                raise
            inside = builder is not None
            stray = not inside and not (is_begin or is_end)
            if not (stray and after_stray):
                skipped.append((builder.line if builder is not None else number, str(exc)))
                progress.advance()
            if inside and is_begin:
                builder = _CardBuilder(source, number)  # the card before never ended
            else:
                builder = None
                # A bad line inside a card spoils that card only: pass over the rest of it.
                passing = inside and not is_end
    if builder is not None:
        problem = f"{source}:{builder.line}: card never ends (no END:VCARD)"
        if skipped is None:
            raise InputError(problem)
        skipped.append((builder.line, problem))
    return cards


# -- encoding ---------------------------------------------------------------------------


def escape_text(value: str, *, structured: bool = False) -> str:
    """Escape text for a vCard 3.0 value; ``structured`` values keep their ``;`` separators."""
    if not _NEEDS_ESCAPE.search(value):
        return value
    value = value.replace("\\", "\\\\").replace("\r\n", "\n").replace("\r", "\n")
    value = value.replace("\n", "\\n").replace(",", "\\,")
    if not structured:
        value = value.replace(";", "\\;")
    return value


def _format_params(params: Params) -> str:
    out = []
    for name, values in params:
        quoted = [f'"{v}"' if _NEEDS_QUOTE.search(v) else v for v in values]
        out.append(f";{name}={','.join(quoted)}" if values else f";{name}")
    return "".join(out)


def _fold(line: str) -> str:
    """Fold a content line at 75 octets without splitting a UTF-8 character."""
    encoded = line.encode("utf-8")
    if len(encoded) <= 75:
        return line + "\r\n"
    pieces = []
    start = 0
    limit = 75
    while start < len(encoded):
        end = min(start + limit, len(encoded))
        while end < len(encoded) and (encoded[end] & 0xC0) == 0x80:
            end -= 1
        pieces.append(encoded[start:end].decode("utf-8"))
        start = end
        limit = 74
    return "\r\n ".join(pieces) + "\r\n"


def _prop(name: str, value: str, params: Params = (), group: str = "") -> str:
    prefix = f"{group}." if group else ""
    return _fold(f"{prefix}{name}{_format_params(params)}:{value}")


def _typed(types: tuple[str, ...], params: Params, extra: Params = ()) -> Params:
    own: Params = (("TYPE", types),) if types else ()
    return own + params + extra


def written_version(contact: Contact) -> str:
    """The vCard version ``contact`` is written as: 4.0 for a card read as 4.0, else 3.0."""
    return "4.0" if contact.version == "4.0" else "3.0"


def _meta(contact: Contact, key: str, name: str) -> tuple[str, Params, str]:
    meta = contact.meta.get(key)
    if meta is None:
        return name, (), ""
    return meta.name, meta.params, meta.group


def _field(contact: Contact, key: str, name: str, value: str, extra: Params = ()) -> str:
    """A single-valued property with the parameters and group it was read with."""
    prop_name, params, group = _meta(contact, key, name)
    known = {k for k, _ in params}
    return _prop(prop_name, value, params + tuple(p for p in extra if p[0] not in known), group)


def _birthday_value(bday: Birthday, v4: bool, params: Params) -> str:
    if bday.year is None:
        omit = _param(params, "X-APPLE-OMIT-YEAR")
        if omit and omit[0].isdigit() and not v4:
            # Apple's way: a placeholder year it names in the parameter.
            return f"{int(omit[0]):04d}-{bday.month:02d}-{bday.day:02d}"
        return f"--{bday.month:02d}{bday.day:02d}"
    # 4.0 allows only the basic form of a full date; 3.0 readers expect the extended one.
    if v4:
        return f"{bday.year:04d}{bday.month:02d}{bday.day:02d}"
    return f"{bday.year:04d}-{bday.month:02d}-{bday.day:02d}"


def _phone(phone: Phone) -> str:
    params = _typed(phone.types, phone.params)
    if phone.uri:
        # Written as read: a tel: URI (4.0's form, which 3.0 readers also meet in the wild).
        value = "tel:" + phone.number + phone.uri_params
        return _prop("TEL", value, (("VALUE", ("uri",)), *params), phone.group)
    return _prop("TEL", escape_text(phone.number), params, phone.group)


def dump_contact(contact: Contact) -> str:
    """One contact as a vCard card (CRLF line ends, folded at 75 octets).

    The version is :func:`written_version`'s; every parameter a property was read with is
    written back.
    """
    name = contact.name
    version = written_version(contact)
    v4 = version == "4.0"
    out = ["BEGIN:VCARD\r\n", f"VERSION:{version}\r\n", _prop("PRODID", PRODID)]
    out.append(_field(contact, "uid", "UID", escape_text(contact.uid)))
    # FN is required; fall back on what we would display.
    out.append(_field(contact, "fn", "FN", escape_text(contact.display_name)))
    n_parts = (name.family, name.given, name.additional, name.prefix, name.suffix)
    out.append(_field(contact, "n", "N", ";".join(escape_text(p) for p in n_parts)))
    if name.nickname:
        out.append(_field(contact, "nickname", "NICKNAME", escape_text(name.nickname)))
    if contact.org or contact.department:
        units = (
            [contact.org, *contact.department.split(";")] if contact.department else [contact.org]
        )
        out.append(_field(contact, "org", "ORG", ";".join(escape_text(u) for u in units)))
    if contact.title:
        out.append(_field(contact, "title", "TITLE", escape_text(contact.title)))
    for email in contact.emails:
        out.append(
            _prop(
                "EMAIL", escape_text(email.address), _typed(email.types, email.params), email.group
            )
        )
    for phone in contact.phones:
        out.append(_phone(phone))
    returned = []
    for address in contact.addresses:
        parts = (
            address.po_box,
            address.extended,
            "\n".join(address.street),
            address.locality,
            address.region,
            address.postal_code,
            address.country,
        )
        cc: Params = ((P_COUNTRY, (address.country_code,)),) if address.country_code else ()
        value = ";".join(escape_text(p) for p in parts)
        out.append(_prop("ADR", value, _typed(address.types, address.params, cc), address.group))
        if address.returned:
            returned.append(address.returned_for)
    if contact.linkedin:
        linkedin: Params = (("TYPE", ("linkedin",)),)
        if "linkedin" in contact.meta:
            linkedin = ()
        url = escape_text(contact.linkedin)
        out.append(_field(contact, "linkedin", "X-SOCIALPROFILE", url, linkedin))
    if contact.birthday:
        bday = _birthday_value(contact.birthday, v4, _meta(contact, "bday", "BDAY")[1])
        out.append(_field(contact, "bday", "BDAY", bday))
    if contact.tags:
        out.append(_prop("CATEGORIES", ",".join(escape_text(t) for t in contact.tags)))
    if contact.notes:
        out.append(_field(contact, "note", "NOTE", escape_text(contact.notes)))
    if contact.relationship:
        out.append(_prop(X_RELATIONSHIP, escape_text(contact.relationship)))
    if contact.cadence is not None:
        out.append(_prop(X_CADENCE, str(contact.cadence)))
    if contact.snooze_until is not None:
        out.append(_prop(X_SNOOZE, contact.snooze_until.isoformat()))
    if contact.card_note:
        out.append(_prop(X_CARD_NOTE, escape_text(contact.card_note)))
    for fingerprint in returned:
        out.append(_prop(X_RETURNED, fingerprint))
    for job in contact.past_jobs:
        until: Params = ((P_UNTIL, (job.until.isoformat(),)),) if job.until else ()
        value = f"{escape_text(job.org)};{escape_text(job.title)}"
        out.append(_prop(X_PAST_JOB, value, until))
    for alias in contact.aliases:
        out.append(_prop(X_ALIAS, escape_text(alias)))
    for raw in contact.extra:
        out.append(_prop(raw.name, raw.value, raw.params, raw.group))
    out.append("END:VCARD\r\n")
    return "".join(out)


def dump_contacts(contacts: Iterable[Contact]) -> str:
    """Several contacts as one vCard file's text (each card in its own version)."""
    return "".join(dump_contact(c) for c in contacts)
