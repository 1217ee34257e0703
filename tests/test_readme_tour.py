"""The README's tour, run block by block as a new user would, on a fresh workspace.

Every ``sh`` block of "A tour" before step 4 (which needs an SMTP account) runs in one bash,
from the checkout, with ``HOME`` a fresh folder so ``~/network`` is a new workspace.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def tour_blocks() -> list[str]:
    """The ``sh`` blocks of the tour's steps 1 to 3."""
    tour = README[README.index("## A tour") : README.index("**4. Send.**")]
    return re.findall(r"^```sh\n(.*?)^```", tour, re.S | re.M)


def test_the_tour_runs_step_by_step_on_a_fresh_workspace(tmp_path: Path) -> None:
    blocks = tour_blocks()
    assert len(blocks) >= 4
    script = "\n".join(blocks)
    assert "[me.address]" in script and "move-book" in script
    env = {key: value for key, value in os.environ.items() if not key.startswith("OUTREACH_")}
    env.update(HOME=str(tmp_path), PATH=f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}")
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    network = tmp_path / "network"
    assert len(list((network / "book").glob("*.vcf"))) >= 25
    out = network / "out" / "holiday-cards"
    for name in ("cards.pdf", "envelopes.pdf", "review.html"):
        assert (out / name).stat().st_size > 0, name
    assert (tmp_path / "outreach.ics").exists()
    assert "Traceback" not in done.stderr
