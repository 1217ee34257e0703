"""Listing a 10,000-contact book: ``outreach contacts list --json`` against vobject and khard.

Run from the repository root with the project installed:

    python bench/book/bench_list.py [--count 10000] [--khard PATH-TO-KHARD]

Every figure is a whole process (start-up included), measured in this one run, so the ratios
compare like with like on whatever machine runs it.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from generate import vcards  # noqa: E402

PARSE_WITH_VOBJECT = (
    "import sys, vobject; text = open(sys.argv[1], encoding='utf-8').read(); "
    "print(len(list(vobject.readComponents(text))))"
)


def timed(command: list[str], runs: int = 1) -> tuple[float, str]:
    """Best wall time of ``runs`` runs, and the last run's output."""
    best = float("inf")
    output = ""
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, check=True)
        best = min(best, time.perf_counter() - start)
        output = done.stdout
    return best, output


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--khard", default=shutil.which("khard"), help="khard to compare with")
    args = parser.parse_args()
    outreach = shutil.which("outreach") or str(Path(sys.executable).parent / "outreach")

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        source = root / "book.vcf"
        source.write_text(vcards(args.count), encoding="utf-8")
        home = root / "ws"
        subprocess.run([outreach, "init", str(home)], check=True, capture_output=True)

        vobject_time, out = timed([sys.executable, "-c", PARSE_WITH_VOBJECT, str(source)])
        assert int(out) == args.count
        import_time, _ = timed([outreach, "--home", str(home), "contacts", "import", str(source)])
        # The import left a parsed cache behind: the next list is warm.
        times = []
        for _ in range(args.runs):
            elapsed, out = timed([outreach, "--home", str(home), "contacts", "list", "--json"])
            times.append(elapsed)
        assert out.count('"uid"') == args.count
        warm = min(times)
        cold_cache = home / ".cache"
        shutil.rmtree(cold_cache)
        cold, _ = timed([outreach, "--home", str(home), "contacts", "list", "--json"])

        print(f"contacts: {args.count}")
        print(f"vobject parse alone (whole process):     {vobject_time:6.2f} s")
        print(
            f"outreach contacts import (whole process): {import_time:6.2f} s "
            f"({import_time / vobject_time:.2f}x vobject)"
        )
        print(f"outreach contacts list --json, cold cache: {cold:6.2f} s")
        print(
            f"outreach contacts list --json, warm cache: {warm:6.2f} s best of {args.runs} "
            f"(median {statistics.median(times):.2f} s; {vobject_time / warm:.1f}x faster "
            "than parsing with vobject)"
        )
        if args.khard:
            vdir = root / "vdir"
            vdir_ws = root / "vdir-ws"
            subprocess.run([outreach, "init", str(vdir_ws)], check=True, capture_output=True)
            config = vdir_ws / "outreach.toml"
            config.write_text(
                config.read_text().replace('path = "contacts.vcf"', f'path = "{vdir}"')
            )
            subprocess.run(
                [outreach, "--home", str(vdir_ws), "contacts", "import", str(source)],
                check=True,
                capture_output=True,
            )
            khard_conf = root / "khard.conf"
            khard_conf.write_text(
                f"[addressbooks]\n[[bench]]\npath = {vdir}\n[general]\ndebug = no\n"
                "default_action = list\neditor = true\nmerge_editor = true\n"
            )
            khard_time, _ = timed([args.khard, "-c", str(khard_conf), "list"], runs=2)
            vdir_times = [
                timed([outreach, "--home", str(vdir_ws), "contacts", "list", "--json"])[0]
                for _ in range(args.runs)
            ]
            print(f"khard list on the same book as a vdir:   {khard_time:6.2f} s")
            print(
                f"outreach list --json on that vdir, warm: {min(vdir_times):6.2f} s "
                f"({khard_time / min(vdir_times):.1f}x faster than khard)"
            )


if __name__ == "__main__":
    main()
