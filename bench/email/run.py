"""Email speed: outreach against mailmerge 2.3 and the bare send floor, side by side.

Each contender sends the same N personal messages to Postfix's ``smtp-sink`` on loopback, as a
whole process, timed from start to exit, in two cases:

* **catch-up** (the realistic one): the bundled ``examples/annual-catch-up`` campaign with its
  real template, on a book of N contacts with common names (many shared, some non-ASCII),
  shared employers and how you know each person; mailmerge gets the same wording as its own
  template and database, the floor the rendered notes;
* **synthetic**: a subject and a short body with the recipient's first name.

The contenders:

* **mailmerge** 2.3 (``mailmerge --no-limit --no-dry-run``), installed in its own virtual
  environment (``bench/email/.venv-mailmerge``, made on first use);
* **floor**: the messages' bytes built with plain string formatting, pushed through 4 reused
  aiosmtplib connections (``floor.py``): what sending costs with nothing else to do;
* **pipelined** (shown, not a target): the same bytes over plain asyncio sockets with MAIL,
  RCPT and DATA written together (``floor.py --pipelined``), as outreach sends them to a
  server that offers PIPELINING: the least any Python program pays on loopback;
* **outreach**: ``outreach campaign run --send`` on a workspace with N contacts (a fresh
  journal each round, the book's parse cache warm as it is in daily use).

The contenders take turns for several rounds; the table shows each one's best and median
wall time and outreach's throughput against the other two, measured in this one run.

    python bench/email/run.py [--count 10000] [--rounds 3] [--case catch-up|synthetic|both]
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import unicodedata
import venv
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from measure import measure  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
MAILMERGE_VENV = HERE / ".venv-mailmerge"

SUBJECT = "Catching up, {first}"
BODY = """Hi {first},

It has been a while since we last talked. I hope all is well at work and at home.
I would love to hear what you are working on these days.

Best,
Alex Example
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def people(count: int) -> list[tuple[str, str, str]]:
    """(first name, last name, address) for ``count`` fictional people."""
    return [(f"Given{i}", f"Family{i}", f"person{i}@example.org") for i in range(count)]


def make_workspace(root: Path, count: int, port: int) -> Path:
    """A workspace with ``count`` contacts and the campaign; returns the campaign file."""
    sys.path.insert(0, str(ROOT))
    from outreach.contact import Contact, Email, Name
    from outreach.workspace import Workspace

    workspace = Workspace.init(root, name="Alex Example", email="alex@example.com")
    with workspace.config_path.open("a", encoding="utf-8") as handle:
        handle.write(
            f'\n[email]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\npool_size = 4\n'
        )
    book = workspace.open_book()
    for i, (first, last, address) in enumerate(people(count)):
        book.add(
            Contact(
                uid=f"bench-{i:06d}",
                name=Name(given=first, family=last, formatted=f"{first} {last}"),
                emails=[Email(address, ("INTERNET",))],
            )
        )
    book.save()
    workspace.open_book()  # fill the parse cache, as any earlier command would have
    campaign = root / "catch-up" / "campaign.toml"
    campaign.parent.mkdir()
    body = BODY.replace("{first}", "{{ first_name }}")
    campaign.write_text(
        'name = "catch-up"\n[email]\n'
        f'subject = "{SUBJECT.replace("{first}", "{{ first_name }}")}"\n'
        f'body = """{body}"""\n',
        encoding="utf-8",
    )
    return campaign


def make_mailmerge(folder: Path, count: int, port: int) -> None:
    """mailmerge's template, database and server config for the same messages."""
    folder.mkdir()
    body = BODY.replace("{first}", "{{first_name}}")
    (folder / "mailmerge_template.txt").write_text(
        'TO: "{{name}}" <{{email}}>\nFROM: Alex Example <alex@example.com>\n'
        f"SUBJECT: {SUBJECT.replace('{first}', '{{first_name}}')}\n\n{body}",
        encoding="utf-8",
    )
    lines = ["email,name,first_name"]
    lines += [f"{a},{f} {last},{f}" for f, last, a in people(count)]
    (folder / "mailmerge_database.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "mailmerge_server.conf").write_text(
        f"[smtp_server]\nhost = 127.0.0.1\nport = {port}\n", encoding="utf-8"
    )


# -- the realistic case: the bundled annual catch-up on a book shaped like a real one --------

GIVEN = [
    "James",
    "Mary",
    "Wei",
    "María",
    "Mohammed",
    "Anna",
    "David",
    "Olga",
    "José",
    "Priya",
    "Jörg",
    "Fatima",
    "Kenji",
    "Sarah",
    "Luca",
    "Chloé",
    "Ahmed",
    "Emily",
    "Raj",
    "Zoë",
]
FAMILY = [
    "Smith",
    "Wang",
    "García",
    "Müller",
    "Kim",
    "Nguyen",
    "Jones",
    "Rossi",
    "Khan",
    "Lee",
    "Brown",
    "Silva",
    "Tanaka",
    "Dubois",
    "Novak",
    "Okafor",
    "Larsen",
    "Cohen",
    "Patel",
    "O'Brien",
]
ORGS = [
    "Acme Corp",
    "Globex",
    "Initech",
    "Umbrella Health",
    "Stark Industries",
    "Wayne Logistics",
    "Hooli",
    "Vandelay Imports",
    "",
    "",
]
RELATIONSHIPS = [
    "the Berlin offsite",
    "the billing rewrite",
    "your time on the platform team",
    "the 2019 hackathon",
    "",
    "",
    "",
]
MY_NEWS = "I have been learning to bake bread, with mixed results."


def realistic_people(count: int) -> list[dict[str, str]]:
    """``count`` contacts with common names (many shared), shared employers and, for most,
    how you know them: what a real book holds (fixed seed)."""
    import random

    rnd = random.Random(2026)
    out = []
    for i in range(count):
        given, family = rnd.choice(GIVEN), rnd.choice(FAMILY)
        # Addresses stay ASCII (as most are): "josé.garcía" is written "jose.garcia".
        plain = unicodedata.normalize("NFKD", f"{given}.{family}").encode("ascii", "ignore")
        local = plain.decode().lower().replace("'", "")
        out.append(
            {
                "uid": f"real-{i:06d}",
                "given": given,
                "family": family,
                "email": f"{local}.{i}@example.org",
                "org": rnd.choice(ORGS),
                "relationship": rnd.choice(RELATIONSHIPS),
            }
        )
    return out


def catch_up_text(person: dict[str, str]) -> str:
    """The catch-up note for a contact never touched before, as its template words it."""
    relationship = person["relationship"]
    org = person["org"]
    return (
        f"Hi {person['given']},\n\n"
        "I was going through my contacts the other day and realised we have not properly "
        "caught up in a long while"
        + (f", not since {relationship}" if relationship else "")
        + ".\n\nHow are you? I would love to hear what you are working on"
        + (f" at {org}" if org else "")
        + " these days, and how life is treating you.\n\n"
        f"As for me: {MY_NEWS}\n\n"
        "No need for a long reply; a line or two would make my day.\n\nBest,\nAlex Example\n"
    )


def make_catch_up_workspace(root: Path, count: int, port: int) -> Path:
    """A workspace with a realistic book and the bundled annual catch-up campaign, its real
    template and all; returns the campaign file."""
    sys.path.insert(0, str(ROOT))
    from outreach.contact import Contact, Email, Name
    from outreach.workspace import Workspace

    workspace = Workspace.init(root, name="Alex Example", email="alex@example.com")
    with workspace.config_path.open("a", encoding="utf-8") as handle:
        handle.write(
            f'\n[email]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\npool_size = 4\n'
        )
    book = workspace.open_book()
    for p in realistic_people(count):
        book.add(
            Contact(
                uid=p["uid"],
                name=Name(given=p["given"], family=p["family"]),
                emails=[Email(p["email"], ("INTERNET",))],
                org=p["org"],
                title="Engineer" if p["org"] else "",
                relationship=p["relationship"],
                tags=["colleague"] if p["org"] else [],
            )
        )
    book.save()
    workspace.open_book()  # fill the parse cache, as any earlier command would have
    shutil.copytree(ROOT / "examples" / "annual-catch-up", root / "annual-catch-up")
    return root / "annual-catch-up" / "campaign.toml"


def make_catch_up_mailmerge(folder: Path, count: int, port: int) -> None:
    """The same campaign as a mailmerge folder: the catch-up template in mailmerge's form
    (one column per variable the wording needs), and the rendered text for the floor."""
    import csv

    folder.mkdir()
    (folder / "mailmerge_template.txt").write_text(
        'TO: "{{name}}" <{{email}}>\nFROM: Alex Example <alex@example.com>\n'
        "SUBJECT: Catching up\n\n"
        "Hi {{greeting}},\n\n"
        "I was going through my contacts the other day and realised we have not properly "
        "caught up in a long while{% if relationship %}, not since {{relationship}}{% endif %}."
        "\n\nHow are you? I would love to hear what you are working on"
        "{% if org %} at {{org}}{% endif %} these days, and how life is treating you.\n\n"
        "As for me: {{my_news}}\n\n"
        "No need for a long reply; a line or two would make my day.\n\nBest,\nAlex Example\n",
        encoding="utf-8",
    )
    with (folder / "mailmerge_database.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["email", "name", "greeting", "relationship", "org", "my_news", "body"])
        for p in realistic_people(count):
            writer.writerow(
                [
                    p["email"],
                    f"{p['given']} {p['family']}",
                    p["given"],
                    p["relationship"],
                    p["org"],
                    MY_NEWS,
                    catch_up_text(p),
                ]
            )
    (folder / "mailmerge_server.conf").write_text(
        f"[smtp_server]\nhost = 127.0.0.1\nport = {port}\n", encoding="utf-8"
    )


def mailmerge_command() -> list[str]:
    """mailmerge 2.3 in its own environment, installed on first use."""
    program = MAILMERGE_VENV / "bin" / "mailmerge"
    if not program.exists():
        venv.create(MAILMERGE_VENV, with_pip=True)
        subprocess.run(
            [str(MAILMERGE_VENV / "bin" / "pip"), "install", "--quiet", "mailmerge==2.3.0"],
            check=True,
        )
    return [str(program), "--no-limit", "--no-dry-run", "--output-format", "raw"]


def timed(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """Wall time and peak memory (MiB) of one whole process."""
    done = measure(argv, cwd=cwd, env=env, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{argv[0]} failed:\n{done.stderr}")
    return done.seconds, done.peak_mib


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--case",
        choices=["catch-up", "synthetic", "both"],
        default="both",
        help="the bundled annual catch-up on a realistic book, the short synthetic note, or both",
    )
    parser.add_argument("--skip-mailmerge", action="store_true")
    args = parser.parse_args()
    sink = shutil.which("smtp-sink") or "/usr/sbin/smtp-sink"
    if not Path(sink).exists():
        raise SystemExit("smtp-sink is not installed (Debian package postfix)")
    port = free_port()
    user = ["-u", "nobody"] if os.geteuid() == 0 else []
    server = subprocess.Popen([sink, *user, f"127.0.0.1:{port}", "256"])
    cases = ["catch-up", "synthetic"] if args.case == "both" else [args.case]
    try:
        with tempfile.TemporaryDirectory(prefix="outreach-bench-") as tmp:
            for case in cases:
                work = Path(tmp) / case
                work.mkdir()
                if case == "catch-up":
                    campaign = make_catch_up_workspace(work / "ws", args.count, port)
                    make_catch_up_mailmerge(work / "mm", args.count, port)
                else:
                    campaign = make_workspace(work / "ws", args.count, port)
                    make_mailmerge(work / "mm", args.count, port)
                times, peaks = run_case(work, campaign, port, args.rounds, args.skip_mailmerge)
                report(case, times, peaks, args.count)
    finally:
        server.terminate()
        server.wait()


def run_case(
    work: Path, campaign: Path, port: int, rounds: int, skip_mailmerge: bool
) -> tuple[dict[str, list[float]], dict[str, float]]:
    """Every contender in turn, ``rounds`` times: wall times and peak memory."""
    env = dict(os.environ)
    env.pop("OUTREACH_HOME", None)
    python = sys.executable
    program = Path(python).with_name("outreach")
    outreach = [str(program), "--quiet", "--home", str(work / "ws")]
    contenders: dict[str, tuple[list[str], Path]] = {
        "floor": ([python, str(HERE / "floor.py"), str(work / "mm"), str(port)], work),
        "pipelined": (
            [python, str(HERE / "floor.py"), str(work / "mm"), str(port), "--pipelined"],
            work,
        ),
        "outreach": ([*outreach, "campaign", "run", "--send", str(campaign)], work),
    }
    if not skip_mailmerge:
        contenders["mailmerge"] = (mailmerge_command(), work / "mm")
    times: dict[str, list[float]] = {name: [] for name in contenders}
    peaks: dict[str, float] = dict.fromkeys(contenders, 0.0)
    for round_number in range(rounds):
        for name, (argv, cwd) in contenders.items():
            if name == "outreach":
                for stale in work.glob("ws/journal.sqlite*"):
                    stale.unlink()
                # The last round's outbox is moved aside, not deleted: deleting 10,000 files
                # just before the round would make ext4 search past their freed inodes for
                # every file the round creates (recently_deleted() in the kernel's inode
                # allocator: several times the kernel time), a cost of the benchmark's own
                # cleanup, not of sending. Everything moved aside goes with the scratch folder.
                if (work / "ws" / "out").exists():
                    (work / "ws" / "out").rename(work / f"out-{name}-{round_number}")
            seconds, peak = timed(argv, cwd, env)
            times[name].append(seconds)
            peaks[name] = max(peaks[name], peak)
            print(
                f"{work.name} round {round_number + 1}: {name:9} {seconds:7.2f} s {peak:6.0f} MiB"
            )
    return times, peaks


def report(case: str, times: dict[str, list[float]], peaks: dict[str, float], count: int) -> None:
    """The table of one case, and outreach's ratios to the floor and to mailmerge."""
    rounds = len(times["floor"])
    print(f"\n{case}: {count} messages to smtp-sink on loopback, whole process, {rounds} rounds")
    print(f"{'':10} {'best s':>8} {'median s':>9} {'msg/s':>8} {'peak MiB':>9}")
    for name, values in times.items():
        best = min(values)
        median = statistics.median(values)
        print(f"{name:10} {best:8.2f} {median:9.2f} {count / best:8.0f} {peaks[name]:9.0f}")
    ours = min(times["outreach"])
    floor = min(times["floor"])
    median = statistics.median(times["outreach"]) / statistics.median(times["floor"])
    print(
        f"\noutreach / floor time: {ours / floor:.2f}x best, {median:.2f}x median "
        "(target: at most 1.25x)"
    )
    if "mailmerge" in times:
        print(
            f"outreach vs mailmerge throughput: {min(times['mailmerge']) / ours:.2f}x "
            "(target: at least 2.5x)"
        )


if __name__ == "__main__":
    main()
