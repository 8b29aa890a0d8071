"""The files other people rely on stay true: completions, README exit codes, CHANGELOG form, .ci/run."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from support import REPO

from zoomctl.exit_codes import ExitCode

SCRIPTS = {"bash": "zoomctl.bash", "zsh": "_zoomctl", "fish": "zoomctl.fish"}


@pytest.mark.parametrize("shell", sorted(SCRIPTS))
def test_completions_are_current(zc, shell):
    result = zc("completion", shell)
    assert result.exit_code == 0, result.stderr
    committed = (REPO / "completions" / SCRIPTS[shell]).read_text()
    assert result.stdout == committed, f"completions/{SCRIPTS[shell]} is stale: run scripts/gen-completions"


def test_completion_lists_every_command(zc):
    import typer

    from zoomctl.cli import cli

    script = zc("completion", "bash").stdout
    root = typer.main.get_command(cli)
    for name in root.commands:
        assert f'"/{name}"' in script


def test_bash_completion_completes_nested_commands(tmp_path):
    script = REPO / "completions" / "zoomctl.bash"
    probe = (
        f"source {script}; COMP_WORDS=(zoomctl --company x classes sessions ''); COMP_CWORD=5; "
        '_zoomctl; echo "${COMPREPLY[@]}"'
    )
    out = subprocess.run(["bash", "-c", probe], capture_output=True, text=True, check=True).stdout.split()
    assert sorted(out) == ["add", "cancel", "list"]


def test_unknown_shell_is_refused(zc):
    result = zc("completion", "tcsh")
    assert result.exit_code == ExitCode.INVALID_INPUT
    assert "bash, zsh, fish" in result.stderr


def test_readme_documents_every_exit_code():
    readme = (REPO / "README.md").read_text()
    table = dict(re.findall(r"^\| (\d+) \| (.+?) \|$", readme, flags=re.M))
    assert sorted(int(k) for k in table) == sorted(int(code) for code in ExitCode)


def test_changelog_keeps_a_changelog_form():
    text = (REPO / "CHANGELOG.md").read_text()
    assert text.startswith("# Changelog")
    assert "## [Unreleased]" in text
    headings = re.findall(r"^### (.+)$", text, flags=re.M)
    assert headings and set(headings) <= {"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"}


def test_ci_runs_the_readme_test_command():
    readme = (REPO / "README.md").read_text()
    quick = readme.split("## Quick start", 1)[1].split("##", 1)[0]
    commands = re.findall(r"^(\./scripts/\S+)", quick, flags=re.M)
    assert commands == ["./scripts/demo", "./scripts/test"]
    assert "scripts/test" in (REPO / ".ci" / "run").read_text()


def test_python_dash_m_runs_the_cli():
    out = subprocess.run([sys.executable, "-m", "zoomctl", "--version"], capture_output=True, text=True)
    assert out.returncode == 0
    assert re.fullmatch(r"zoomctl \d+\.\d+\.\d+.*\n", out.stdout)


def test_version_matches_the_package_metadata():
    """`python -m zoomctl --version` says the installed package's version (pyproject reads it from
    zoomctl.__version__: tests/cli/test_startup.py checks that side)."""
    from importlib.metadata import version

    out = subprocess.run([sys.executable, "-m", "zoomctl", "--version"], capture_output=True, text=True)
    assert out.stdout == f"zoomctl {version('zoomctl')}\n"


def test_the_readme_names_every_command_group_and_environment_variable():
    import re as regex

    from zoomctl import env
    from zoomctl.cli import cli

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    names = {g.name for g in cli.registered_groups} | {c.name for c in cli.registered_commands}
    missing = [n for n in sorted(names) if not regex.search(rf"`(zoomctl )?{n}[ `]", readme)]
    assert not missing, f"README.md has no example of: {missing}"
    variables = {v for k, v in vars(env).items() if k.isupper() and isinstance(v, str) and v.startswith("ZOOMCTL_")}
    variables -= {env.ZOOM_PREFIX}
    assert not [v for v in sorted(variables) if v not in readme]
