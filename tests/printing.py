"""Helpers for the print channel's tests: a sender with an address, contacts in six
countries, campaign files, and reading PDFs back with pypdf and pdfplumber."""

from __future__ import annotations

import csv
import re
import unicodedata
from pathlib import Path
from typing import Any

from outreach.contact import Address, Contact, Name
from outreach.workspace import Workspace

CONFIG = """\
[me]
name = "Alex Example"
email = "alex@example.com"
language = "{language}"
country = "US"
{signature}
[me.address]
street = ["42 Elm Street"]
locality = "Springfield"
region = "IL"
postal_code = "62701"
country = "United States"

[book]
path = "contacts.vcf"

[print]
{print_settings}
"""


def configure(
    workspace: Workspace,
    *,
    print_settings: str = "",
    signature: str = "",
    language: str = "en",
) -> None:
    """Give the workspace a sender address (and optional ``[print]`` settings)."""
    sig = f'signature = "{signature}"' if signature else ""
    workspace.config_path.write_text(
        CONFIG.format(print_settings=print_settings, signature=sig, language=language),
        encoding="utf-8",
    )


def person(uid: str, formatted: str, given: str, address: Address, note: str = "") -> Contact:
    """A contact with one home address."""
    return Contact(
        uid=uid,
        name=Name(given=given, formatted=formatted),
        addresses=[address],
        card_note=note,
    )


def world() -> list[Contact]:
    """Contacts in the US, Germany, France, Japan, Greece and Russia, in book order."""
    return [
        person(
            "us",
            "Ann & <Bo> Lee",
            "Ann",
            Address(
                street=("1600 Amphitheatre Pkwy.", "Apt. 5"),
                locality="Mountain View",
                region="CA",
                postal_code="94043-1351",
                country="USA",
                country_code="US",
            ),
            note="Fish & chips <soon>, I promise!",
        ),
        person(
            "de",
            "Jürgen Groß",
            "Jürgen",
            Address(
                street=("Hauptstraße 5",),
                locality="Berlin",
                postal_code="10115",
                country="Deutschland",
                country_code="DE",
            ),
            note="Danke für alles – bis bald in Berlin!",
        ),
        person(
            "fr",
            "Émile Zola",
            "Émile",
            Address(
                street=("12, rue de la Paix",),
                locality="Paris Cedex 08",
                postal_code="75008",
                country="France",
                country_code="FR",
            ),
        ),
        person(
            "jp",
            "山田太郎",
            "太郎",
            Address(
                street=("千代田1-1",),
                locality="千代田区",
                region="東京都",
                postal_code="100-0001",
                country="日本",
                country_code="JP",
            ),
        ),
        person(
            "gr",
            "Γιώργος Παπαδόπουλος",
            "Γιώργος",
            Address(
                street=("Οδός Ερμού 10",),
                locality="Αθήνα",
                postal_code="105 63",
                country="Greece",
                country_code="GR",
            ),
            note="Καλά Χριστούγεννα, φίλε μου!",
        ),
        person(
            "ru",
            "Иван Петров",
            "Иван",
            Address(
                street=("ул. Тверская, д. 7, кв. 5",),
                locality="Москва",
                postal_code="125009",
                country="Russia",
                country_code="RU",
            ),
            note="С Новым годом! Надеюсь, скоро увидимся.",
        ),
    ]


#: What each envelope must say, line by line (sender in the US, language English).
EXPECTED_ADDRESSES = {
    "us": ["Ann & <Bo> Lee", "1600 Amphitheatre Pkwy.", "Apt. 5", "MOUNTAIN VIEW CA 94043-1351"],
    "de": ["Jürgen Groß", "Hauptstraße 5", "10115 BERLIN", "GERMANY"],
    "fr": ["Émile Zola", "12, rue de la Paix", "75008 PARIS CEDEX 08", "FRANCE"],
    "jp": ["〒100-0001", "東京都千代田区", "千代田1-1", "山田太郎", "JAPAN"],
    "gr": ["Γιώργος Παπαδόπουλος", "Οδός Ερμού 10", "105 63 ΑΘΗΝΑ", "GREECE"],
    "ru": ["Иван Петров", "ул. Тверская, д. 7, кв. 5", "МОСКВА", "125009", "RUSSIA"],
}


def campaign(directory: Path, body: str, name: str = "cards") -> Path:
    """Write ``campaign.toml`` with ``[print]`` table ``body``; returns its path."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "campaign.toml"
    path.write_text(f'name = "{name}"\n\n[print]\n{body}\n', encoding="utf-8")
    return path


def manifest(out: Path) -> list[dict[str, str]]:
    """The rows of ``out/manifest.csv``, in print order."""
    with (out / "manifest.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def nfc(text: str) -> str:
    """NFC form."""
    return unicodedata.normalize("NFC", text)


def text_lines(page: Any) -> list[str]:
    """A pdfplumber page's text as lines, NFC, without empty lines."""
    text = page.extract_text(x_tolerance=1.5, y_tolerance=3) or ""
    return [nfc(line.strip()) for line in text.splitlines() if line.strip()]


def lines_between(page: Any, top: float, bottom: float) -> list[str]:
    """Text lines whose characters lie between ``top`` and ``bottom`` (pdfplumber's y)."""
    cropped = page.within_bbox((0, top, page.width, bottom))
    return text_lines(cropped)


def pdf_fonts(path: Path) -> list[dict[str, Any]]:
    """Every font in every page's resources (including form XObjects)."""
    from pypdf import PdfReader

    found = []
    reader = PdfReader(str(path))
    for page in reader.pages:
        resources = page.get("/Resources") or {}
        fonts = resources.get("/Font") or {}
        for ref in fonts.values():
            font = ref.get_object()
            descriptor = font.get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor is not None else {}
            embedded = any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
            found.append(
                {
                    "name": str(font.get("/BaseFont")),
                    "subtype": str(font.get("/Subtype")),
                    "embedded": embedded,
                    "subset": bool(re.match(r"^/?[A-Z]{6}\+", str(font.get("/BaseFont")))),
                }
            )
    return found


def pdfium_texts(path: Path) -> list[str]:
    """Each page's text as PDFium (the engine of Chrome's PDF viewer) extracts it."""
    import pypdfium2

    pdf = pypdfium2.PdfDocument(str(path))
    try:
        return [page.get_textpage().get_text_range() for page in pdf]
    finally:
        pdf.close()
