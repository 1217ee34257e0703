"""Country names and ISO 3166 codes, in both directions, from Babel's CLDR data.

Address books spell countries every way ("USA", "Deutschland", "Royaume-Uni", "日本");
outreach keeps the spelling and adds the ISO code so that postal formatting and domestic /
international decisions do not depend on it.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

__all__ = ["code_for", "name_for"]

#: Locales whose country names are recognised when reading an address.
_LOCALES = ("en", "de", "fr", "es", "it", "nl", "pt", "sv", "pl", "ru", "ja", "zh", "ko", "el")

#: Spellings CLDR does not list but address books use.
_ALIASES = {
    "usa": "US",
    "us": "US",
    "u s a": "US",
    "u s": "US",
    "united states of america": "US",
    "america": "US",
    "uk": "GB",
    "u k": "GB",
    "great britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "holland": "NL",
    "the netherlands": "NL",
    "deutschland": "DE",
    "brd": "DE",
    "schweiz": "CH",
    "suisse": "CH",
    "svizzera": "CH",
    "österreich": "AT",
    "españa": "ES",
    "россия": "RU",
    "nippon": "JP",
    "korea": "KR",
    "south korea": "KR",
    "czech republic": "CZ",
    "uae": "AE",
}


def _key(name: str) -> str:
    text = unicodedata.normalize("NFKC", name).casefold()
    text = re.sub(r"[.\-_,()']+", " ", text)
    return " ".join(text.split())


@cache
def _territories(locale: str) -> dict[str, str]:
    from babel import Locale

    names = Locale.parse(locale).territories
    return {code: name for code, name in names.items() if len(code) == 2 and code.isalpha()}


@cache
def _index() -> dict[str, str]:
    index: dict[str, str] = {}
    for locale in _LOCALES:
        for code, name in _territories(locale).items():
            index.setdefault(_key(name), code)
    index.update(_ALIASES)
    return index


def code_for(country: str) -> str:
    """The ISO 3166-1 alpha-2 code for a country name or code as written, or "" if unknown."""
    key = _key(country)
    if not key:
        return ""
    if key in _ALIASES:
        return _ALIASES[key]
    if len(key) == 2 and key.isalpha() and key.upper() in _territories("en"):
        return key.upper()
    return _index().get(key, "")


def name_for(code: str, language: str = "en") -> str:
    """The country's name in ``language`` (a CLDR locale such as ``de`` or ``fr_CA``)."""
    code = code.upper()
    try:
        names = _territories(language)
    except (ValueError, LookupError):
        names = _territories("en")
    return names.get(code) or _territories("en").get(code, code)
