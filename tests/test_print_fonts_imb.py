"""Bundled fonts with per-run fallback, and the Intelligent Mail barcode."""

from __future__ import annotations

import pytest
from outreach.plugins.print.fonts import (
    FACES,
    MissingGlyphs,
    Run,
    clean_text,
    coverage,
    font_path,
    split_runs,
)
from outreach.plugins.print.imb import IMb, IMbError, tracking_code
from outreach.plugins.print.markup import escape, runs_markup


def test_bundled_fonts_cover_european_scripts_and_ship_with_licences() -> None:
    serif, hand = coverage("serif"), coverage("hand")
    central_european = "ąćęłńóśźżčďěňřšťůžőűĺľŕ"
    assert set(central_european + central_european.upper()) <= serif
    assert set("αβγδεζηθικλμνξοπρστυφχψωάέήίόύώΑΩ") <= serif
    assert set("абвгдеёжзийклмнопрстуфхцчшщъыьэюяЁЖЩ") <= serif
    assert set(central_european) <= hand and set("жщэюяЖЩ") <= hand
    assert set("山田太郎東京都千代田区ひらがなカタカナ") <= coverage("cjk")
    for face in FACES.values():
        assert font_path(face).is_file()
    licences = {p.name for p in font_path(FACES["serif"]).parent.glob("*.txt")}
    assert licences == {
        "NotoSerif-OFL.txt",
        "Noto-scripts-OFL.txt",
        "Caveat-OFL.txt",
        "DroidSansFallback-LICENSE.txt",
    }


def test_fallback_is_per_run_and_keeps_words_together() -> None:
    assert split_runs(clean_text("Dear 山田 太郎, see you"), "text") == [
        Run("NotoSerif-Regular", "Dear "),
        Run("DroidSansFallback", "山田 太郎"),
        Run("NotoSerif-Regular", ", see you"),
    ]
    # Caveat has no Greek: the note falls back to the italic serif, word by word.
    assert split_runs("Thanks! Καλά Χριστούγεννα!", "hand") == [
        Run("Caveat-Regular", "Thanks! "),
        Run("NotoSerif-Italic", "Καλά Χριστούγεννα!"),
    ]


def test_text_no_font_can_draw_names_each_character() -> None:
    with pytest.raises(MissingGlyphs) as caught:
        split_runs("Merry 🎄 and ᚠ", "text")
    message = str(caught.value)
    assert "U+1F384 CHRISTMAS TREE" in message and "U+16A0 RUNIC LETTER FEHU" in message


def test_text_is_nfc_and_invisible_marks_are_dropped() -> None:
    decomposed = "Zoe\u0308 Lo\u0301pez\u200b"
    assert clean_text(decomposed) == "Zoë López"


def test_markup_escapes_contact_text() -> None:
    assert escape('A & <B> "C"') == "A &amp; &lt;B&gt; &quot;C&quot;"
    assert runs_markup([Run("F", "a<b\nc&d")]) == '<font face="F">a&lt;b<br/>c&amp;d</font>'


def test_imb_matches_the_usps_specification_example() -> None:
    # USPS-B-3200, appendix: tracking code 01 234 567094 987654321, routing 01234567891.
    tracking = tracking_code("01", "234", "567094", 987654321)
    assert tracking == "01234567094987654321"
    assert IMb(tracking, "01234567891").bars == (
        "AADTFFDFTDADTAADAATFDTDDAAADDTDTTDAFADADDDTFFFDDTTTADFAAADFTDAADA"
    )


def test_imb_rejects_bad_parts() -> None:
    assert tracking_code("00", "700", "912345678", 42) == "00700912345678000042"
    with pytest.raises(IMbError, match="does not fit in 9 digits"):
        tracking_code("00", "700", "123456", 10**9)
    with pytest.raises(IMbError, match="second 0-4"):
        tracking_code("05", "700", "123456", 1)
    with pytest.raises(IMbError, match="routing code"):
        IMb("0" * 20, "1234")
