"""Shaping and bidi order of single lines and wrapped paragraphs (no PDF involved)."""

from __future__ import annotations

import unicodedata

from outreach.plugins.print.fonts import FACES, clean_text, needs_shaping
from outreach.plugins.print.shaping import ShapedParagraph, bidi_levels, shape_line


def _fonts(line: object) -> list[str]:
    return [run.font for run in line.runs]  # type: ignore[attr-defined]


def test_a_left_to_right_line_keeps_an_arabic_name_in_its_place() -> None:
    line = shape_line("Dear محمد, see you")
    assert not line.rtl
    # The comma stays in the font of the letters before it; only the name runs right to left.
    assert [(run.text, run.rtl) for run in line.runs] == [
        ("Dear ", False),
        ("محمد", True),
        (", ", False),
        ("see you", False),
    ]
    assert _fonts(line)[:2] == [FACES["serif"].name, FACES["arabic"].name]


def test_a_right_to_left_street_puts_its_house_number_at_the_left_end() -> None:
    line = shape_line("רחוב הרצל 12")
    assert line.rtl
    # Visual order, left to right: the number (in the serif), then the Hebrew words.
    assert [(run.text, run.rtl) for run in line.runs] == [("12", False), ("רחוב הרצל ", True)]
    assert _fonts(line) == [FACES["serif"].name, FACES["hebrew"].name]


def test_numbers_inside_arabic_keep_their_digit_order() -> None:
    text = "شارع الملك فهد 2345، الرياض 12271"
    levels = bidi_levels(text, True)
    # European digits inside right-to-left text are at an even level above it: they stay
    # left to right, so 2345 never prints as 5432.
    for number in ("2345", "12271"):
        start = text.index(number)
        assert {levels[i] for i in range(start, start + len(number))} == {2}
    # Visually the postal code comes first (leftmost), the street last.
    assert [run.text for run in shape_line(text).runs] == [
        "12271",
        "، الرياض ",
        "2345",
        "شارع الملك فهد ",
    ]


def test_joiners_stay_for_shaping_and_are_dropped_elsewhere() -> None:
    assert clean_text("ශ්\u200dරී") == "ශ්\u200dරී"  # Sinhala "shri" with its ZWJ
    assert clean_text("Jo\u200dhn") == "John"
    assert needs_shaping("ශ්රී") and not needs_shaping("Γιώργος 東京")


def test_an_arabic_paragraph_wraps_flush_right_within_the_width() -> None:
    from reportlab.lib.styles import ParagraphStyle

    text = "كل عام وأنتم بخير، " * 6
    style = ParagraphStyle("p", fontName=FACES["serif"].name, fontSize=11, leading=14)
    para = ShapedParagraph(clean_text(text.strip()), "text", style)
    width, height = para.wrap(150, 1000)
    assert len(para.lines) >= 3 and height == len(para.lines) * 14
    assert all(line.width * 11 <= 150 + 1e-6 for line in para.lines)
    assert not para.overflows and para.rtl
    words = " ".join(line.text for line in para.lines).split()
    assert words == clean_text(text).split()


def test_a_long_thai_word_breaks_between_clusters_never_before_a_mark() -> None:
    from reportlab.lib.styles import ParagraphStyle

    text = "สวัสดีปีใหม่" * 5  # Thai writes words without spaces
    style = ParagraphStyle("p", fontName=FACES["serif"].name, fontSize=11, leading=14)
    para = ShapedParagraph(text, "text", style)
    para.wrap(120, 1000)
    assert len(para.lines) > 1 and "".join(line.text for line in para.lines) == text
    for line in para.lines[1:]:
        assert not unicodedata.category(line.text[0]).startswith("M")
