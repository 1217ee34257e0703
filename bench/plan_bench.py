"""How long the touch plan takes on a large book, next to the tools a user would otherwise use.

Builds a workspace with a vdir of N contacts (default 2,000) and a journal with touches for
most of them, then times, each as a fresh process like a user would run it (the median time,
and the highest peak memory, through ``bench/measure.py`` like every benchmark):

* ``outreach plan --json``: the whole plan (book through the parse cache, journal, sections);
* ``outreach reminders --ics FILE``: the plan plus the calendar file;
* ``khard list`` on the same vdir: the usual command-line address book only listing names;
* a do-it-yourself script: vobject reads every card, SQLite gives the last touches, and a
  yearly due date is worked out (what one would write instead of a touch plan).

Run: ``.venv/bin/python bench/plan_bench.py [--contacts N] [--runs R] [--khard PATH]``
(``pip install khard`` in any environment for the khard column; it is skipped when missing).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

from outreach.cadence import Cadence
from outreach.contact import Birthday, Contact, Email, Name
from outreach.workspace import Workspace

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import measure  # noqa: E402

DIY_SCRIPT = r"""
import sqlite3, sys
from datetime import date, timedelta
from pathlib import Path
import vobject

book, journal, today = Path(sys.argv[1]), sys.argv[2], date.fromisoformat(sys.argv[3])
db = sqlite3.connect(journal)
last = dict(db.execute("SELECT contact_uid, MAX(day) FROM touches GROUP BY contact_uid"))
due = []
for path in sorted(book.glob("*.vcf")):
    card = vobject.readOne(path.read_text(encoding="utf-8"))
    uid = card.uid.value
    touched = last.get(uid)
    when = date.fromisoformat(touched) + timedelta(days=365) if touched else today
    if when <= today:
        due.append((when, card.fn.value))
due.sort()
print(len(due))
"""


def build(root: Path, count: int) -> Workspace:
    """A workspace with a vdir book of ``count`` contacts and touches for 70 % of them.

    A third have a birthday, so the plan's birthday section and the reminders' yearly events
    are part of what is timed.
    """
    root.mkdir(parents=True)
    (root / "outreach.toml").write_text(
        '[me]\nname = "Bench"\nemail = "bench@example.com"\n[book]\npath = "contacts"\n'
        '[plan]\ndefault_cadence = "yearly"\n[plan.cadence]\nformer-boss = "quarterly"\n',
        encoding="utf-8",
    )
    (root / "contacts").mkdir()
    workspace = Workspace.load(root)
    rng = random.Random(1)
    book = workspace.open_book()
    cadences = [None, None, None, "quarterly", "monthly", "P6W"]
    for i in range(count):
        contact = Contact(
            uid=f"bench-{i:05d}",
            name=Name(given=f"Given{i}", family=f"Family{i}", formatted=f"Given{i} Family{i}"),
            emails=[Email(f"person{i}@example.com")],
            tags=["former-boss"] if i % 9 == 0 else ["colleague"],
        )
        text = cadences[i % len(cadences)]
        contact.cadence = Cadence.parse(text) if text else None
        if i % 3 == 0:  # a third of the cards carry a birthday, some without the year
            year = None if i % 2 else 1960 + i % 40
            contact.birthday = Birthday(1 + i % 12, 1 + i % 28, year)
        book.add(contact)
    book.save()
    with workspace.open_journal() as journal, journal.transaction():
        for i in range(count):
            if rng.random() < 0.7:
                day = date(2025, 6, 1) - timedelta(days=rng.randrange(1, 900))
                journal.add_touch(f"bench-{i:05d}", day, "call")
    return workspace


def timed(command: list[str], runs: int, env: dict[str, str]) -> tuple[float, float, float]:
    """Median wall-clock seconds, median CPU seconds and highest peak MiB of ``runs`` runs
    (after a warm-up run)."""
    measure(command, env=env)
    samples = [measure(command, env=env) for _ in range(runs)]
    return (
        statistics.median(s.seconds for s in samples),
        statistics.median(s.cpu_seconds for s in samples),
        max(s.peak_mib for s in samples),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--contacts", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--khard", default=None, help="the khard program (default: on PATH)")
    args = parser.parse_args()
    outreach = str(Path(sys.executable).with_name("outreach"))
    khard = args.khard or shutil.which("khard")
    env = dict(os.environ)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "ws"
        workspace = build(root, args.contacts)
        today = "2025-06-01"
        rows: list[tuple[str, tuple[float, float, float]]] = []
        rows.append(
            (
                "outreach plan --json",
                timed(
                    [outreach, "--home", str(root), "plan", "--json", "--today", today],
                    args.runs,
                    env,
                ),
            )
        )
        rows.append(
            (
                "outreach reminders --ics",
                timed(
                    [
                        outreach,
                        "--home",
                        str(root),
                        "reminders",
                        "--ics",
                        str(Path(tmp) / "r.ics"),
                        "--today",
                        today,
                    ],
                    args.runs,
                    env,
                ),
            )
        )
        script = Path(tmp) / "diy.py"
        script.write_text(DIY_SCRIPT, encoding="utf-8")
        rows.append(
            (
                "DIY script (vobject + sqlite)",
                timed(
                    [
                        sys.executable,
                        str(script),
                        str(workspace.book_path),
                        str(workspace.journal_path),
                        today,
                    ],
                    args.runs,
                    env,
                ),
            )
        )
        if khard:
            config = Path(tmp) / "khard.conf"
            config.write_text(
                f"[addressbooks]\n[[bench]]\npath = {workspace.book_path}\n", encoding="utf-8"
            )
            rows.append(("khard list", timed([khard, "-c", str(config), "list"], args.runs, env)))
        base = rows[0][1][0]
        print(f"{args.contacts} contacts, median of {args.runs} runs, each a fresh process")
        print(f"{'command':32} {'seconds':>8} {'vs plan':>8} {'CPU s':>7} {'peak MiB':>9}")
        for name, (seconds, cpu, peak) in rows:
            print(f"{name:32} {seconds:8.3f} {seconds / base:7.2f}x {cpu:7.3f} {peak:9.0f}")


if __name__ == "__main__":
    main()
