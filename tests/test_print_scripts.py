"""Cards, envelopes and labels in nineteen contacts' own scripts, read back from the PDFs.

The book holds names and addresses in Arabic, Hebrew, Devanagari, Bengali, Tamil, Telugu,
Gujarati, Gurmukhi, Sinhala, Thai, Khmer, Lao, Myanmar, Georgian, Armenian, Ethiopic,
traditional Chinese and Urdu. Text comes back through PDFium (the engine of Chrome's PDF
viewer) and poppler's pdftotext; glyphs are checked in the PDFs' content streams, and the
shaping against HarfBuzz's own command-line shaper, hb-shape.
"""

from __future__ import annotations

import shutil
import subprocess
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest
from print_scripts import SCRIPTS, script_book
from printing import campaign, configure, manifest, pdf_fonts

from outreach.plugins.print.sizes import LABEL_SPECS
from outreach.workspace import Workspace

NOTES = {
    "sa": "كل عام وأنتم بخير، أراك في الرياض قريباً",
    "il": "חג שמח! נתראה בתל אביב בשנה הבאה",
    "in-hi": "नव वर्ष की हार्दिक शुभकामनाएँ!",
    "th": "สวัสดีปีใหม่ แล้วพบกันนะครับ",
    "pk": "نیا سال مبارک ہو!",
}


def nfkc(text: str) -> str:
    """NFKC without spaces, the form two extractions of the same text agree on."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def page_texts(path: Path) -> list[str]:
    """Each page's text as PDFium extracts it."""
    import pypdfium2

    pdf = pypdfium2.PdfDocument(str(path))
    try:
        return [page.get_textpage().get_text_range() for page in pdf]
    finally:
        pdf.close()


def label_text(path: Path, page: int, position: int) -> str:
    """The text PDFium finds inside one label (1-based page and position) of an Avery 5160
    sheet: labels sit three across, and reading a whole sheet would mix their lines."""
    import pypdfium2

    spec = LABEL_SPECS["avery-5160"]
    x, y = spec.origin(position - 1)
    pdf = pypdfium2.PdfDocument(str(path))
    try:
        text = pdf[page - 1].get_textpage()
        return text.get_text_bounded(x, y, x + spec.label_width, y + spec.label_height)
    finally:
        pdf.close()


@pytest.fixture
def printed(
    workspace: Workspace, add_contacts: Callable[..., object], run_cli: Callable[..., object]
) -> Path:
    """Cards, envelopes and labels for the whole book; returns the output folder."""
    configure(workspace)
    contacts = script_book()
    for contact in contacts:
        contact.card_note = NOTES.get(contact.uid, "")
    add_contacts(*contacts)
    path = campaign(
        workspace.root / "holiday",
        'template = "cards/greeting.txt.j2"\noutputs = ["cards", "envelopes", "labels"]',
    )
    (workspace.root / "holiday" / "cards").mkdir(parents=True)
    (workspace.root / "holiday" / "cards" / "greeting.txt.j2").write_text(
        "[front]\nSeason's Greetings\n[inside]\n{{ contact.display_name }}\n\n"
        "Warm wishes for the holidays.\n\nWith best wishes,\n{{ me.name }}\n",
        encoding="utf-8",
    )
    result = run_cli("campaign", "run", str(path))
    assert result.exit_code == 0, result.output
    return workspace.out_dir("cards")


def test_the_book_covers_at_least_fourteen_scripts() -> None:
    assert len({script for _, script, *_ in SCRIPTS}) >= 14


def test_every_name_extracts_from_every_pdf_as_written(printed: Path) -> None:
    rows = manifest(printed)
    names = {uid: name for uid, _, name, *_ in SCRIPTS}
    envelopes = page_texts(printed / "envelopes.pdf")
    cards = page_texts(printed / "cards.pdf")
    for row in rows:
        name = nfkc(names[row["uid"]])
        assert name in nfkc(envelopes[int(row["envelope_page"]) - 1]), row["uid"]
        inside = cards[int(row["card_pages"].split("-")[1]) - 1]
        assert name in nfkc(inside), row["uid"]
        label = label_text(printed / "labels.pdf", int(row["label_page"]), int(row["label_position"]))
        assert name in nfkc(label), row["uid"]
