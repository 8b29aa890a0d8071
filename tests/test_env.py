"""zoomctl/env.py owns the ZOOMCTL_* names, and --help shows them."""

from __future__ import annotations

import ast
from pathlib import Path

import zoomctl
from zoomctl import env

SOURCE = Path(zoomctl.__file__).parent


def test_only_zoomctl_env_spells_the_environment_variables():
    """One module owns the ZOOMCTL_* names; the rest import them (docstrings may mention them)."""
    spelled = []
    for path in sorted(SOURCE.rglob("*.py")):
        if path.name == "env.py" or "sandbox" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
            and node.body
            and isinstance(node.body[0], ast.Expr)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
                if "ZOOMCTL_" in node.value:
                    spelled.append(f"{path.relative_to(SOURCE.parent)}:{node.lineno}")
    assert spelled == []


def test_help_names_the_variables_of_the_options_they_set(zc):
    root = zc("--help").stdout
    for variable in (env.PROFILE, env.COMPANY, env.DB):
        assert f"[env var: {variable}]" in root
    login = zc("auth", "login", "--help").stdout
    assert f"[env var: {env.ZOOM_CLIENT_ID}]" in login and f"[env var: {env.ZOOM_ACCOUNT_ID}]" in login


def test_a_variable_still_counts_as_the_environment_not_as_a_flag(zc, monkeypatch):
    monkeypatch.setenv(env.COMPANY, "from-env")
    rows = {r["key"]: r for r in zc("config", "list", "--json").json()["settings"]}
    assert rows["company"] == {"key": "company", "value": "from-env", "source": f"env {env.COMPANY}"}
    flagged = {r["key"]: r for r in zc("--company", "from-flag", "config", "list", "--json").json()["settings"]}
    assert flagged["company"]["source"] == "flag"
