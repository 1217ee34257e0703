"""Time and peak memory of one whole process, the way every benchmark here measures."""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
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
    #: CPU seconds the process used (user + system): steadier than wall time on a busy machine.
    cpu_seconds: float = 0.0


def measure(
    argv: Sequence[str],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    check: bool = True,
) -> Measured:
    """Run ``argv`` to completion; its own peak RSS comes from ``wait4``'s resource usage."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(list(argv), cwd=cwd, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        result = Measured(
            elapsed,
            usage.ru_maxrss / 1024,  # Linux reports KiB
            out.read().decode("utf-8", "replace"),
            err.read().decode("utf-8", "replace"),
            process.returncode,
            usage.ru_utime + usage.ru_stime,
        )
    if check and result.returncode != 0:
        raise subprocess.CalledProcessError(
            result.returncode, list(argv), result.stdout, result.stderr
        )
    return result
