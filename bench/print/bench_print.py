"""Cards and envelopes for 1,000 contacts: outreach's print channel against bare reportlab.

A quarter of the contacts have names and addresses in scripts that must be shaped (Arabic,
Hebrew, Urdu, Devanagari, Bengali, Thai); the bare script gets their glyphs already shaped.

Both sides run as whole processes (``outreach campaign run`` against the ``bare_reportlab.py``
script, which draws the same pages from pre-formatted data), alternately, several times; the
table shows the median of each and the ratio, measured in this one run. Each pair is run with
reportlab's C accelerator (the ``rl_accel`` package, module ``_rl_accel``) and without it.

Usage: python bench/print/bench_print.py [--contacts 1000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from measure import measure  # noqa: E402

HERE = Path(__file__).resolve().parent

MESSAGE = (
    "Warm wishes for the holidays, and thank you for the good work we did together. I hope "
    "the coming year brings you health, time for the people you love, and work you are "
    "proud of."
)
PROMPT = (
    "It has been a long time since we last talked, and that is far too long. "
    "Coffee in the new year?"
)

PLACES = [
    # (weight, country, given names, family names, streets, (city, region, postal))
    (
        50,
        "US",
        ["Mary", "James", "Linda", "Robert", "Patricia"],
        ["Smith", "Johnson", "Brown"],
        ["Maple Ave", "Oak Street", "Pine Road"],
        [("Springfield", "IL", "62704"), ("Portland", "OR", "97205-1234")],
    ),
    (
        12,
        "DE",
        ["Jürgen", "Käthe", "Björn"],
        ["Groß", "Müller", "Weiß"],
        ["Hauptstraße", "Schillerstraße"],
        [("Berlin", "", "10115"), ("Köln", "", "50667")],
    ),
    (
        10,
        "FR",
        ["Émile", "Chloé", "René"],
        ["Lefèvre", "Moreau", "Dubois"],
        ["rue de la Paix", "avenue Foch"],
        [("Paris Cedex 08", "", "75008"), ("Lyon", "", "69002")],
    ),
    (
        8,
        "GB",
        ["Oliver", "Amelia"],
        ["Taylor", "Davies"],
        ["High Street", "Station Road"],
        [("London", "", "SW1A 2AA"), ("Leeds", "", "LS1 4DY")],
    ),
    (
        6,
        "PL",
        ["Łukasz", "Zofia"],
        ["Wiśniewski", "Dąbrowska"],
        ["ul. Długa", "ul. Świętokrzyska"],
        [("Kraków", "", "31-042"), ("Łódź", "", "90-001")],
    ),
    (
        5,
        "CZ",
        ["Jiří", "Růžena"],
        ["Dvořák", "Černá"],
        ["Národní", "Vodičkova"],
        [("Praha 1", "", "110 00")],
    ),
    (
        5,
        "GR",
        ["Γιώργος", "Ελένη"],
        ["Παπαδόπουλος", "Οικονόμου"],
        ["Οδός Ερμού", "Οδός Αιόλου"],
        [("Αθήνα", "", "105 63")],
    ),
    (
        4,
        "RU",
        ["Иван", "Ольга"],
        ["Петров", "Смирнова"],
        ["ул. Тверская", "ул. Арбат"],
        [("Москва", "", "125009")],
    ),
]

#: Contacts whose names and addresses must be shaped (and two of them laid out right to
#: left): a quarter of the book, as 33 of 133 weights.
COMPLEX_PLACES = [
    (
        6,
        "SA",
        ["محمد", "فاطمة", "عبد الله"],
        ["الشهري", "العتيبي", "القحطاني"],
        ["شارع الملك فهد", "طريق الملك عبد العزيز"],
        [("الرياض", "", "12271"), ("جدة", "", "21577")],
    ),
    (
        6,
        "IL",
        ["דוד", "נועה", "יוסף"],
        ["כהן", "לוי", "מזרחי"],
        ["רחוב הרצל", "שדרות רוטשילד"],
        [("תל אביב-יפו", "", "6100000"), ("ירושלים", "", "9100000")],
    ),
    (
        6,
        "IN",
        ["राजेश", "प्रिया", "अमित"],
        ["शर्मा", "कुमार", "त्रिपाठी"],
        ["महात्मा गांधी मार्ग", "श्री अरबिंदो मार्ग"],
        [("नई दिल्ली", "दिल्ली", "110001")],
    ),
    (
        5,
        "TH",
        ["สมชาย", "สุดา"],
        ["ใจดี", "ศรีสุข"],
        ["ถนนสุขุมวิท", "ถนนสีลม"],
        [("เขตคลองเตย", "กรุงเทพมหานคร", "10110")],
    ),
    (
        5,
        "BD",
        ["মোহাম্মদ", "ফাতেমা"],
        ["রহিম", "হোসেন"],
        ["মতিঝিল বাণিজ্যিক এলাকা"],
        [("ঢাকা", "", "1000")],
    ),
    (
        5,
        "PK",
        ["عمران", "عائشہ"],
        ["خان", "ملک"],
        ["گلی"],
        [("اسلام آباد", "", "44000")],
    ),
]
PLACES = PLACES + COMPLEX_PLACES

CONFIG = """\
[me]
name = "Alex Example"
email = "alex@example.com"
language = "en"
country = "US"
[me.address]
street = ["42 Elm Street"]
locality = "Springfield"
region = "IL"
postal_code = "62701"
country = "United States"
[book]
path = "contacts.vcf"
"""


def make_book(ws: Path, count: int) -> list:
    """A workspace with ``count`` contacts; returns them."""
    from outreach.contact import Address, Contact, Name
    from outreach.workspace import Workspace

    rng = random.Random(2024)
    workspace = Workspace.init(ws, name="Alex Example", email="alex@example.com")
    (ws / "outreach.toml").write_text(CONFIG, encoding="utf-8")
    weights = [p[0] for p in PLACES]
    book = workspace.open_book()
    people = []
    for n in range(count):
        _, code, givens, families, streets, cities = rng.choices(PLACES, weights)[0]
        given, family = rng.choice(givens), rng.choice(families)
        city, region, postal = rng.choice(cities)
        note = ""
        if rng.random() < 0.3:
            note = rng.choice(
                [
                    "Thank you for everything this year!",
                    "Спасибо за всё!",
                    "Let's finally have that lunch in the spring.",
                ]
            )
        contact = Contact(
            uid=f"c{n:04d}",
            name=Name(given=given, family=family, formatted=f"{given} {family}"),
            addresses=[
                Address(
                    street=(f"{rng.randint(1, 400)} {rng.choice(streets)}",),
                    locality=city,
                    region=region,
                    postal_code=postal,
                    country_code=code,
                )
            ],
            card_note=note,
        )
        book.add(contact)
        people.append(contact)
    book.save()
    campaign = ws / "holiday" / "campaign.toml"
    campaign.parent.mkdir()
    campaign.write_text('name = "holiday"\n[print]\ncard = "a7"\n', encoding="utf-8")
    return people


def shaped(text: str) -> str | list:
    """``text`` as it is, or, where it needs shaping, HarfBuzz's glyphs run by run in visual
    order (font, then glyph id, advance, x and y offset in ems, per glyph), with the line's
    direction: the shaping the bare script is handed, done beforehand."""
    from outreach.plugins.print.fonts import clean_text, needs_shaping
    from outreach.plugins.print.shaping import shape_line

    text = clean_text(text)
    if not needs_shaping(text):
        return text
    line = shape_line(text)
    runs = [[run.font, [[g.gid, g.advance, g.dx, g.dy] for g in run.glyphs]] for run in line.runs]
    return [line.rtl, line.width, runs]


def baseline_data(ws: Path, people: list) -> Path:
    """The pre-formatted input of the bare reportlab script: lines, notes, positions, and
    the glyphs of every line that needs shaping."""
    from outreach.plugins.print.envelopes import layout_envelope
    from outreach.plugins.print.fonts import FACES, font_path
    from outreach.plugins.print.postal import format_postal
    from outreach.plugins.print.sizes import ENVELOPE_SIZES

    sender = ["Alex Example", "42 Elm Street", "SPRINGFIELD IL 62701"]
    rows = []
    for contact in people:
        postal = format_postal(contact.display_name, contact.addresses[0], home_country="US")
        layout = layout_envelope(
            ENVELOPE_SIZES["a7"],
            postal.lines,
            return_lines=sender + ([] if postal.domestic else ["UNITED STATES"]),
        )
        rows.append(
            {
                "message": [
                    shaped(f"Dear {contact.name.given},"),
                    MESSAGE,
                    "With best wishes,\nAlex Example",
                ],
                "note": contact.card_note or PROMPT,
                "lines": [shaped(line) for line in postal.lines],
                "domestic": postal.domestic,
                "x": layout.delivery.x,
                "y": layout.delivery.y,
                "width": layout.delivery.width,
            }
        )
    faces = {face.name: face.file for face in FACES.values()}
    data = {
        "fonts": str(font_path(FACES["serif"]).parent),
        "faces": faces,
        "sender": sender,
        "people": rows,
    }
    path = ws / "data.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def launcher(accel: bool) -> list[str]:
    """A Python command line, with reportlab's C accelerator hidden when ``accel`` is off."""
    hide = "" if accel else "import sys; sys.modules['_rl_accel'] = None; "
    return [
        sys.executable,
        "-c",
        hide + "import runpy, sys; sys.argv = sys.argv[1:]; "
        "runpy.run_path(sys.argv[0], run_name='__main__')",
    ]


def ours(ws: Path, accel: bool) -> list[str]:
    shim = ws / "run_outreach.py"
    shim.write_text("from outreach.cli import main\nmain()\n", encoding="utf-8")
    return [
        *launcher(accel),
        str(shim),
        "--home",
        str(ws),
        "campaign",
        "run",
        str(ws / "holiday" / "campaign.toml"),
    ]


def bare(ws: Path, data: Path, accel: bool) -> list[str]:
    out = ws / "bare"
    out.mkdir(exist_ok=True)
    return [*launcher(accel), str(HERE / "bare_reportlab.py"), str(data), str(out)]


def timed(command: list[str]) -> tuple[float, float, float]:
    """Wall time, CPU time (user and system) and peak memory (MiB) of one whole process.

    CPU time is shown beside wall time because a shared machine stretches wall time by
    whatever else runs; the CPU a process used is what it costs.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = measure(command)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return done.seconds, cpu, done.peak_mib


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ws = Path(tmp) / "ws"
        people = make_book(ws, args.contacts)
        data = baseline_data(ws, people)
        from outreach.plugins.print.fonts import needs_shaping

        shaped_share = sum(needs_shaping(p.display_name) for p in people) / len(people)
        print(f"{shaped_share:.0%} of the contacts have names that must be shaped")
        cold, _, _ = timed(ours(ws, True))  # the first run also fills the address book's cache
        print(
            f"{args.contacts} contacts; outreach cold start (book parsed, cache filled): "
            f"{cold:.2f} s"
        )
        print(
            f"{'rl_accel':<10}{'outreach s':>12}{'bare s':>10}{'ratio':>8}"
            f"{'outreach cpu':>14}{'bare cpu':>10}{'ratio':>8}"
            f"{'outreach MiB':>14}{'bare MiB':>10}"
        )
        for accel in (True, False):
            a, b = [], []
            for _ in range(args.rounds):
                a.append(timed(ours(ws, accel)))
                b.append(timed(bare(ws, data, accel)))
            ma, mb = (statistics.median(t for t, _, _ in x) for x in (a, b))
            ca, cb = (statistics.median(c for _, c, _ in x) for x in (a, b))
            pa, pb = max(m for _, _, m in a), max(m for _, _, m in b)
            print(
                f"{'on' if accel else 'off':<10}{ma:>12.2f}{mb:>10.2f}{ma / mb:>8.2f}"
                f"{ca:>14.2f}{cb:>10.2f}{ca / cb:>8.2f}{pa:>14.0f}{pb:>10.0f}"
            )
        from pypdf import PdfReader

        for name in ("cards.pdf", "envelopes.pdf"):
            mine = len(PdfReader(ws / "out" / "holiday" / name).pages)
            theirs = len(PdfReader(ws / "bare" / name).pages)
            print(f"{name}: {mine} pages (outreach), {theirs} pages (bare reportlab)")


if __name__ == "__main__":
    main()
