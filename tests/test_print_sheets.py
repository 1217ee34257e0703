"""Label sheets and n-up card sheets: geometry read back from the PDFs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pdfplumber
import pytest
from printing import EXPECTED_ADDRESSES, campaign, configure, manifest, nfc, text_lines, world

from outreach.workspace import Workspace

INCH = 72.0
MM = 72.0 / 25.4
TOLERANCE = 0.1 * MM

# Avery's published geometry, measured from the sheet's top left corner.
AVERY_5160 = dict(
    left=0.1875 * INCH,
    top=0.5 * INCH,
    pitch_x=2.75 * INCH,
    pitch_y=1.0 * INCH,
    width=2.625 * INCH,
    height=1.0 * INCH,
    columns=3,
    padding=0.15 * INCH,
)
AVERY_L7160 = dict(
    left=7.21 * MM,
    top=15.15 * MM,
    pitch_x=66.04 * MM,
    pitch_y=38.1 * MM,
    width=63.5 * MM,
    height=38.1 * MM,
    columns=3,
    padding=4.0 * MM,
)


def label_origins(page: pdfplumber.page.Page) -> list[tuple[float, float, str]]:
    """(x, baseline, text) of the first character of every text line on the page."""
    lines: dict[float, list[dict]] = {}
    for char in page.chars:
        lines.setdefault(round(char["matrix"][5], 2), []).append(char)
    found = []
    for y, chars in lines.items():
        chars.sort(key=lambda c: c["matrix"][4])
        # Split the row into labels where the gap is wider than a label gutter.
        group = [chars[0]]
        for prev, char in zip(chars, chars[1:], strict=False):
            if char["x0"] - prev["x1"] > 0.1 * INCH:
                found.append((group[0]["matrix"][4], y, "".join(c["text"] for c in group)))
                group = []
            group.append(char)
        found.append((group[0]["matrix"][4], y, "".join(c["text"] for c in group)))
    return found


def crop_marks(page: pdfplumber.page.Page) -> list[dict]:
    """The hairlines (0.3 pt) that mark cuts; the front design's strokes are heavier."""
    return [line for line in page.lines if abs(line["linewidth"] - 0.3) < 0.01]


def run_labels(workspace: Workspace, run_cli: Callable[..., object], body: str, name: str) -> Path:
    path = campaign(workspace.root / name, f'outputs = ["labels"]\n{body}', name=name)
    result = run_cli("campaign", "run", str(path))
    assert result.exit_code == 0, result.output
    return workspace.out_dir(name)


@pytest.mark.parametrize(
    ("sheet", "spec", "start"),
    [
        ("avery-5160", AVERY_5160, 5),
        ("avery-l7160", AVERY_L7160, 19),
    ],
)
def test_labels_start_anywhere_and_sit_on_the_sheet_within_a_tenth_of_a_millimetre(
    workspace: Workspace,
    add_contacts: Callable[..., object],
    run_cli: Callable[..., object],
    sheet: str,
    spec: dict[str, float],
    start: int,
) -> None:
    configure(workspace)
    add_contacts(*world())
    out = run_labels(workspace, run_cli, f'label_sheet = "{sheet}"\nlabel_start = {start}', "l")
    rows = manifest(out)
    per_sheet = {"avery-5160": 30, "avery-l7160": 21}[sheet]
    positions = [(start - 1 + i) % per_sheet + 1 for i in range(len(rows))]
    assert [int(r["label_position"]) for r in rows] == positions
    with pdfplumber.open(out / "labels.pdf") as pdf:
        assert len(pdf.pages) == 1 + (start - 1 + len(rows) - 1) // per_sheet
        for row in rows:
            page = pdf.pages[int(row["label_page"]) - 1]
            index = int(row["label_position"]) - 1
            column, line = index % 3, index // 3
            left = spec["left"] + column * spec["pitch_x"]
            top = page.height - spec["top"] - line * spec["pitch_y"]
            bottom = top - spec["height"]
            expected = [nfc(x) for x in EXPECTED_ADDRESSES[row["uid"]]]
            inside = [
                o
                for o in label_origins(page)
                if bottom < o[1] < top and left - 1 < o[0] < left + spec["width"]
            ]
            assert [nfc(o[2]) for o in sorted(inside, key=lambda o: -o[1])] == expected
            for x, _, _ in inside:
                assert abs(x - (left + spec["padding"])) <= TOLERANCE
            chars = [
                c
                for c in page.chars
                if bottom < c["matrix"][5] < top and left - 1 < c["x0"] < left + spec["width"]
            ]
            assert max(c["x1"] for c in chars) <= left + spec["width"] - spec["padding"] + 0.01
            # Centred vertically: equal room above the first line and below the last (within
            # the few points by which pdfplumber's glyph boxes, taken from the font's bounding
            # box, exceed the ascent and descent the layout centres).
            above = top - max(c["y1"] for c in chars)
            below = min(c["y0"] for c in chars) - bottom
            assert above > 0 and below > 0
            assert above - below == pytest.approx(0, abs=5)


def test_calibration_moves_every_label_by_the_measured_offset(
    workspace: Workspace, add_contacts: Callable[..., object], run_cli: Callable[..., object]
) -> None:
    configure(workspace)
    add_contacts(*world())
    plain = run_labels(workspace, run_cli, "", "plain")
    with pdfplumber.open(plain / "labels.pdf") as pdf:
        before = [(c["matrix"][4], c["matrix"][5]) for c in pdf.pages[0].chars]
    configure(workspace, print_settings="[print.calibration.labels]\nx_mm = 1.5\ny_mm = 0.8")
    moved = run_labels(workspace, run_cli, "", "moved")
    with pdfplumber.open(moved / "labels.pdf") as pdf:
        after = [(c["matrix"][4], c["matrix"][5]) for c in pdf.pages[0].chars]
    assert len(before) == len(after) > 0
    for (x0, y0), (x1, y1) in zip(before, after, strict=True):
        assert x1 - x0 == pytest.approx(1.5 * MM, abs=0.01)
        assert y1 - y0 == pytest.approx(-0.8 * MM, abs=0.01)


def test_n_up_cards_on_letter_with_crop_marks_and_mirrored_backs(
    workspace: Workspace, add_contacts: Callable[..., object], run_cli: Callable[..., object]
) -> None:
    configure(workspace)
    add_contacts(*world())
    path = campaign(workspace.root / "n", 'card = "a2"\nlayout = "n-up"\noutputs = ["cards"]')
    result = run_cli("campaign", "run", str(path))
    assert result.exit_code == 0, result.output
    out = workspace.out_dir("cards")
    rows = manifest(out)
    assert [(r["card_pages"], r["card_position"]) for r in rows] == [
        ("1-2", "1"),
        ("1-2", "2"),
        ("3-4", "1"),
        ("3-4", "2"),
        ("5-6", "1"),
        ("5-6", "2"),
    ]
    # Two A2 cards (4.25 x 5.5 in) turned a quarter fill 5.5 x 8.5 in, centred on Letter.
    grid_left, grid_right = 1.5 * INCH, 7.0 * INCH
    grid_bottom, middle, grid_top = 1.25 * INCH, 5.5 * INCH, 9.75 * INCH
    with pdfplumber.open(out / "cards.pdf") as pdf:
        assert len(pdf.pages) == 6
        for page in pdf.pages:
            assert (page.width, page.height) == pytest.approx((8.5 * INCH, 11 * INCH))
            # Crop marks lie in the margin, on the cut lines.
            marks = crop_marks(page)
            assert len(marks) == 2 * 2 + 3 * 2
            for mark in marks:
                y_low, y_high = page.height - mark["bottom"], page.height - mark["top"]
                outside = (
                    y_high < grid_bottom
                    or y_low > grid_top
                    or mark["x1"] < grid_left
                    or mark["x0"] > grid_right
                )
                assert outside, mark
        back = pdf.pages[1]
        # The first card's inside ("Fish & chips") is in the top slot, the second's
        # ("Danke für alles") in the bottom slot; both are turned a quarter.
        amps = [c for c in back.chars if c["text"] == "&"]
        umlauts = [c for c in back.chars if c["text"] == "ü"]
        assert amps and umlauts
        assert all(middle < back.height - c["bottom"] < grid_top for c in amps)
        assert all(grid_bottom < back.height - c["top"] < middle for c in umlauts)
        assert not any(c["upright"] for c in back.chars)


def test_n_up_without_crop_marks_fills_the_sheet(
    workspace: Workspace, add_contacts: Callable[..., object], run_cli: Callable[..., object]
) -> None:
    configure(workspace)
    add_contacts(*world())
    body = 'card = "iso-a6"\nlayout = "n-up"\nsheet = "a4"\ncrop_marks = false\noutputs = ["cards"]'
    result = run_cli("campaign", "run", str(campaign(workspace.root / "n", body)))
    assert result.exit_code == 0, result.output
    out = workspace.out_dir("cards")
    assert [r["card_position"] for r in manifest(out)] == ["1", "2", "3", "4", "1", "2"]
    with pdfplumber.open(out / "cards.pdf") as pdf:
        assert len(pdf.pages) == 4
        assert (pdf.pages[0].width, pdf.pages[0].height) == pytest.approx((210 * MM, 297 * MM))
        assert not crop_marks(pdf.pages[0])
        fronts = " ".join(text_lines(pdf.pages[0]))
        assert fronts.count("Season's Greetings") == 4
        # The second sheet has the last two cards: two fronts, two empty slots.
        assert " ".join(text_lines(pdf.pages[2])).count("Season's Greetings") == 2
