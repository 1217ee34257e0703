"""When no bundled font has a character: the ways out the error offers, and user fonts.

A name in runic letters (Unicode's Runic block, which no bundled font covers) stands for
any text the bundled fonts cannot draw. The user's own font is a real TrueType file built
with fontTools, with a glyph for the runic letter.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pdfplumber
import pytest
from printing import campaign, configure, pdf_fonts, pdfium_texts, text_lines, world

from outreach.workspace import Workspace

RUNIC = "ᚠrida ᚠ Runa"


def make_font(path: Path, family: str = "Futhark Hand") -> Path:
    """A small TrueType font with Latin letters absent and one runic letter, FEHU."""
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    def box(width: int) -> object:
        pen = TTGlyphPen(None)
        pen.moveTo((50, 0))
        pen.lineTo((50, 700))
        pen.lineTo((width - 50, 700))
        pen.lineTo((width - 50, 0))
        pen.closePath()
        return pen.glyph()

    def fehu() -> object:
        pen = TTGlyphPen(None)
        for x0, y0, x1, y1 in ((100, 0, 180, 700), (180, 620, 480, 700), (180, 380, 420, 460)):
            pen.moveTo((x0, y0))
            pen.lineTo((x0, y1))
            pen.lineTo((x1, y1))
            pen.lineTo((x1, y0))
            pen.closePath()
        return pen.glyph()

    builder = FontBuilder(1000, isTTF=True)
    builder.setupGlyphOrder([".notdef", "space", "uni16A0"])
    builder.setupCharacterMap({0x20: "space", 0x16A0: "uni16A0"})
    builder.setupGlyf({".notdef": box(500), "space": TTGlyphPen(None).glyph(), "uni16A0": fehu()})
    builder.setupHorizontalMetrics({".notdef": (500, 50), "space": (250, 0), "uni16A0": (560, 100)})
    builder.setupHorizontalHeader(ascent=800, descent=-200)
    ps_name = family.replace(" ", "") + "-Regular"
    builder.setupNameTable({"familyName": family, "styleName": "Regular", "psName": ps_name})
    builder.setupOS2(sTypoAscender=800, usWinAscent=800, usWinDescent=200)
    builder.setupPost()
    builder.save(str(path))
    return path


@pytest.fixture
def runic_book(workspace: Workspace, add_contacts: Callable[..., object]) -> Workspace:
    """The six-country book with the French contact renamed in runic letters."""
    contacts = world()
    contacts[2].name.formatted = RUNIC
    add_contacts(*contacts)
    return workspace


def test_the_error_names_contact_code_point_and_every_way_out(
    runic_book: Workspace, run_cli: Callable[..., object]
) -> None:
    configure(runic_book)
    path = campaign(runic_book.root / "c", 'outputs = ["envelopes"]')
    result = run_cli("campaign", "run", str(path))
    assert result.exit_code == 2
    message = result.output.strip().splitlines()[-1]
    assert f"{RUNIC} <fr>" in message and "U+16A0 RUNIC LETTER FEHU" in message
    assert "[print] fonts" in message
    assert 'fallback = "romanise"' in message
    assert "--skip-unprintable" in message
    assert not (runic_book.out_dir("cards") / "envelopes.pdf").exists()


@pytest.mark.parametrize("where", ["campaign", "outreach.toml"])
def test_romanise_prints_a_transliteration_of_the_words_no_font_has(
    runic_book: Workspace, run_cli: Callable[..., object], where: str
) -> None:
    setting = 'fallback = "romanise"'
    configure(runic_book, print_settings=setting if where == "outreach.toml" else "")
    body = 'outputs = ["envelopes"]' + (f"\n{setting}" if where == "campaign" else "")
    path = campaign(runic_book.root / "c", body)
    result = run_cli("campaign", "run", str(path))
    assert result.exit_code == 0, result.output
    with pdfplumber.open(runic_book.out_dir("cards") / "envelopes.pdf") as pdf:
        texts = ["\n".join(text_lines(page)) for page in pdf.pages]
    assert any("frida f Runa" in text for text in texts)
    # The other contacts print exactly as written.
    assert any("Jürgen Groß" in text for text in texts)


def test_skip_unprintable_leaves_the_contact_out_and_prints_the_rest(
    runic_book: Workspace, run_cli: Callable[..., object]
) -> None:
    configure(runic_book)
    path = campaign(runic_book.root / "c", 'outputs = ["envelopes"]')
    result = run_cli("campaign", "run", str(path), "--skip-unprintable")
    assert result.exit_code == 0, result.output
    assert "1 left out" in result.output
    with pdfplumber.open(runic_book.out_dir("cards") / "envelopes.pdf") as pdf:
        assert len(pdf.pages) == 5
        assert not any("Runa" in (page.extract_text() or "") for page in pdf.pages)
    # The same, set in the campaign file, for every run (status included).
    path = campaign(runic_book.root / "c", 'outputs = ["envelopes"]\nskip_unprintable = true')
    status = run_cli("campaign", "status", str(path))
    assert "unprintable: no font can draw 'ᚠ' (U+16A0 RUNIC LETTER FEHU FEOH FE F) in the name" in (
        status.output
    )


def test_a_user_font_in_outreach_toml_draws_what_the_bundled_ones_cannot(
    runic_book: Workspace, run_cli: Callable[..., object]
) -> None:
    (runic_book.root / "fonts").mkdir()
    make_font(runic_book.root / "fonts" / "FutharkHand.ttf")
    configure(
        runic_book,
        print_settings='fonts = [{ file = "fonts/FutharkHand.ttf", roles = ["address"] }]',
    )
    path = campaign(runic_book.root / "c", 'outputs = ["envelopes", "labels"]')
    result = run_cli("campaign", "run", str(path))
    assert result.exit_code == 0, result.output
    out = runic_book.out_dir("cards")
    for name in ("envelopes.pdf", "labels.pdf"):
        fonts = pdf_fonts(out / name)
        assert any("FutharkHand" in f["name"] for f in fonts)
        assert all(f["embedded"] and f["subset"] for f in fonts)
        assert any(RUNIC in text for text in pdfium_texts(out / name))


def test_skip_unprintable_with_an_address_font_leaves_out_a_name_the_card_cannot_print(
    runic_book: Workspace, run_cli: Callable[..., object]
) -> None:
    """The envelope can draw the runic name in the user's address font; the card's message,
    set in the text fonts, cannot: the contact is left out, not the whole run stopped."""
    (runic_book.root / "fonts").mkdir()
    make_font(runic_book.root / "fonts" / "FutharkHand.ttf")
    configure(
        runic_book,
        print_settings='fonts = [{ file = "fonts/FutharkHand.ttf", roles = ["address"] }]',
    )
    folder = runic_book.root / "c"
    path = campaign(folder, 'template = "cards/named.txt.j2"\noutputs = ["cards", "envelopes"]')
    (folder / "cards").mkdir()
    (folder / "cards" / "named.txt.j2").write_text(
        "[inside]\nDear {{ contact.display_name }},\n\nWarm wishes.\n", encoding="utf-8"
    )
    result = run_cli("campaign", "run", str(path), "--skip-unprintable")
    assert result.exit_code == 0, result.output
    assert "1 left out" in result.output
    with pdfplumber.open(runic_book.out_dir("cards") / "envelopes.pdf") as pdf:
        assert len(pdf.pages) == 5


def test_a_user_font_only_for_the_note_leaves_addresses_unprintable(
    runic_book: Workspace, run_cli: Callable[..., object]
) -> None:
    (runic_book.root / "fonts").mkdir()
    make_font(runic_book.root / "fonts" / "FutharkHand.ttf")
    path = campaign(
        runic_book.root / "c",
        'outputs = ["envelopes"]\nfonts = [{ file = "fonts/FutharkHand.ttf", roles = ["note"] }]',
    )
    configure(runic_book)
    result = run_cli("campaign", "run", str(path))
    assert result.exit_code == 2 and "U+16A0" in result.output


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        ('fonts = ["../outside.ttf"]', "outside the workspace"),
        ('fonts = ["fonts/missing.ttf"]', "not found"),
        ('fonts = ["fonts/not-a-font.ttf"]', "cannot read font"),
        ('fonts = [{ file = "fonts/x.ttf", roles = ["notes"] }]', "'note'"),
        ('fallback = "guess"', "fallback"),
        ('font = ["fonts/x.ttf"]', "did you mean 'fonts'"),
    ],
)
def test_bad_font_settings_are_one_clear_line(
    runic_book: Workspace, run_cli: Callable[..., object], setting: str, expected: str
) -> None:
    (runic_book.root / "fonts").mkdir()
    (runic_book.root / "fonts" / "not-a-font.ttf").write_bytes(b"not a font at all")
    (runic_book.root.parent / "outside.ttf").write_bytes(b"x")
    configure(runic_book, print_settings=setting)
    path = campaign(runic_book.root / "c", 'outputs = ["envelopes"]')
    result = run_cli("campaign", "run", str(path))
    assert result.exit_code == 2, result.output
    assert expected in result.output and "outreach.toml" in result.output
    assert "Traceback" not in result.output


def test_a_font_reportlab_cannot_embed_is_refused_naming_the_setting(
    runic_book: Workspace, run_cli: Callable[..., object]
) -> None:
    """A handwriting font named after its writer, made by a tool that put the accented name
    into the PostScript name as well, which reportlab will not write into a PDF."""
    (runic_book.root / "fonts").mkdir()
    make_font(runic_book.root / "fonts" / "JuergensHand.ttf", "Jürgens Hand")
    configure(runic_book, print_settings='fonts = ["fonts/JuergensHand.ttf"]')
    path = campaign(runic_book.root / "c", 'outputs = ["envelopes"]')
    result = run_cli("campaign", "run", str(path))
    assert result.exit_code == 2, result.output
    (line,) = result.output.strip().splitlines()
    assert "outreach.toml [print] fonts" in line and "JuergensHand.ttf" in line, line
    assert "cannot embed" in line and "internal error" not in line, line
    assert not (runic_book.out_dir("cards") / "envelopes.pdf").exists()


def test_a_cff_font_is_refused_with_the_reason(
    runic_book: Workspace, run_cli: Callable[..., object], tmp_path: Path
) -> None:
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.t2CharStringPen import T2CharStringPen

    (runic_book.root / "fonts").mkdir()
    builder = FontBuilder(1000, isTTF=False)
    builder.setupGlyphOrder([".notdef"])
    builder.setupCharacterMap({})
    pen = T2CharStringPen(500, None)
    builder.setupCFF("PS", {"FullName": "PS"}, {".notdef": pen.getCharString()}, {})
    builder.setupHorizontalMetrics({".notdef": (500, 0)})
    builder.setupHorizontalHeader(ascent=800, descent=-200)
    builder.setupNameTable({"familyName": "PS", "styleName": "Regular"})
    builder.setupOS2()
    builder.setupPost()
    builder.save(str(runic_book.root / "fonts" / "PS.otf"))
    configure(runic_book, print_settings='fonts = ["fonts/PS.otf"]')
    path = campaign(runic_book.root / "c", 'outputs = ["envelopes"]')
    result = run_cli("campaign", "run", str(path))
    assert result.exit_code == 2 and "CFF" in result.output


@pytest.mark.parametrize(("roles", "exit_code"), [('["signature"]', 0), ('["text"]', 2)])
def test_the_signature_role_is_the_sign_off_paragraph(
    workspace: Workspace,
    add_contacts: Callable[..., object],
    run_cli: Callable[..., object],
    roles: str,
    exit_code: int,
) -> None:
    add_contacts(*world()[:2])
    (workspace.root / "fonts").mkdir()
    make_font(workspace.root / "fonts" / "FutharkHand.ttf")
    configure(
        workspace, print_settings=f'fonts = [{{ file = "fonts/FutharkHand.ttf", roles = {roles} }}]'
    )
    folder = workspace.root / "c"
    path = campaign(folder, 'template = "cards/runes.txt.j2"\noutputs = ["cards"]')
    (folder / "cards").mkdir()
    (folder / "cards" / "runes.txt.j2").write_text(
        "[inside]\nDear {{ greeting }},\n\nWarm wishes.\n\nᚠ {{ me.name }}\n", encoding="utf-8"
    )
    result = run_cli("campaign", "run", str(path))
    assert result.exit_code == exit_code, result.output
    if exit_code == 0:
        texts = pdfium_texts(workspace.out_dir("cards") / "cards.pdf")
        assert any("ᚠ Alex Example" in text for text in texts)
    else:
        assert "U+16A0" in result.output
