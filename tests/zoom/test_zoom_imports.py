"""The Zoom layer stays light and separate: no typer/rich, no httpx on package import."""

from __future__ import annotations

import subprocess
import sys

from zoom_helpers import REPO

MODULES = ["errors", "redact", "oauth", "loopback", "tokens", "session", "client"]


def run(code: str) -> str:
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_package_import_is_light():
    out = run(
        "import sys, zoomctl.zoom, zoomctl.zoom.errors, zoomctl.zoom.redact; "
        "print(sorted(m for m in ('httpx', 'keyring', 'typer', 'rich') if m in sys.modules))"
    )
    assert out == "[]"


def test_no_cli_libraries_and_keyring_only_when_used():
    imports = "; ".join(f"import zoomctl.zoom.{m}" for m in MODULES)
    out = run(f"import sys; {imports}; print(sorted(m for m in ('typer', 'rich', 'keyring') if m in sys.modules))")
    assert out == "[]"
