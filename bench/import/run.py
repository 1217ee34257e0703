"""Import speed: ``outreach contacts import`` of a 10,000-card vCard file, beside vobject.

The alternative a user has is parsing the file with vobject, the library everyone reaches
for; outreach must import (parse, merge into an empty book, write the book and its cache:
the whole process, start-up included) within 1.5 times what vobject needs just to parse.
Then the warm ``outreach contacts list --json`` on that book, which should stay under half a
second (served from the kept listing; also timed with the parse cache alone), and, with
``--khard``, ``khard list`` on the same book as a vdir (the tool a khard user lists contacts
with) beside outreach listing that vdir. Every figure, time and
peak memory, is measured in this one run, side by side.

    python bench/import/run.py [--cards 10000] [--runs 3] [--khard PATH-TO-KHARD]

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
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from measure import measure  # noqa: E402

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


def time_vobject(path: Path) -> tuple[float, float]:
    """vobject parsing the file, in a fresh process: the parse alone, and the peak memory."""
    code = (
        "import sys, time, vobject\n"
        "text = open(sys.argv[1], encoding='utf-8').read()\n"
        "start = time.perf_counter()\n"
        "cards = list(vobject.readComponents(text))\n"
        "print(time.perf_counter() - start, len(cards))\n"
    )
    done = measure([sys.executable, "-c", code, str(path)])
    return float(done.stdout.split()[0]), done.peak_mib


def outreach_command() -> list[str]:
    """The installed ``outreach`` script, else its entry point run by this Python
    (``outreach.cli`` is a package with no ``__main__``: ``-m`` cannot run it)."""
    exe = Path(sys.executable).with_name("outreach")
    if exe.exists():
        return [str(exe)]
    return [sys.executable, "-c", "from outreach.cli import main; main()"]


def time_process(args: list[str]) -> tuple[float, float]:
    """Wall time of a whole process, start-up included, and its peak memory in MiB."""
    done = measure(args)
    return done.seconds, done.peak_mib


def khard_side_by_side(
    outreach: list[str], vcf: Path, root: Path, khard: str, runs: int
) -> dict[str, float]:
    """``khard list`` and ``outreach contacts list --json`` on the same book as a vdir."""
    vdir, home = root / "vdir", root / "ws-vdir"
    subprocess.run([*outreach, "init", str(home)], check=True, stdout=subprocess.DEVNULL)
    config = home / "outreach.toml"
    config.write_text(config.read_text().replace('path = "contacts.vcf"', f'path = "{vdir}"'))
    subprocess.run(
        [*outreach, "--home", str(home), "contacts", "import", str(vcf)],
        check=True,
        capture_output=True,
    )
    khard_conf = root / "khard.conf"
    khard_conf.write_text(
        f"[addressbooks]\n[[bench]]\npath = {vdir}\n[general]\ndefault_action = list\n"
        "editor = true\nmerge_editor = true\n"
    )
    khards = [measure([khard, "-c", str(khard_conf), "list"]) for _ in range(max(runs, 2))]
    mine = [
        measure([*outreach, "--home", str(home), "contacts", "list", "--json"])
        for _ in range(max(runs, 5))
    ]
    return {
        "khard_list_s": statistics.median(m.seconds for m in khards),
        "khard_list_mib": max(m.peak_mib for m in khards),
        "outreach_vdir_list_s": statistics.median(m.seconds for m in mine),
        "outreach_vdir_list_mib": max(m.peak_mib for m in mine),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cards", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--khard", default=shutil.which("khard"), help="khard to compare with")
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
        startup = [*outreach, "--version"]
        startup_times, parse_cache_times = [], []
        for _ in range(max(args.runs, 5)):
            list_times.append(time_process(listing))
            startup_times.append(time_process(startup))
            # The same listing with only the parse cache: the first one after the kept
            # listing is gone (it reads the book's cache, builds the view, keeps it again).
            for kept in (home / ".cache").glob("list-*.json"):
                kept.unlink()
            parse_cache_times.append(time_process(listing))
        size = vcf.stat().st_size
        khard = khard_side_by_side(outreach, vcf, root, args.khard, args.runs) if args.khard else {}
        shutil.rmtree(root / "ws-0", ignore_errors=True)
    vobject_s = statistics.median(t for t, _ in vobject_times)
    vobject_mib = max(m for _, m in vobject_times)
    import_s = statistics.median(t for t, _ in import_times)
    import_mib = max(m for _, m in import_times)
    list_s = statistics.median(t for t, _ in list_times)
    list_mib = max(m for _, m in list_times)
    startup_s = statistics.median(t for t, _ in startup_times)
    parse_cache_s = statistics.median(t for t, _ in parse_cache_times)
    ratio = import_s / vobject_s
    result = {
        "cards": args.cards,
        "file_bytes": size,
        "runs": args.runs,
        "vobject_parse_s": round(vobject_s, 3),
        "outreach_import_s": round(import_s, 3),
        "ratio": round(ratio, 3),
        "list_json_warm_s": round(list_s, 3),
        "list_json_parse_cache_s": round(parse_cache_s, 3),
        "startup_s": round(startup_s, 3),
        "vobject_parse_mib": round(vobject_mib, 1),
        "outreach_import_mib": round(import_mib, 1),
        "list_json_warm_mib": round(list_mib, 1),
        **{k: round(v, 3) for k, v in khard.items()},
        "python": sys.version.split()[0],
        "cpus": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    print(f"{args.cards} cards, {size / 1e6:.1f} MB, median of {args.runs} runs")
    print(f"  vobject readComponents (parse only)     {vobject_s:7.2f} s  {vobject_mib:6.0f} MiB")
    print(f"  outreach contacts import (whole process){import_s:7.2f} s  {import_mib:6.0f} MiB")
    print(f"  ratio outreach / vobject                {ratio:7.2f}   (target <= 1.5)")
    print(
        f"  outreach contacts list --json (warm)    {list_s:7.2f} s  {list_mib:6.0f} MiB"
        "   (target < 0.5 s)"
    )
    print(f"  start-up alone (outreach --version)     {startup_s:7.2f} s")
    print(f"  the same, parse cache only (no kept list){parse_cache_s:6.2f} s")
    if khard:
        print(
            f"  khard list, the same book as a vdir     {khard['khard_list_s']:7.2f} s"
            f"  {khard['khard_list_mib']:6.0f} MiB"
        )
        print(
            f"  outreach contacts list --json, vdir     {khard['outreach_vdir_list_s']:7.2f} s"
            f"  {khard['outreach_vdir_list_mib']:6.0f} MiB"
            f"   ({khard['khard_list_s'] / khard['outreach_vdir_list_s']:.1f}x faster)"
        )
    out = Path(__file__).resolve().parents[1] / "results"
    out.mkdir(exist_ok=True)
    (out / "import.json").write_text(json.dumps(result, indent=2) + "\n")
    if ratio > 1.5 or list_s >= 0.5:
        sys.exit(1)


if __name__ == "__main__":
    main()
