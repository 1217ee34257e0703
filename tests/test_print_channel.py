"""The print channel end to end through the CLI: PDFs read back with pdfplumber and pypdf."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pdfplumber
import pytest
from outreach.plugins.print.envelopes import OCR_BOTTOM, OCR_SIDE, OCR_TOP
from outreach.plugins.print.fonts import FACES
from outreach.plugins.print.sizes import CARD_SIZES, ENVELOPE_SIZES, INCH
from printing import (
    EXPECTED_ADDRESSES,
    campaign,
    configure,
    lines_between,
    manifest,
    nfc,
    pdf_fonts,
    person,
    text_lines,
    world,
)

from outreach.contact import Address
from outreach.workspace import Workspace

BUNDLED = {face.name for face in FACES.values()}


@pytest.fixture
def printed(
    workspace: Workspace, add_contacts: Callable[..., object], run_cli: Callable[..., object]
) -> Path:
    """Cards, envelopes and labels for six countries; returns the output folder."""
    configure(workspace)
    add_contacts(*world())
    path = campaign(workspace.root / "holiday", 'outputs = ["cards", "envelopes", "labels"]')
    result = run_cli("campaign", "run", str(path))
    assert result.exit_code == 0, result.output
    assert "card preview:" in result.output and "envelope preview:" in result.output
    return workspace.out_dir("cards")


def test_page_sizes_match_the_card_and_its_envelope(printed: Path) -> None:
    card, envelope = CARD_SIZES["a7"], ENVELOPE_SIZES["a7"]
    with pdfplumber.open(printed / "cards.pdf") as pdf:
        assert len(pdf.pages) == 12
        for page in pdf.pages:
            assert (page.width, page.height) == pytest.approx((card.width, card.height))
    assert (card.width, card.height) == (5 * INCH, 7 * INCH)
    with pdfplumber.open(printed / "envelopes.pdf") as pdf:
        assert len(pdf.pages) == 6
        for page in pdf.pages:
            assert (page.width, page.height) == pytest.approx((7.25 * INCH, 5.25 * INCH))
    assert envelope.width == 7.25 * INCH


def test_envelopes_carry_the_addresses_as_written_in_manifest_order(printed: Path) -> None:
    rows = manifest(printed)
    assert [r["uid"] for r in rows] == ["us", "de", "fr", "jp", "gr", "ru"]
    with pdfplumber.open(printed / "envelopes.pdf") as pdf:
        for row in rows:
            page = pdf.pages[int(row["envelope_page"]) - 1]
            # The delivery block is everything below the return address.
            delivery = lines_between(page, page.height * 0.3, page.height)
            assert delivery == [nfc(line) for line in EXPECTED_ADDRESSES[row["uid"]]]
            assert nfc(row["name"]) in delivery
            return_block = lines_between(page, 0, page.height * 0.25)
            assert return_block[:3] == ["Alex Example", "42 Elm Street", "SPRINGFIELD IL 62701"]
            # International mail needs the sender's country too, so it can come back.
            assert (return_block[-1] == "UNITED STATES") == (row["uid"] != "us")


def test_cards_pair_with_envelopes_and_carry_names_notes_and_literal_markup(
    printed: Path,
) -> None:
    rows = {r["uid"]: r for r in manifest(printed)}
    assert rows["us"]["card_pages"] == "1-2" and rows["ru"]["card_pages"] == "11-12"
    with pdfplumber.open(printed / "cards.pdf") as pdf:
        front = text_lines(pdf.pages[0])
        assert front == ["Season's Greetings", "and every good wish for the new year"]
        inside = {
            uid: " ".join(text_lines(pdf.pages[int(r["card_pages"].split("-")[1]) - 1]))
            for uid, r in rows.items()
        }
    assert inside["us"].startswith("Dear Ann,")
    assert "Fish & chips <soon>, I promise!" in inside["us"]
    assert "Danke für alles – bis bald in Berlin!" in inside["de"]
    assert inside["jp"].startswith("Dear 太郎,")
    assert "Καλά Χριστούγεννα, φίλε μου!" in inside["gr"]
    assert "С Новым годом! Надеюсь, скоро увидимся." in inside["ru"]
    # Never touched: the template's prompt stands in for a personal note.
    assert "It has been a long time since we last talked" in inside["fr"]
    assert "It has been" not in inside["de"]


def test_every_font_is_bundled_embedded_and_subset(printed: Path) -> None:
    for name in ("cards.pdf", "envelopes.pdf", "labels.pdf"):
        fonts = pdf_fonts(printed / name)
        assert fonts, name
        for font in fonts:
            assert font["embedded"] and font["subset"], (name, font)
            assert font["subtype"] == "/TrueType", (name, font)
            assert font["name"].split("+", 1)[1] in BUNDLED, (name, font)
    used = {f["name"].split("+", 1)[1] for f in pdf_fonts(printed / "cards.pdf")}
    # The Japanese name fell back to the CJK font, the note to the handwriting font.
    assert {"NotoSerif-Regular", "Caveat-Regular", "DroidSansFallback"} <= used


def test_previews_are_png_thumbnails(printed: Path) -> None:
    previews = sorted(p.name for p in (printed / "preview").iterdir())
    assert previews == [
        "cards-1.png",
        "cards-2.png",
        "envelopes-1.png",
        "envelopes-2.png",
        "labels-1.png",
    ]
    from PIL import Image

    with Image.open(printed / "preview" / "envelopes-1.png") as image:
        assert image.format == "PNG"
        width, height = image.size
    assert width == 480 and height == round(480 * 5.25 / 7.25)


def test_same_input_gives_the_same_bytes(
    printed: Path, workspace: Workspace, run_cli: Callable[..., object]
) -> None:
    before = {p.name: p.read_bytes() for p in printed.glob("*.*")}
    result = run_cli("campaign", "run", str(workspace.root / "holiday" / "campaign.toml"))
    assert result.exit_code == 0, result.output
    after = {p.name: p.read_bytes() for p in printed.glob("*.*")}
    assert before.keys() == {"cards.pdf", "envelopes.pdf", "labels.pdf", "manifest.csv"}
    assert before == after


def test_us_delivery_lines_sit_in_the_ocr_read_area_with_the_clear_zone_empty(
    workspace: Workspace,
    add_contacts: Callable[..., object],
    run_cli: Callable[..., object],
) -> None:
    configure(workspace, print_settings='mailer_id = "123456"')
    add_contacts(*world()[:1])
    for size in ("a2", "#10"):
        path = campaign(
            workspace.root / f"us-{size[-2:]}",
            f'outputs = ["envelopes"]\nenvelope = "{size}"\nusps_style = true\nbarcode = true',
            name=f"us-{size[-2:]}",
        )
        result = run_cli("campaign", "run", str(path))
        assert result.exit_code == 0, result.output
        with pdfplumber.open(workspace.out_dir(f"us-{size[-2:]}") / "envelopes.pdf") as pdf:
            page = pdf.pages[0]
            w, h = page.width, page.height
            delivery = [c for c in page.chars if c["top"] > h * 0.3]
            assert text_lines(page.within_bbox((0, h * 0.3, w, h))) == [
                "ANN & BO LEE",
                "1600 AMPHITHEATRE PKWY",
                "APT 5",
                "MOUNTAIN VIEW CA 94043-1351",
            ]
            for char in delivery:
                # pdfplumber's y0/y1 are measured from the bottom of the page.
                assert char["x0"] >= OCR_SIDE and char["x1"] <= w - OCR_SIDE
                assert char["y0"] >= OCR_BOTTOM and char["y1"] <= OCR_TOP
            # The barcode: 65 bars above the name line, inside the read area too.
            bars = [r for r in page.rects if r["height"] < 0.2 * INCH and r["width"] < 2]
            assert len(bars) == 65
            name_top = min(c["y1"] for c in delivery)
            assert all(b["y0"] >= OCR_BOTTOM and b["y1"] <= OCR_TOP for b in bars)
            assert all(b["y0"] > max(c["y1"] for c in delivery) - 1 for b in bars)
            assert name_top > OCR_BOTTOM
            # Nothing at all in the barcode clear zone (bottom 5/8 in, right 4 3/4 in).
            clear = (w - 4.75 * INCH, h - OCR_BOTTOM, w, h)
            assert not any(page.within_bbox(clear).objects.values())


def test_names_no_bundled_font_can_draw_are_an_error_before_anything_is_written(
    workspace: Workspace,
    add_contacts: Callable[..., object],
    run_cli: Callable[..., object],
) -> None:
    configure(workspace)
    contacts = world()
    contacts[2].name.formatted = "ᚠrida ᚠ Runa"
    add_contacts(*contacts)
    path = campaign(workspace.root / "c", 'outputs = ["cards", "envelopes"]')
    result = run_cli("campaign", "run", str(path))
    assert result.exit_code == 2
    assert "ᚠrida ᚠ Runa <fr>" in result.output
    assert "U+16A0 RUNIC LETTER FEHU" in result.output
    assert not (workspace.out_dir("cards") / "cards.pdf").exists()
    assert not (workspace.out_dir("cards") / "envelopes.pdf").exists()


def test_a_note_that_cannot_fit_stops_the_run_naming_the_contact(
    workspace: Workspace,
    add_contacts: Callable[..., object],
    run_cli: Callable[..., object],
) -> None:
    configure(workspace)
    contacts = world()[:2]
    contacts[1].card_note = "So many things to tell you. " * 60
    add_contacts(*contacts)
    path = campaign(workspace.root / "c", 'card = "a2"')
    result = run_cli("campaign", "run", str(path))
    assert result.exit_code == 2
    assert "Jürgen Groß <de>" in result.output
    assert "do not fit on the A2 card" in result.output
    assert not workspace.out_dir("cards").exists() or not any(workspace.out_dir("cards").iterdir())


def test_long_text_shrinks_within_limits(
    workspace: Workspace, add_contacts: Callable[..., object]
) -> None:
    from outreach.engine import Engine

    configure(workspace)
    contacts = world()[:2]
    contacts[1].card_note = "We should really catch up properly, it has been ages. " * 15
    add_contacts(*contacts)
    engine = Engine(Workspace.load(workspace.root))
    plan, rendered = engine.preview(engine.load(campaign(workspace.root / "c", 'card = "a2"')))
    sizes = {r.contact.uid: r.details["message_pt"] for r in rendered}
    assert sizes["us"] == 10.0
    assert 7.0 <= sizes["de"] < 10.0


def test_flap_return_address_and_matched_envelopes(
    workspace: Workspace,
    add_contacts: Callable[..., object],
    run_cli: Callable[..., object],
) -> None:
    configure(workspace)
    add_contacts(*world()[1:3])
    path = campaign(workspace.root / "c", 'card = "iso-a6"\nreturn_address = "flap"')
    result = run_cli("campaign", "run", str(path))
    assert result.exit_code == 0, result.output
    out = workspace.out_dir("cards")
    c6 = ENVELOPE_SIZES["c6"]
    with pdfplumber.open(out / "envelopes.pdf") as pdf:
        assert [(p.width, p.height) for p in pdf.pages] == [
            pytest.approx((c6.width, c6.height))
        ] * 2
        assert "Alex Example" not in " ".join(text_lines(pdf.pages[0]))
    with pdfplumber.open(out / "envelope-flaps.pdf") as pdf:
        assert len(pdf.pages) == 2
        lines = text_lines(pdf.pages[0])
        assert lines == ["Alex Example", "42 Elm Street", "SPRINGFIELD IL 62701", "UNITED STATES"]
        top = min(c["top"] for c in pdf.pages[0].chars)
        assert top < pdf.pages[0].height * 0.3


def test_signature_image_notes_file_and_folded_cards(
    workspace: Workspace,
    add_contacts: Callable[..., object],
    run_cli: Callable[..., object],
) -> None:
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (300, 100), (255, 255, 255, 0))
    ImageDraw.Draw(image).line([(10, 80), (120, 20), (200, 70), (290, 30)], fill="navy", width=6)
    image.save(workspace.root / "sig.png")
    configure(workspace, signature="sig.png")
    add_contacts(*world()[:3])
    folder = workspace.root / "c"
    path = campaign(folder, 'fold = "folded"\nnotes = "notes.csv"\noutputs = ["cards"]')
    (folder / "notes.csv").write_text(
        "contact,note\nÉmile Zola,Merci pour le dîner à Lyon !\nde,Frohe Weihnachten!\n",
        encoding="utf-8",
    )
    result = run_cli("campaign", "run", str(path))
    assert result.exit_code == 0, result.output
    a7 = CARD_SIZES["a7"]
    with pdfplumber.open(workspace.out_dir("cards") / "cards.pdf") as pdf:
        assert len(pdf.pages) == 6
        for page in pdf.pages:
            assert (page.width, page.height) == pytest.approx((2 * a7.width, a7.height))
        inside = [pdf.pages[i] for i in (1, 3, 5)]
        texts = [" ".join(text_lines(p)) for p in inside]
        # The notes file wins over the contact's own note; the message is on the right half.
        assert "Frohe Weihnachten!" in texts[1] and "Danke" not in texts[1]
        assert "Merci pour le dîner à Lyon !" in texts[2]
        assert "Fish & chips <soon>" in texts[0]
        for page in inside:
            assert len(page.images) == 1
            assert page.images[0]["x0"] >= a7.width
            assert min(c["x0"] for c in page.chars) >= a7.width


def test_notes_file_with_an_unknown_contact_names_file_and_line(
    workspace: Workspace,
    add_contacts: Callable[..., object],
    run_cli: Callable[..., object],
) -> None:
    configure(workspace)
    add_contacts(*world()[:2])
    folder = workspace.root / "c"
    path = campaign(folder, 'notes = "notes.toml"')
    (folder / "notes.toml").write_text('[notes]\n"Nobody Known" = "Hi"\n', encoding="utf-8")
    result = run_cli("campaign", "run", str(path))
    assert result.exit_code == 2
    assert "notes.toml [notes] 'Nobody Known': no contact matches" in result.output
    (folder / "notes.csv").write_text("contact,note\nus,One\nAnn & <Bo> Lee,Two\n", "utf-8")
    path = campaign(folder, 'notes = "notes.csv"')
    result = run_cli("campaign", "run", str(path))
    assert result.exit_code == 2
    assert "notes.csv:3: a second note for Ann & <Bo> Lee" in result.output


def test_barcode_needs_a_mailer_id(
    workspace: Workspace,
    add_contacts: Callable[..., object],
    run_cli: Callable[..., object],
) -> None:
    configure(workspace)
    add_contacts(*world()[:1])
    result = run_cli("campaign", "run", str(campaign(workspace.root / "c", "barcode = true")))
    assert result.exit_code == 2
    assert "[print] mailer_id is needed" in result.output


def test_imb_serial_numbers_that_run_out_stop_the_run_before_anything_is_written(
    workspace: Workspace,
    add_contacts: Callable[..., object],
    run_cli: Callable[..., object],
) -> None:
    # A 9-digit Mailer ID leaves 6 digits for the serial: 999999 is the last there is.
    configure(workspace, print_settings='mailer_id = "912345678"')
    springfield = Address(
        street=("1 Main St",),
        locality="Springfield",
        region="IL",
        postal_code="62704",
        country_code="US",
    )
    add_contacts(*world()[:1], person("us2", "Bea Lee", "Bea", springfield))
    body = 'outputs = ["cards", "envelopes"]\nbarcode = true\nbarcode_serial_start = 999999'
    result = run_cli("campaign", "run", str(campaign(workspace.root / "c", body)))
    assert result.exit_code != 0
    assert "Bea Lee <us2>: envelope: serial number 1000000 does not fit in 6 digits" in (
        result.output
    )
    assert not (workspace.out_dir("cards") / "cards.pdf").exists()
    assert not (workspace.out_dir("cards") / "envelopes.pdf").exists()


def test_notes_csv_saved_by_a_spreadsheet_in_windows_1252(
    workspace: Workspace, add_contacts: Callable[..., object]
) -> None:
    from outreach.engine import Engine

    configure(workspace)
    add_contacts(*world()[:3])
    folder = workspace.root / "c"
    path = campaign(folder, 'notes = "notes.csv"')
    (folder / "notes.csv").write_bytes(
        "contact,note\nÉmile Zola,Merci pour le dîner à Lyon !\n".encode("cp1252")
    )
    engine = Engine(Workspace.load(workspace.root))
    _, rendered = engine.preview(engine.load(path))
    notes = {r.contact.uid: r.details["note"] for r in rendered}
    assert notes["fr"] == "Merci pour le dîner à Lyon !"
    assert notes["us"] == "Fish & chips <soon>, I promise!"


def test_the_note_prompt_depends_on_the_last_touch(
    workspace: Workspace,
    add_contacts: Callable[..., object],
    run_cli: Callable[..., object],
) -> None:
    from datetime import date, timedelta

    configure(workspace)
    add_contacts(*world()[2:4])  # Émile and 太郎, neither has a note of their own
    recent = (date.today() - timedelta(days=40)).isoformat()
    old = (date.today() - timedelta(days=800)).isoformat()
    assert run_cli("touch", "fr", "--via", "email", "--date", recent).exit_code == 0
    assert run_cli("touch", "jp", "--via", "email", "--date", old).exit_code == 0
    result = run_cli("campaign", "run", str(campaign(workspace.root / "c", 'outputs = ["cards"]')))
    assert result.exit_code == 0, result.output
    with pdfplumber.open(workspace.out_dir("cards") / "cards.pdf") as pdf:
        emile, taro = (" ".join(text_lines(pdf.pages[i])) for i in (1, 3))
    assert "It has been" not in emile
    assert "It has been two years since we last talked" in taro


def test_bad_settings_and_addresses_too_long_for_the_envelope_are_clear_errors(
    workspace: Workspace,
    add_contacts: Callable[..., object],
    run_cli: Callable[..., object],
) -> None:
    configure(workspace, print_settings="mailer_ids = '123456'")
    contacts = world()[:2]
    contacts[1].addresses[0].street = ("Sehr lange Straße mit einem Namen, der nie endet, 12" * 2,)
    add_contacts(*contacts)
    result = run_cli("campaign", "run", str(campaign(workspace.root / "a", 'card = "a2"')))
    assert result.exit_code == 2
    assert "outreach.toml [print]: unknown key 'mailer_ids' (did you mean 'mailer_id'?)" in (
        result.output
    )
    configure(workspace)
    result = run_cli("campaign", "run", str(campaign(workspace.root / "b", 'card = "b7"')))
    assert result.exit_code == 2
    assert "[print]: card must be one of a2, a6, a7, a9, iso-a6, a5, not 'b7'" in result.output
    result = run_cli("campaign", "run", str(campaign(workspace.root / "c", 'card = "a2"')))
    assert result.exit_code == 2
    assert "Jürgen Groß <de>: envelope: the address does not fit the A2 envelope" in result.output
    assert not (workspace.out_dir("cards") / "cards.pdf").exists()
