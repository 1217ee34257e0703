"""Run a command from a small process, so its peak memory is its own.

A process forked from a large one (the benchmark holds the generated mailbox) starts with the
parent's pages, and Linux keeps that high-water mark through ``exec``; forked from this small
launcher, the command's ``ru_maxrss`` is the command's own. Writes ``seconds peak_kib status``
to RESULT.

    python bench/mail/peak.py RESULT COMMAND...
"""

from __future__ import annotations

import os
import sys
import time


def main() -> None:
    result, argv = sys.argv[1], sys.argv[2:]
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        try:
            os.execvp(argv[0], argv)
        finally:
            os._exit(127)
    _, status, usage = os.wait4(pid, 0)
    elapsed = time.perf_counter() - start
    with open(result, "w", encoding="ascii") as handle:
        handle.write(f"{elapsed} {usage.ru_maxrss} {os.waitstatus_to_exitcode(status)}\n")


if __name__ == "__main__":
    main()
