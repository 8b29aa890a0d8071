"""Start-up stays light: `--help` and plain listings import neither httpx nor keyring (fresh interpreter);
`--version` and `--help` import no command module, no App, no data classes and no package metadata."""

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
print("LOADED=" + ",".join(sorted(m for m in sys.modules if m.startswith("zoomctl") or m == "importlib.metadata")),
      file=sys.stderr)
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


def loaded(done: subprocess.CompletedProcess) -> set[str]:
    line = next(x for x in done.stderr.splitlines() if x.startswith("LOADED="))
    return set(line.removeprefix("LOADED=").split(","))


@pytest.mark.parametrize("argv", [["--version"], ["--help"]], ids=" ".join)
def test_version_and_help_load_only_the_root(argv, isolated):
    done = probe(argv)
    assert done.returncode == 0, done.stderr
    modules = loaded(done)
    assert "zoomctl.cli" in modules  # the probe sees what was imported
    unwanted = {"zoomctl.app", "zoomctl.models", "zoomctl.ui", "zoomctl.config", "importlib.metadata"}
    assert not modules & unwanted, sorted(modules & unwanted)
    assert not {m for m in modules if m.startswith("zoomctl.cli.")}, sorted(modules)


def test_a_command_loads_only_its_own_group(isolated):
    done = probe(["company", "list", "--json"])
    assert done.returncode == 0, done.stderr
    commands = {m for m in loaded(done) if m.startswith("zoomctl.cli.")}
    assert commands == {"zoomctl.cli.company", "zoomctl.cli.options"}, sorted(commands)


def test_the_help_table_matches_each_command_s_own_help():
    """`zoomctl --help` lists COMMANDS' help lines; each is the first line of the command's own help."""
    from zoomctl.cli import COMMANDS, load_command

    for name, (_module, _attr, text) in COMMANDS.items():
        command = load_command(name)
        assert command.name == name
        own = (command.help or "").strip().split("\n\n")[0].replace("\n", " ")
        assert own == text, f"{name}: COMMANDS says {text!r}, the command says {own!r}"


def test_every_command_module_is_in_the_table():
    from pathlib import Path

    import zoomctl.cli
    from zoomctl.cli import COMMANDS

    package = Path(zoomctl.cli.__file__).parent
    modules = {p.stem for p in package.glob("*.py")} - {"__init__", "__main__", "options"}
    assert modules == {module for module, _attr, _help in COMMANDS.values()}


def test_the_version_constant_is_the_installed_version():
    import tomllib
    from importlib.metadata import version
    from pathlib import Path

    import zoomctl

    pyproject = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
    assert "version" in pyproject["project"]["dynamic"]
    assert pyproject["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "zoomctl.__version__"}
    assert version("zoomctl") == zoomctl.__version__
