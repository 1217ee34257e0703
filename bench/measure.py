"""Time and peak memory of one whole process, the way every benchmark here measures."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Measured", "measure"]


@dataclass(frozen=True, slots=True)
class Measured:
    """A finished process: wall time, peak resident memory, output and exit status."""

    seconds: float
    peak_mib: float
    stdout: str
    stderr: str
    returncode: int
    #: CPU seconds the command used (user + system): steadier than wall time on a busy machine.
    cpu_seconds: float = 0.0


#: Run by a fresh interpreter: start the command, wait for it, and write its wall time and
#: peak memory to the file descriptor given first. Linux counts, in a child's peak, the memory
#: of the process it was forked from, so a child forked straight from a benchmark that holds
#: thousands of generated messages would be charged for them; forked from this small process,
#: it is charged only for itself (plus this interpreter's few MiB, the same for every run).
_LAUNCHER = """
import os, sys, time
report = int(sys.argv[1])
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.close(report)
    try:
        os.execvp(sys.argv[2], sys.argv[2:])
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
elapsed = time.perf_counter() - start
cpu = usage.ru_utime + usage.ru_stime
code = os.waitstatus_to_exitcode(status)
os.write(report, f"{elapsed} {usage.ru_maxrss} {code} {cpu}".encode())
"""


def measure(
    argv: Sequence[str],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    check: bool = True,
) -> Measured:
    """Run ``argv`` to completion; its wall time and its own peak RSS (``wait4``).

    The command is started by a small launcher (see ``_LAUNCHER``), so its peak does not
    include this process's memory.
    """
    # Measure programs as an installed copy runs them: `pip install` leaves compiled bytecode
    # beside the modules, while PYTHONDONTWRITEBYTECODE (set in some shells and CI images)
    # would make every process compile every module from source again, 0.1 s each start.
    env = dict(os.environ if env is None else env)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    read_end, write_end = os.pipe()
    try:
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            launcher = [sys.executable, "-c", _LAUNCHER, str(write_end), *argv]
            process = subprocess.Popen(
                launcher, cwd=cwd, env=env, stdout=out, stderr=err, pass_fds=(write_end,)
            )
            os.close(write_end)
            write_end = -1
            with os.fdopen(read_end, "rb") as report:
                read_end = -1
                fields = report.read().decode().split()
            process.wait()
            if len(fields) != 4:
                raise RuntimeError(f"the launcher could not run {argv[0]!r}")
            out.seek(0)
            err.seek(0)
            result = Measured(
                float(fields[0]),
                int(fields[1]) / 1024,  # Linux reports KiB
                out.read().decode("utf-8", "replace"),
                err.read().decode("utf-8", "replace"),
                int(fields[2]),
                float(fields[3]),
            )
    finally:
        for fd in (read_end, write_end):
            if fd >= 0:
                os.close(fd)
    if check and result.returncode != 0:
        raise subprocess.CalledProcessError(
            result.returncode, list(argv), result.stdout, result.stderr
        )
    return result
