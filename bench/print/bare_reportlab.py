"""The baseline: what a user would otherwise write, bare reportlab drawing the same pages.

It gets every address already laid out and every note already chosen (``data.json``, made
by ``bench_print.py``), registers the same fonts and draws the same card fronts, insides
and envelopes as outreach's print channel, with the same fonts, sizes and positions. It does
no template rendering, no address formatting, no font coverage checks, no fitting, no
manifest and no previews, so it is the lower bound for the same PDFs.

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


def fonts(folder: Path) -> None:
    for name in ("NotoSerif-Regular", "NotoSerif-Italic", "Caveat-Regular"):
        pdfmetrics.registerFont(TTFont(name, str(folder / f"{name}.ttf")))


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
    fonts(Path(data["fonts"]))
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
        for line in person["lines"]:
            envelopes.setFont("NotoSerif-Regular", 11)
            envelopes.drawString(person["x"], y, line)
            y -= 11 * 1.22
        envelopes.showPage()
    envelopes.save()


if __name__ == "__main__":
    main()
