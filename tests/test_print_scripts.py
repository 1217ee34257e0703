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
from outreach.plugins.print.sizes import LABEL_SPECS
from print_scripts import SCRIPTS, script_book
from printing import campaign, configure, manifest, pdf_fonts, pdfium_texts

from outreach.workspace import Workspace

NOTES = {
    "sa": "كل عام وأنتم بخير، أراك في الرياض قريباً",
    "il": "חג שמח! נתראה בתל אביב בשנה הבאה",
    "in-hi": "नव वर्ष की हार्दिक शुभकामनाएँ!",
    "th": "สวัสดีปีใหม่ แล้วพบกันนะครับ",
    "pk": "نیا سال مبارک ہو!",
}


def nfkc(text: str) -> str:
    """NFKC with each run of white space (a line break included) as one space."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


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


def test_poppler_extracts_every_name_from_the_envelopes_too(printed: Path) -> None:
    names = {uid: name for uid, _, name, *_ in SCRIPTS}
    for row in manifest(printed):
        page = row["envelope_page"]
        text = subprocess.run(
            ["pdftotext", "-f", page, "-l", page, str(printed / "envelopes.pdf"), "-"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        # pdftotext marks right-to-left runs with embedding controls (U+202A to U+202C)
        # around them; they are not text.
        text = text.translate(dict.fromkeys(range(0x202A, 0x202D)))
        assert nfkc(names[row["uid"]]) in nfkc(text), row["uid"]


def test_the_book_covers_at_least_fourteen_scripts() -> None:
    assert len({script for _, script, *_ in SCRIPTS}) >= 14


def test_every_name_extracts_from_every_pdf_as_written(printed: Path) -> None:
    rows = manifest(printed)
    names = {uid: name for uid, _, name, *_ in SCRIPTS}
    envelopes = pdfium_texts(printed / "envelopes.pdf")
    cards = pdfium_texts(printed / "cards.pdf")
    for row in rows:
        name = nfkc(names[row["uid"]])
        assert name in nfkc(envelopes[int(row["envelope_page"]) - 1]), row["uid"]
        inside = cards[int(row["card_pages"].split("-")[1]) - 1]
        assert name in nfkc(inside), row["uid"]
        page, position = int(row["label_page"]), int(row["label_position"])
        label = label_text(printed / "labels.pdf", page, position)
        assert name in nfkc(label), row["uid"]


def test_every_font_is_embedded_and_subset(printed: Path) -> None:
    for name in ("cards.pdf", "envelopes.pdf", "labels.pdf"):
        fonts = pdf_fonts(printed / name)
        assert fonts and all(f["embedded"] and f["subset"] for f in fonts), name
    used = {f["name"].split("+", 1)[1] for f in pdf_fonts(printed / "envelopes.pdf")}
    assert {
        "NotoNaskhArabic-Regular",
        "NotoSerifHebrew-Regular",
        "NotoSerifDevanagari-Regular",
        "NotoSerifThai-Regular",
        "NotoSerifEthiopic-Regular",
        "DroidSansFallback",
    } <= used


def _strings(operands: list[object]) -> list[bytes]:
    """The byte strings among a Tj/TJ operator's operands."""
    found: list[bytes] = []
    for operand in operands:
        if isinstance(operand, list):
            found.extend(_strings(operand))
        elif isinstance(operand, bytes | str) and not isinstance(operand, float | int):
            raw = getattr(operand, "original_bytes", None)
            found.append(raw if raw is not None else bytes(str(operand), "latin-1"))
    return found


def test_no_glyph_drawn_is_notdef(printed: Path) -> None:
    """Every subset reportlab writes keeps code 0 for .notdef, and a character a font lacks
    would be drawn as code 0: no string in any content stream may hold it."""
    from pypdf import PdfReader
    from pypdf.generic import ContentStream, NumberObject

    for name in ("cards.pdf", "envelopes.pdf", "labels.pdf"):
        reader = PdfReader(str(printed / name))
        shown = 0
        for page in reader.pages:
            content = ContentStream(page.get_contents(), reader)
            for operands, operator in content.operations:
                if operator not in (b"Tj", b"TJ"):
                    continue
                for data in _strings([o for o in operands if not isinstance(o, NumberObject)]):
                    shown += len(data)
                    assert b"\x00" not in data, f"{name} page {page.page_number + 1}"
        assert shown > 100, name


def _hb_shape(font: Path, text: str, rtl: bool) -> list[int]:
    """Glyph ids in visual order, as HarfBuzz's own hb-shape tool gives them."""
    out = subprocess.run(
        [
            "hb-shape",
            "--no-glyph-names",
            "--no-positions",
            "--no-clusters",
            "--remove-default-ignorables",
            f"--direction={'rtl' if rtl else 'ltr'}",
            str(font),
            text,
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    return [int(gid) for gid in out.strip("[]").split("|")]


@pytest.mark.skipif(shutil.which("hb-shape") is None, reason="needs hb-shape (libharfbuzz-bin)")
def test_shaping_matches_harfbuzz_for_words_of_every_script() -> None:
    from outreach.plugins.print.fonts import FACES, font_path
    from outreach.plugins.print.shaping import shape_line

    by_name = {face.name: face for face in FACES.values()}
    checked = 0
    for uid, script, _, _, _, words in SCRIPTS:
        for word in words:
            line = shape_line(unicodedata.normalize("NFC", word))
            assert len(line.fonts) == 1, (script, word)
            ours = [g.gid for run in line.runs for g in run.glyphs]
            font = font_path(by_name[line.runs[0].font])
            assert ours == _hb_shape(font, word, line.rtl), (uid, script, word)
            assert 0 not in ours
            checked += 1
    assert checked >= 30


REFERENCES = Path(__file__).parent / "fixtures" / "print-scripts"
#: Envelopes kept as reference renders: both right-to-left scripts, an Indic and a Thai
#: address, Urdu digits, and a big-endian Taiwanese address.
REFERENCE_UIDS = ("sa", "il", "in-hi", "th", "pk", "tw")


def _render(pdf: Path, page: int, out: Path) -> Path:
    """One page as a 60 dpi greyscale PNG, by poppler's pdftoppm."""
    stem = out.with_suffix("")
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "60",
            "-gray",
            "-png",
            "-singlefile",
            "-f",
            str(page),
            "-l",
            str(page),
            str(pdf),
            str(stem),
        ],
        check=True,
    )
    return stem.with_suffix(".png")


def test_envelopes_look_like_the_reference_renders(printed: Path, tmp_path: Path) -> None:
    """Renders match the kept ones within a tolerance (anti-aliasing differs a little
    between poppler builds; a missing mark, a wrong join or a moved line does not)."""
    import os

    from PIL import Image, ImageChops

    pages = {row["uid"]: int(row["envelope_page"]) for row in manifest(printed)}
    for uid in REFERENCE_UIDS:
        png = _render(printed / "envelopes.pdf", pages[uid], tmp_path / f"envelope-{uid}.png")
        reference = REFERENCES / f"envelope-{uid}.png"
        if os.environ.get("OUTREACH_UPDATE_REFERENCES"):
            shutil.copyfile(png, reference)
        with Image.open(png) as got, Image.open(reference) as want:
            assert got.size == want.size, uid
            diff = ImageChops.difference(got.convert("L"), want.convert("L"))
            histogram = diff.histogram()
            pixels = got.size[0] * got.size[1]
            mean = sum(i * n for i, n in enumerate(histogram)) / pixels
            far = sum(histogram[64:]) / pixels
            # A printed line is about 0.5 % of an envelope's pixels.
            assert mean < 0.3 and far < 0.001, (uid, mean, far)
            # A mark is a handful of pixels at this size, far below the bound above: ink
            # missing or added where no shift of a pixel (anti-aliasing, rounding) explains
            # it is counted on its own. Dropping the marks of a Devanagari or Thai address
            # leaves a dozen or more such pixels; the same render leaves none.
            missing, extra = _unexplained(got, want), _unexplained(want, got)
            assert missing <= 4 and extra <= 4, (uid, missing, extra)
            ink = sum(ImageChops.invert(want.convert("L")).histogram()[64:]) / pixels
            assert ink > 0.003, uid  # the reference is not a blank page


def _unexplained(got: object, want: object) -> int:
    """Pixels of ``got`` more than 64 grey levels from every pixel around the same place
    (3 x 3) in ``want``."""
    from PIL import ImageChops, ImageFilter

    want = want.convert("L")  # type: ignore[attr-defined]
    got = got.convert("L")  # type: ignore[attr-defined]
    darkest = want.filter(ImageFilter.MinFilter(3))
    lightest = want.filter(ImageFilter.MaxFilter(3))
    off = ImageChops.lighter(ImageChops.subtract(darkest, got), ImageChops.subtract(got, lightest))
    return sum(off.histogram()[64:])


def _delivery_lines(page: object) -> list[tuple[float, float]]:
    """(left, right) of each line of the delivery address (the right part of the page).

    Characters are gathered into lines by their baselines, a few points apart at most
    (marks raised by the shaper and fonts with other descents sit a little off).
    """
    chars = [
        c
        for c in page.chars  # type: ignore[attr-defined]
        if c["x0"] > page.width * 0.35 and c["text"].strip()  # type: ignore[attr-defined]
    ]
    chars.sort(key=lambda c: c["matrix"][5], reverse=True)
    lines: list[list[float]] = []  # baseline, left, right
    for char in chars:
        base = char["matrix"][5]
        if lines and lines[-1][0] - base < 5:
            line = lines[-1]
            line[1], line[2] = min(line[1], char["x0"]), max(line[2], char["x1"])
        else:
            lines.append([base, char["x0"], char["x1"]])
    return [(left, right) for _, left, right in lines]


def test_right_to_left_addresses_are_set_flush_right(printed: Path) -> None:
    import pdfplumber

    pages = {row["uid"]: int(row["envelope_page"]) for row in manifest(printed)}
    with pdfplumber.open(printed / "envelopes.pdf") as pdf:
        for uid in ("il", "sa", "pk"):
            lines = _delivery_lines(pdf.pages[pages[uid] - 1])
            rights = [right for _, right in lines]
            assert len(lines) >= 4 and max(rights) - min(rights) < 1.0, (uid, lines)
            lefts = [left for left, _ in lines]
            assert max(lefts) - min(lefts) > 10, uid  # ragged on the left
        lines = _delivery_lines(pdf.pages[pages["in-hi"] - 1])
        lefts = [left for left, _ in lines]
        assert max(lefts) - min(lefts) < 1.0


#: The envelope of each country of the scripts, from a sender in the US writing English:
#: the address in the recipient's script and order, the country line in English capitals.
EXPECTED_POSTAL = {
    "sa": ["محمد عبد الله الشهري", "شارع الملك فهد 2345", "الرياض 12271", "SAUDI ARABIA"],
    "eg": ["أحمد حسن", "١٥ شارع التحرير", "القاهرة", "11511", "EGYPT"],
    "il": ["דוד כהן", "רחוב הרצל 12", "תל אביב-יפו 6100000", "ISRAEL"],
    "in-hi": ["राजेश कुमार शर्मा", "१२ महात्मा गांधी मार्ग", "नई दिल्ली 110001", "दिल्ली", "INDIA"],
    "bd": ["মোহাম্মদ রহিম", "১২ মতিঝিল বাণিজ্যিক এলাকা", "ঢাকা - 1000", "BANGLADESH"],
    "lk": ["කමල් පෙරේරා", "42 ගාලු පාර", "කොළඹ 03", "00300", "SRI LANKA"],
    "th": [
        "สมชาย ใจดี",
        "99/1 ถนนสุขุมวิท แขวงคลองเตย",
        "เขตคลองเตย",
        "กรุงเทพมหานคร 10110",
        "THAILAND",
    ],
    # Georgian has one case: the city is not put in Mtavruli capitals.
    "ge": ["გიორგი ბერიძე", "რუსთაველის გამზირი 12", "0108 თბილისი", "GEORGIA"],
    "am": ["Արամ Պետրոսյան", "Աբովյան փողոց 10", "0001", "ԵՐԵՒԱՆ", "ARMENIA"],
    "et": ["አበበ በቀለ", "ቦሌ ክፍለ ከተማ", "1000 አዲስ አበባ", "ETHIOPIA"],
    # Taiwan writes big-endian: postal code, city and district, street, then the name.
    "tw": ["110", "臺北市信義區", "信義路五段7號", "陳志明", "TAIWAN"],
    "pk": ["محمد عمران خان", "مکان نمبر ۱۲، گلی ۵", "اسلام آباد-44000", "PAKISTAN"],
}


def test_postal_formats_of_the_countries_of_these_scripts() -> None:
    from outreach.plugins.print.postal import format_postal

    addresses = {uid: (name, address) for uid, _, name, _, address, _ in SCRIPTS}
    for uid, expected in EXPECTED_POSTAL.items():
        name, address = addresses[uid]
        assert list(format_postal(name, address, home_country="US").lines) == expected, uid
    # From Germany, the country line is German, as Deutsche Post needs it.
    name, address = addresses["sa"]
    german = format_postal(name, address, home_country="DE", language="de")
    assert german.lines[-1] == "SAUDI-ARABIEN"
