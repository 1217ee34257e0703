"""The package type-checks: ``py.typed`` is a promise to everyone who imports outreach."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_the_library_and_its_plugins_type_check() -> None:
    api = pytest.importorskip("mypy.api", reason="mypy is not installed")
    config = str(ROOT / "pyproject.toml")
    out, err, status = api.run(
        ["--config-file", config, str(ROOT / "outreach"), str(ROOT / "plugins")]
    )
    assert status == 0, out + err
