"""Start-up stays light: `--help` and plain listings import neither httpx nor keyring (fresh interpreter)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

PROBE = """\
import sys
from zoomctl.cli import run
code = run({argv!r})
heavy = sorted(m for m in ("httpx", "keyring") if m in sys.modules)
print("HEAVY=" + ",".join(heavy), file=sys.stderr)
sys.exit(code)
"""


def probe(argv: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", PROBE.format(argv=argv)],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=60,
    )


@pytest.mark.parametrize("argv", [["--help"], ["company", "list", "--json"]], ids=" ".join)
def test_no_httpx_or_keyring_at_start(argv, isolated):
    done = probe(argv)
    assert done.returncode == 0, done.stderr
    assert "HEAVY=\n" in done.stderr, done.stderr
    if argv == ["--help"]:
        assert "company" in done.stdout
        assert not (isolated / "data").exists() and not (isolated / "config").exists()  # help touches no file
    else:
        assert done.stdout == "[]\n"


def test_the_probe_can_see_a_heavy_import(isolated):
    """The check above is not vacuous: a run that imports keyring is caught."""
    done = subprocess.run(
        [sys.executable, "-c", "import keyring\n" + PROBE.format(argv=["--help"])],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=60,
    )
    assert "HEAVY=keyring" in done.stderr
