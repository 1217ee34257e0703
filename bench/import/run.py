"""Import speed: ``outreach contacts import`` of a 10,000-card vCard file, beside vobject.

The alternative a user has is parsing the file with vobject, the library everyone reaches
for; outreach must import (parse, merge into an empty book, write the book and its cache:
the whole process, start-up included) within 1.5 times what vobject needs just to parse.
Then the warm-cache ``outreach contacts list --json`` on that book, which should stay under
half a second. Every figure is measured in this one run, side by side.

    python bench/import/run.py [--cards 10000] [--runs 3]

The vCard file is generated (fixed seed): Apple-style cards with item groups and labels,
non-ASCII names in several scripts, escaped commas, addresses in five countries, notes,
categories, and a small photo on one card in twenty.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GIVEN = [
    "Anna",
    "Björn",
    "Chloé",
    "Dmitri",
    "Émile",
    "Fatima",
    "Giulia",
    "Hiroshi",
    "Ingrid",
    "José",
    "Katarzyna",
    "Liam",
    "Mei",
    "Nikolaos",
    "Olga",
    "Pierre",
    "Quinn",
    "Rūta",
    "Søren",
    "Tomás",
    "Ugo",
    "Vera",
    "Wojciech",
    "Xiomara",
    "Yusuf",
    "Zsófia",
    "Ahmed",
    "Beatriz",
    "Cyrus",
    "Dagný",
    "Eun-ji",
    "Femi",
    "Gaspard",
    "Hanna",
    "Ifeoma",
    "Jonas",
    "Kalani",
    "Leilani",
    "Mateo",
    "Noor",
    "Oskar",
    "Priya",
    "Rafael",
    "Saanvi",
    "Thiago",
    "Uma",
    "Viktor",
    "Wen",
    "Yara",
    "Zoltan",
]
FAMILY = [
    "Andersson",
    "Bauer",
    "Costa",
    "Dubois",
    "Eriksen",
    "Fischer",
    "García",
    "Hoffmann",
    "Ivanova",
    "Jansen",
    "Kowalski",
    "López",
    "Müller",
    "Nakamura",
    "O'Brien",
    "Petrov",
    "Rossi",
    "Schmidt",
    "Tanaka",
    "Virtanen",
    "Wang",
    "Yilmaz",
    "Zhang",
    "Okafor",
    "Haddad",
    "Novak",
    "Lefèvre",
    "Ólafsdóttir",
    "Papadopoulos",
    "Kim",
    "Nguyen",
    "Singh",
    "Silva",
    "Cohen",
    "Dvořák",
    "Horvath",
    "Lindqvist",
    "Moreau",
    "Nowak",
    "Park",
    "Quispe",
    "Romero",
    "Sato",
    "Takahashi",
    "Ueda",
    "Vargas",
    "Weber",
    "Xu",
    "Yamamoto",
    "Zielinski",
]
ORGS = [
    f"{word}, {kind}"
    for word in (
        "Acme",
        "Globex",
        "Initech",
        "Umbrella",
        "Stark",
        "Wayne",
        "Tyrell",
        "Cyberdyne",
        "Soylent",
        "Hooli",
    )
    for kind in ("Inc.", "GmbH", "Ltd")
]
PLACES = (
    ("Berlin", "", "10115", "Germany", "de"),
    ("Paris", "", "75001", "France", "fr"),
    ("Springfield", "IL", "62701", "USA", "us"),
    ("Tokyo", "", "100-0001", "Japan", "jp"),
    ("London", "", "SW1A 1AA", "United Kingdom", "gb"),
)


def make_vcards(count: int, seed: int = 1) -> str:
    """``count`` vCard 3.0 cards as Apple Contacts exports them."""
    rnd = random.Random(seed)
    photo = base64.b64encode(bytes(rnd.randrange(256) for _ in range(1500))).decode()
    folded_photo = "\r\n ".join(photo[i : i + 74] for i in range(0, len(photo), 74))
    cards = []
    for i in range(count):
        given, family = rnd.choice(GIVEN), rnd.choice(FAMILY)
        city, region, postal, country, code = rnd.choice(PLACES)
        org = rnd.choice(ORGS).replace(",", "\\,")
        lines = [
            "BEGIN:VCARD",
            "VERSION:3.0",
            "PRODID:-//Apple Inc.//macOS 14.4//EN",
            f"N:{family};{given};;;",
            f"FN:{given} {family}",
            f"ORG:{org};Engineering",
            "TITLE:Senior Engineer",
            f"item1.EMAIL;type=INTERNET;type=pref:{given.lower()}.{i}@example.com",
            "item1.X-ABLabel:_$!<Work>!$_",
            f"TEL;type=CELL;type=VOICE:+49 30 {rnd.randint(1000000, 9999999)}",
            f"item2.ADR;type=WORK:;;{rnd.randint(1, 200)} Main Street;{city};{region};"
            f"{postal};{country}",
            f"item2.X-ABADR:{code}",
            "CATEGORIES:colleague,holiday-cards",
            "NOTE:Met at the 2019 offsite\\, worked together on billing.\\nLikes tea.",
            f"item3.URL;type=pref:https://www.linkedin.com/in/{given.lower()}-{i}",
            "item3.X-ABLabel:_$!<HomePage>!$_",
            f"UID:{rnd.getrandbits(128):032x}",
        ]
        if i % 20 == 0:
            lines.append(f"PHOTO;ENCODING=b;TYPE=JPEG:{folded_photo}")
        lines.append("END:VCARD")
        cards.append("\r\n".join(lines) + "\r\n")
    return "".join(cards)


def time_vobject(path: Path) -> float:
    """vobject parsing the file, in a fresh process; the parse alone is timed."""
    code = (
        "import sys, time, vobject\n"
        "text = open(sys.argv[1], encoding='utf-8').read()\n"
        "start = time.perf_counter()\n"
        "cards = list(vobject.readComponents(text))\n"
        "print(time.perf_counter() - start, len(cards))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(path)], check=True, capture_output=True, text=True
    ).stdout.split()
    return float(out[0])


def outreach_command() -> list[str]:
    exe = Path(sys.executable).with_name("outreach")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "outreach.cli"]


def time_process(args: list[str]) -> float:
    """Wall time of a whole process, start-up included."""
    start = time.perf_counter()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cards", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    outreach = outreach_command()
    with tempfile.TemporaryDirectory(prefix="outreach-bench-") as scratch:
        root = Path(scratch)
        vcf = root / "contacts.vcf"
        vcf.write_text(make_vcards(args.cards), encoding="utf-8")
        vobject_times, import_times, list_times = [], [], []
        for run in range(args.runs):
            vobject_times.append(time_vobject(vcf))
            home = root / f"ws-{run}"
            subprocess.run(
                [*outreach, "--home", str(home), "init"], check=True, stdout=subprocess.DEVNULL
            )
            import_times.append(
                time_process([*outreach, "--home", str(home), "contacts", "import", str(vcf)])
            )
        home = root / "ws-0"
        listing = [*outreach, "--home", str(home), "contacts", "list", "--json"]
        check = subprocess.run(listing, check=True, capture_output=True, text=True).stdout
        assert len(json.loads(check)) == args.cards, "the import lost contacts"
        startup = [*outreach, "--home", str(home), "contacts", "--help"]
        startup_times = []
        for _ in range(max(args.runs, 5)):
            list_times.append(time_process(listing))
            startup_times.append(time_process(startup))
        size = vcf.stat().st_size
        shutil.rmtree(root / "ws-0", ignore_errors=True)
    vobject_s = statistics.median(vobject_times)
    import_s = statistics.median(import_times)
    list_s = statistics.median(list_times)
    startup_s = statistics.median(startup_times)
    ratio = import_s / vobject_s
    result = {
        "cards": args.cards,
        "file_bytes": size,
        "runs": args.runs,
        "vobject_parse_s": round(vobject_s, 3),
        "outreach_import_s": round(import_s, 3),
        "ratio": round(ratio, 3),
        "list_json_warm_s": round(list_s, 3),
        "startup_s": round(startup_s, 3),
        "python": sys.version.split()[0],
        "cpus": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    print(f"{args.cards} cards, {size / 1e6:.1f} MB, median of {args.runs} runs")
    print(f"  vobject readComponents (parse only)     {vobject_s:7.2f} s")
    print(f"  outreach contacts import (whole process){import_s:7.2f} s")
    print(f"  ratio outreach / vobject                {ratio:7.2f}   (target <= 1.5)")
    print(f"  outreach contacts list --json (warm)    {list_s:7.2f} s   (target < 0.5)")
    print(f"    of which start-up (contacts --help)   {startup_s:7.2f} s")
    out = Path(__file__).resolve().parents[1] / "results"
    out.mkdir(exist_ok=True)
    (out / "import.json").write_text(json.dumps(result, indent=2) + "\n")
    if ratio > 1.5 or list_s >= 0.5:
        sys.exit(1)


if __name__ == "__main__":
    main()
