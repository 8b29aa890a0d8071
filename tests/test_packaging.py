"""The wheel that `pipx install .` and `pip install` build: its entry point, version and files."""

from __future__ import annotations

import subprocess
import sys
import tomllib
import zipfile

import pytest
from support import REPO


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", str(REPO), "-w", str(out)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (built,) = out.glob("zoomctl-*.whl")
    return zipfile.ZipFile(built)


def test_the_wheel_has_the_console_script_and_the_declared_version(wheel):
    import zoomctl

    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert "version" in project["dynamic"]  # read from zoomctl.__version__
    names = wheel.namelist()
    info = next(n for n in names if n.endswith(".dist-info/METADATA"))
    metadata = wheel.read(info).decode()
    assert f"\nVersion: {zoomctl.__version__}\n" in metadata
    entry_points = wheel.read(info.replace("METADATA", "entry_points.txt")).decode()
    assert "zoomctl = zoomctl.cli:main" in entry_points
    for module in (
        "zoomctl/__main__.py",
        "zoomctl/cli/setup_cmd.py",
        "zoomctl/core/setup_file.py",
        "zoomctl/sandbox/server.py",
    ):
        assert module in names
    assert not [n for n in names if n.startswith("tests/")]
