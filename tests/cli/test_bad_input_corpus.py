"""The bad-input corpus (bad_input_corpus.toml): each case runs the installed zoomctl process and
must be refused with its exit code, one `error:` line (and at most one `fix:` line), no
traceback, no raw control character, a short quote of the bad value, and no file changed."""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import subprocess
import tomllib
from pathlib import Path

import pytest
from support import default_db, workspace, zoomctl_executable

from zoomctl.exit_codes import ExitCode
from zoomctl.textcheck import is_control

HERE = Path(__file__).parent
CORPUS_FILES = ["bad_input_corpus.toml"]
QUOTED_AT_MOST = 80  # characters of a long value an error may quote (shown() adds an ellipsis)


def load_cases() -> list[dict]:
    cases = []
    for name in CORPUS_FILES:
        cases += tomllib.loads((HERE / name).read_text(encoding="utf-8"))["case"]
    return cases


CASES = load_cases()


def build_world(kind: str, isolated: Path) -> None:
    """'catalog': company acme-yoga (feature on) with provider Dana Smith, service Private lesson,
    class Morning yoga and its session 1, client pat@example.com and booking 1; 'bare': nothing."""
    if kind == "bare":
        return
    assert kind == "catalog", kind
    from zoomctl.config import ConfigFile
    from zoomctl.core import bookings, catalog, companies

    with workspace(default_db(isolated)) as store:
        acme = companies.create(store, "Acme Yoga", "Europe/Berlin")
        companies.set_feature(store, acme, True)
        acme = companies.get(store, acme.slug)
        catalog.add_provider(store, acme, "Dana Smith", "dana@example.com")
        catalog.add_service(store, acme, "Private lesson", 60, ["Dana Smith"])
        catalog.add_class(store, acme, "Morning yoga", 45, 12)
        catalog.add_session(store, acme, "Morning yoga", "2099-06-01T09:00", "Dana Smith")
        catalog.add_client(store, acme, "pat@example.com", "Pat Lee")

        def no_zoom():
            raise AssertionError("the corpus world is offline")

        bookings.create_one(
            store,
            acme,
            service_ref="Private lesson",
            provider_ref="Dana Smith",
            client_email="pat@example.com",
            client_name=None,
            start="2099-06-01T11:00",
            is_test=False,
            zoom=no_zoom,
        )
    cfg = ConfigFile.load()
    cfg.set_value("default", "company", acme.slug)
    cfg.save()


def value(item, files: Path) -> str:
    """An argv item or env value of the table, as the process receives it."""
    if isinstance(item, str):
        return item.replace("{files}", str(files))
    if "hex" in item:
        return os.fsdecode(bytes.fromhex(item["hex"]))  # surrogateescape: the bytes reach the process as they are
    return item.get("before", "") + item["repeat"] * item["times"] + item.get("after", "")


def snapshot(root: Path) -> dict[str, str]:
    """Every file of the config, the data folder and the case's files, hashed."""
    found = {}
    for folder in ("config", "data", "files"):
        for path in sorted((root / folder).rglob("*")) if (root / folder).exists() else []:
            if path.is_file():
                found[str(path.relative_to(root))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def without_write_permission_override() -> list[str]:
    """As root, file modes do not stop a write: drop that capability for the process."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.fail("running as root: a read-only workspace needs setpriv to drop CAP_DAC_OVERRIDE")
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search"]


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_bad_input_is_refused_cleanly(case, isolated):
    build_world(case.get("world", "catalog"), isolated)
    files = isolated / "files"
    files.mkdir()
    for name, content in case.get("files", {}).items():
        data = bytes.fromhex(content["hex"]) if isinstance(content, dict) else content.encode()
        (files / name).write_bytes(data)
    config = isolated / "config" / "config.toml"
    if "config" in case or "config_hex" in case:
        config.parent.mkdir(parents=True, exist_ok=True)
        config.write_bytes(case["config"].encode() if "config" in case else bytes.fromhex(case["config_hex"]))
    prefix = []
    if case.get("readonly_db"):
        os.chmod(default_db(isolated), stat.S_IRUSR)
        prefix = without_write_permission_override()
    env = {**os.environ, **{k: value(v, files) for k, v in case.get("env", {}).items()}}
    argv = [value(item, files) for item in case["argv"]]
    before = snapshot(isolated)

    done = subprocess.run(
        [*prefix, zoomctl_executable(), *argv],
        input=case.get("stdin", "").encode(),
        capture_output=True,
        env=env,
        timeout=60,
    )

    stderr = done.stderr.decode("utf-8", "surrogateescape")
    said = stderr if len(stderr) <= 1000 else stderr[:1000] + "…"  # for the failure message
    assert done.returncode == ExitCode[case["exit"]], said
    assert "Traceback" not in stderr
    assert done.stdout == b"", done.stdout
    lines = stderr.splitlines()
    assert 1 <= len(lines) <= 2, f"expected an error line and at most a fix line: {said!r}"
    assert lines[0].startswith("error: "), said
    assert case["error"] in lines[0], said
    if len(lines) == 2:
        assert lines[1].startswith("  fix: "), said
    if "fix" in case:
        assert len(lines) == 2 and case["fix"] in lines[1], said
    assert not any(is_control(ch) for ch in stderr.replace("\n", "")), f"a raw control character on stderr: {said!r}"
    for item in case["argv"]:
        if isinstance(item, dict) and "repeat" in item:
            assert item["repeat"] * (QUOTED_AT_MOST + 1) not in stderr, "a long value was quoted whole"
    assert snapshot(isolated) == before, "a refused command changed a file"


def test_the_corpus_covers_every_command_group():
    from zoomctl.cli import COMMANDS

    groups = set(COMMANDS)
    covered = {c["id"].split("-")[0] for c in CASES}
    assert groups <= covered, f"no bad-input case for: {sorted(groups - covered)}"
    assert {"global", "env", "config"} <= covered
    assert len(CASES) >= 80
    assert len({c["id"] for c in CASES}) == len(CASES), "case ids are unique"
