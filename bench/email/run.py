"""Email speed: outreach against mailmerge 2.3 and the bare send floor, side by side.

Each contender sends the same N personal messages (a subject and a short body with the
recipient's first name) to Postfix's ``smtp-sink`` on loopback, as a whole process, timed from
start to exit:

* **mailmerge** 2.3 (``mailmerge --no-limit --no-dry-run``), installed in its own virtual
  environment (``bench/email/.venv-mailmerge``, made on first use);
* **floor**: the messages' bytes built with plain string formatting, pushed through 4 reused
  aiosmtplib connections (``floor.py``): what sending costs with nothing else to do;
* **outreach**: ``outreach campaign run --send`` on a workspace with N contacts (a fresh
  journal each round, the book's parse cache warm as it is in daily use).

The contenders take turns for several rounds; the table shows each one's best and median
wall time and outreach's throughput against the other two, measured in this one run.

    python bench/email/run.py [--count 10000] [--rounds 3]
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
    parser.add_argument("--skip-mailmerge", action="store_true")
    args = parser.parse_args()
    sink = shutil.which("smtp-sink") or "/usr/sbin/smtp-sink"
    if not Path(sink).exists():
        raise SystemExit("smtp-sink is not installed (Debian package postfix)")
    port = free_port()
    user = ["-u", "nobody"] if os.geteuid() == 0 else []
    server = subprocess.Popen([sink, *user, f"127.0.0.1:{port}", "256"])
    try:
        with tempfile.TemporaryDirectory(prefix="outreach-bench-") as tmp:
            work = Path(tmp)
            campaign = make_workspace(work / "ws", args.count, port)
            make_mailmerge(work / "mm", args.count, port)
            env = dict(os.environ)
            env.pop("OUTREACH_HOME", None)
            python = sys.executable
            program = Path(python).with_name("outreach")
            outreach = [str(program), "--home", str(work / "ws")]
            contenders: dict[str, tuple[list[str], Path]] = {
                "floor": (
                    [python, str(HERE / "floor.py"), str(work / "mm"), str(port)],
                    work,
                ),
                "outreach": ([*outreach, "campaign", "run", "--send", str(campaign)], work),
            }
            if not args.skip_mailmerge:
                contenders["mailmerge"] = (mailmerge_command(), work / "mm")
            times: dict[str, list[float]] = {name: [] for name in contenders}
            peaks: dict[str, float] = dict.fromkeys(contenders, 0.0)
            for round_number in range(args.rounds):
                for name, (argv, cwd) in contenders.items():
                    if name == "outreach":
                        for stale in work.glob("ws/journal.sqlite*"):
                            stale.unlink()
                        shutil.rmtree(work / "ws" / "out", ignore_errors=True)
                    seconds, peak = timed(argv, cwd, env)
                    times[name].append(seconds)
                    peaks[name] = max(peaks[name], peak)
                    print(f"round {round_number + 1}: {name:9} {seconds:7.2f} s {peak:6.0f} MiB")
    finally:
        server.terminate()
        server.wait()
    report(times, peaks, args.count)


def report(times: dict[str, list[float]], peaks: dict[str, float], count: int) -> None:
    rounds = len(times["floor"])
    print(f"\n{count} messages to smtp-sink on loopback, whole process, {rounds} rounds")
    print(f"{'':10} {'best s':>8} {'median s':>9} {'msg/s':>8} {'peak MiB':>9}")
    for name, values in times.items():
        best = min(values)
        median = statistics.median(values)
        print(f"{name:10} {best:8.2f} {median:9.2f} {count / best:8.0f} {peaks[name]:9.0f}")
    ours = min(times["outreach"])
    floor = min(times["floor"])
    print(f"\noutreach / floor time: {ours / floor:.2f}x (target: at most 1.25x)")
    if "mailmerge" in times:
        print(
            f"outreach vs mailmerge throughput: {min(times['mailmerge']) / ours:.2f}x "
            "(target: at least 2.5x)"
        )


if __name__ == "__main__":
    main()
