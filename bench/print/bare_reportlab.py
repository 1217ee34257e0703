"""The baseline: what a user would otherwise write, bare reportlab drawing the same pages.

It gets every address already laid out, every note already chosen and every line that needs
shaping already shaped by HarfBuzz (``data.json``, made by ``bench_print.py``), registers the
same fonts and draws the same card fronts, insides and envelopes as outreach's print channel,
with the same fonts, sizes and positions; shaped lines go out as glyph ids at HarfBuzz's
positions. It does no template rendering, no address formatting, no font coverage checks, no
shaping, no fitting, no text layer beyond the glyphs' own characters, no manifest and no
previews, so it is the lower bound for the same PDFs.

Usage: python bare_reportlab.py DATA.json OUT_DIR
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

from reportlab.lib.colors import Color
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph

INCH = 72.0
CARD = (5 * INCH, 7 * INCH)
ENVELOPE = (7.25 * INCH, 5.25 * INCH)


FACES: dict[str, Path] = {}


def fonts(folder: Path, faces: dict[str, str]) -> None:
    for name in ("NotoSerif-Regular", "NotoSerif-Italic", "Caveat-Regular"):
        pdfmetrics.registerFont(TTFont(name, str(folder / f"{name}.ttf")))
    FACES.update({name: folder / file for name, file in faces.items()})


_fonts: dict[str, TTFont] = {}


def font(name: str) -> TTFont:
    """A registered font, registered on first use (the script faces are needed by few)."""
    if name not in _fonts:
        if name not in ("NotoSerif-Regular", "NotoSerif-Italic", "Caveat-Regular"):
            pdfmetrics.registerFont(TTFont(name, str(FACES[name])))
        _fonts[name] = pdfmetrics.getFont(name)
    return _fonts[name]


_codes: dict[tuple[str, int], int] = {}


def code(f: TTFont, gid: int, advance: float) -> int:
    """A character code that draws glyph ``gid``: its own character, or a private one."""
    key = (f.fontName, gid)
    if key not in _codes:
        face = f.face
        chars = face.glyphToChar.get(gid)
        if chars:
            _codes[key] = chars[0]
        else:
            c = 0xF0000 + len(_codes)
            face.charToGlyph[c] = gid
            face.glyphToChar.setdefault(gid, []).append(c)
            face.charWidths[c] = advance * 1000
            _codes[key] = c
    return _codes[key]


def draw_glyphs(c: Canvas, runs: list, x: float, y: float, size: float) -> None:
    """Pre-shaped runs of glyphs (id, advance, x and y offset in ems) from (x, y)."""
    doc = c._doc
    ops = ["BT", f"1 0 0 1 {x:.3f} {y:.3f} Tm"]
    for name, glyphs in runs:
        f = font(name)
        codes = [code(f, gid, adv) for gid, adv, _, _ in glyphs]
        flat = [(s, b) for s, data in f.splitString("".join(map(chr, codes)), doc) for b in data]
        subset, rise, drift, array = -1, 0.0, 0.0, []
        for (sub, byte), (_, adv, dx, dy), cc in zip(flat, glyphs, codes, strict=True):
            if sub != subset or dy * size != rise:
                if array:
                    ops.append("[" + " ".join(array) + "] TJ")
                    array = []
                if sub != subset:
                    ops.append(f"{f.getSubsetInternalName(sub, doc)} {size} Tf")
                    subset = sub
                if dy * size != rise:
                    rise = dy * size
                    ops.append(f"{rise:.3f} Ts")
            if dx != drift:
                array.append(f"{(drift - dx) * 1000:.1f}")
            array.append(f"<{byte:02X}>")
            drift = dx + f.face.charWidths.get(cc, 0) / 1000 - adv
        if drift:
            array.append(f"{drift * 1000:.1f}")
        if array:
            ops.append("[" + " ".join(array) + "] TJ")
        if rise:
            ops.append("0 Ts")
    ops.append("ET")
    c.addLiteral("\n".join(ops))


def esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def front(c: Canvas, title: Paragraph, sub: Paragraph) -> None:
    w, h = CARD
    c.setStrokeColorRGB(0.13, 0.33, 0.22)
    inset = w * 0.05
    c.setLineWidth(1.2)
    c.rect(inset, inset, w - 2 * inset, h - 2 * inset)
    c.setLineWidth(0.4)
    c.rect(inset + 3.5, inset + 3.5, w - 2 * inset - 7, h - 2 * inset - 7)
    cx, cy, r = w / 2, h * 0.72, w * 0.09
    c.setStrokeColorRGB(0.45, 0.08, 0.12)
    c.setLineWidth(1.0)
    for k in range(6):
        a = math.pi / 2 + k * math.pi / 3
        c.line(cx, cy, cx + r * math.cos(a), cy + r * math.sin(a))
        for t, b in ((0.55, 0.32), (0.8, 0.2)):
            px, py = cx + r * t * math.cos(a), cy + r * t * math.sin(a)
            for side in (-1, 1):
                ba = a + side * math.pi / 4
                c.line(px, py, px + r * b * math.cos(ba), py + r * b * math.sin(ba))
    inner = w - 2 * 0.4 * INCH - 0.3 * INCH
    _, th = title.wrap(inner, h)
    title.drawOn(c, (w - inner) / 2, h * 0.56 - th)
    _, sh = sub.wrap(inner, h)
    sub.drawOn(c, (w - inner) / 2, h * 0.56 - th - 6.6 - sh)


def main() -> None:
    data = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    out = Path(sys.argv[2])
    fonts(Path(data["fonts"]), data["faces"])
    body = ParagraphStyle(
        "b",
        fontName="NotoSerif-Regular",
        fontSize=11,
        leading=14.3,
        textColor=Color(0.12, 0.12, 0.12),
    )
    hand = ParagraphStyle(
        "n",
        fontName="Caveat-Regular",
        fontSize=17.6,
        leading=20.2,
        textColor=Color(0.11, 0.18, 0.42),
    )
    title_style = ParagraphStyle(
        "t",
        fontName="NotoSerif-Italic",
        fontSize=30,
        leading=39,
        alignment=TA_CENTER,
        textColor=Color(0.45, 0.08, 0.12),
    )
    sub_style = ParagraphStyle(
        "s", fontName="NotoSerif-Regular", fontSize=11, leading=14.85, alignment=TA_CENTER
    )
    title = Paragraph("Season's Greetings", title_style)
    sub = Paragraph("and every good wish for the new year", sub_style)
    margin = 0.4 * INCH
    width = CARD[0] - 2 * margin

    cards = Canvas(
        str(out / "cards.pdf"),
        pagesize=CARD,
        invariant=1,
        pageCompression=1,
        initialFontName="NotoSerif-Regular",
    )
    for person in data["people"]:
        front(cards, title, sub)
        cards.showPage()
        y = CARD[1] - margin
        for text in person["message"]:
            if isinstance(text, list):  # shaped beforehand: (rtl, width, runs)
                rtl, line_width, runs = text
                y -= 14.3
                x = margin + width - line_width * 11 if rtl else margin
                cards.setFillColorRGB(0.12, 0.12, 0.12)
                draw_glyphs(cards, runs, x, y + 3.3, 11)
                y -= 7.7
                continue
            p = Paragraph(esc(text).replace("\n", "<br/>"), body)
            _, ph = p.wrap(width, CARD[1])
            y -= ph
            p.drawOn(cards, margin, y)
            y -= 7.7
        if person["note"]:
            p = Paragraph(esc(person["note"]), hand)
            _, ph = p.wrap(width, CARD[1])
            y -= 8.8 + ph
            p.drawOn(cards, margin, y)
        cards.showPage()
    cards.save()

    envelopes = Canvas(
        str(out / "envelopes.pdf"),
        pagesize=ENVELOPE,
        invariant=1,
        pageCompression=1,
        initialFontName="NotoSerif-Regular",
    )
    for person in data["people"]:
        envelopes.setFillColorRGB(0.2, 0.2, 0.2)
        y = ENVELOPE[1] - 0.3 * INCH - 9 * 1.069
        for line in data["sender"] + ([] if person["domestic"] else ["UNITED STATES"]):
            envelopes.setFont("NotoSerif-Regular", 9)
            envelopes.drawString(0.35 * INCH, y, line)
            y -= 9 * 1.22
        envelopes.setFillColorRGB(0, 0, 0)
        y = person["y"]
        rtl = any(isinstance(line, list) and line[0] for line in person["lines"])
        for line in person["lines"]:
            if isinstance(line, list):
                _, line_width, runs = line
                x = person["x"] + (person["width"] - line_width * 11 if rtl else 0)
                draw_glyphs(envelopes, runs, x, y, 11)
            else:
                envelopes.setFont("NotoSerif-Regular", 11)
                x = person["x"]
                if rtl:
                    x += person["width"] - pdfmetrics.stringWidth(line, "NotoSerif-Regular", 11)
                envelopes.drawString(x, y, line)
            y -= 11 * 1.22
        envelopes.showPage()
    envelopes.save()


if __name__ == "__main__":
    main()
