"""The README's first-company block works as written, run line by line by a shell with the
installed zoomctl in an isolated workspace (its dates are computed, so they stay in the future)."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

from support import REPO, zoomctl_executable

MARKER = "<!-- first-company"


def first_company_block() -> list[str]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert MARKER in readme, "the README lost its first-company marker"
    after = readme.split(MARKER, 1)[1]
    block = re.search(r"```sh\n(.*?)```", after, flags=re.S)
    assert block is not None
    return [line for line in block.group(1).splitlines() if line.strip() and not line.startswith("#")]


def test_the_readme_block_is_what_a_new_user_types():
    lines = first_company_block()
    assert lines[0].startswith("zoomctl company create") and len(lines) >= 5
    assert not re.search(r"\b20\d\d-\d\d-\d\d", " ".join(lines)), "a fixed date in the block goes stale"


def test_the_readme_first_company_block_runs(isolated):
    env = {**os.environ, "PATH": f"{Path(zoomctl_executable()).parent}{os.pathsep}{os.environ['PATH']}"}
    last = None
    for line in first_company_block():
        last = subprocess.run(["bash", "-c", line], capture_output=True, text=True, env=env, timeout=60)
        assert last.returncode == 0, (line, last.stderr)
        assert "Traceback" not in last.stderr and "error:" not in last.stderr, (line, last.stderr)
    assert last is not None
    services = json.loads(last.stdout)  # the block ends with `services list --json`
    assert [(s["name"], s["online"]) for s in services] == [("Private lesson", True)]
    sessions = subprocess.run(
        [zoomctl_executable(), "classes", "sessions", "list", "--json"], capture_output=True, text=True, env=env
    )
    assert len(json.loads(sessions.stdout)) == 1, sessions.stderr
