"""`zoomctl export` and `zoomctl apply`: round trip, idempotence, drift exit codes, pruning, bad files."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from support import FUTURE, add_booking, dump, rows

from zoomctl.exit_codes import ExitCode

CORPUS = sorted((Path(__file__).parent / "setup_corpus").glob("*.toml"))


@pytest.fixture
def setup(zc, catalog):
    """acme-yoga with two providers (one mapped to a Zoom user), an online service, an online
    class with two future sessions."""
    for args in (
        ("providers", "add", "Alex Kim"),
        ("services", "online", "Private lesson", "--on"),
        ("classes", "online", "Morning yoga", "--on"),
        ("classes", "sessions", "add", "Morning yoga", "--start", "2099-03-01T09:00", "--provider", "Dana"),
        ("classes", "sessions", "add", "Morning yoga", "--start", "2099-07-01T09:00", "--provider", "Alex"),
    ):
        assert zc(*args).exit_code == 0
    return catalog


def export(zc, *args: str) -> str:
    result = zc(*args, "export")
    assert result.exit_code == 0, result.stderr
    return result.stdout


def test_export_names_everything_in_a_stable_order(zc, setup):
    text = export(zc)
    assert text.startswith("format = 1\n\n[company]\n")
    assert 'slug = "acme-yoga"' in text and 'timezone = "Europe/Berlin"' in text and "online_meetings = true" in text
    assert text.index('name = "Alex Kim"') < text.index('name = "Dana Smith"')
    assert 'start = "2099-03-01T09:00:00+01:00"' in text and 'start = "2099-07-01T09:00:00+02:00"' in text
    assert text.count("[[classes.sessions]]") == 2
    assert export(zc) == text


def test_export_holds_no_secrets_and_no_bookings(zc, setup, db, client_id):
    add_booking(db, provider_id=1, client_id=client_id, service_id=1)
    text = export(zc)
    assert "pat@example.com" not in text and "booking" not in text and "token" not in text


def test_round_trip_into_an_empty_workspace_is_byte_for_byte(zc, setup, tmp_path):
    first = export(zc)
    (tmp_path / "setup.toml").write_text(first, encoding="utf-8")
    other = tmp_path / "other.db"
    result = zc("--db", str(other), "apply", str(tmp_path / "setup.toml"))
    assert result.exit_code == 0, result.stderr
    assert "skipped" in result.stderr  # a new company is not connected to Zoom: the mapping check is skipped
    assert export(zc, "--db", str(other), "--company", "acme-yoga") == first


def test_applying_twice_changes_nothing_the_second_time(zc, setup, tmp_path, db):
    path = tmp_path / "setup.toml"
    path.write_text(export(zc).replace("duration = 45", "duration = 50"), encoding="utf-8")
    first = zc("apply", str(path), "--json")
    assert first.exit_code == 0, first.stderr
    assert first.json()["summary"] == {"create": 0, "update": 1, "delete": 0}
    before = dump(db)
    second = zc("apply", str(path), "--json")
    assert second.exit_code == 0
    assert second.json()["changes"] == [] and second.json()["applied"] is True
    assert dump(db) == before


def test_drift_exit_codes(zc, setup, tmp_path, db):
    path = tmp_path / "setup.toml"
    path.write_text(export(zc), encoding="utf-8")
    clean = zc("apply", str(path), "--dry-run", "--detailed-exitcode")
    assert clean.exit_code == ExitCode.OK, clean.stderr
    assert zc("services", "add", "Intro call", "--duration", "30").exit_code == 0
    before = dump(db)
    drift = zc("apply", str(path), "--dry-run", "--detailed-exitcode", "--prune", "--json")
    assert drift.exit_code == ExitCode.CHANGES_PENDING == 13
    assert drift.json()["changes"] == [{"action": "delete", "kind": "service", "name": "Intro call", "changes": {}}]
    assert drift.json()["applied"] is False
    assert dump(db) == before, "a dry run changed the workspace"
    # without --prune the extra service is not the file's business
    assert zc("apply", str(path), "--dry-run", "--detailed-exitcode").exit_code == ExitCode.OK


def test_detailed_exitcode_needs_dry_run(zc, setup, tmp_path, fails_cleanly):
    path = tmp_path / "setup.toml"
    path.write_text(export(zc), encoding="utf-8")
    result = fails_cleanly(ExitCode.INVALID_INPUT, "apply", str(path), "--detailed-exitcode")
    assert "--dry-run" in result.stderr


def test_plan_table_shows_create_update_delete(zc, setup, tmp_path):
    path = tmp_path / "setup.toml"
    text = export(zc).replace("duration = 60", "duration = 90").replace("Alex Kim", "Sam Roe")
    path.write_text(text, encoding="utf-8")
    result = zc("apply", str(path), "--dry-run", "--prune")
    assert result.exit_code == 0, result.stderr
    assert "+ create\tprovider\tSam Roe" in result.stdout
    assert "~ update\tservice\tPrivate lesson\tduration: 60 → 90" in result.stdout
    assert "~ update\tsession\tMorning yoga at 2099-07-01T07:00:00Z\tprovider: Alex Kim → Sam Roe" in result.stdout
    assert "- delete\tprovider\tAlex Kim" in result.stdout
    assert "1 to create, 2 to update, 1 to delete" in result.stderr


def test_prune_needs_yes_without_a_terminal(zc, setup, tmp_path, fails_cleanly, db):
    path = tmp_path / "setup.toml"
    path.write_text(export(zc), encoding="utf-8")
    assert zc("services", "add", "Intro call", "--duration", "30").exit_code == 0
    result = fails_cleanly(ExitCode.INVALID_INPUT, "apply", str(path), "--prune")
    assert "--yes" in result.stderr
    pruned = zc("apply", str(path), "--prune", "--yes")
    assert pruned.exit_code == 0, pruned.stderr
    assert rows(db, "SELECT removed_at IS NOT NULL FROM services WHERE name = 'Intro call'")[0][0] == 1
    assert zc("apply", str(path), "--dry-run", "--prune", "--detailed-exitcode").exit_code == 0


def test_prune_cancels_sessions_the_file_omits(zc, setup, tmp_path, db):
    path = tmp_path / "setup.toml"
    text = export(zc)
    path.write_text(
        re.sub(r'\n\[\[classes.sessions\]\]\nstart = "2099-07[^\n]*\n[^\n]*\n', "\n", text), encoding="utf-8"
    )
    result = zc("apply", str(path), "--prune", "--yes", "--json")
    assert result.exit_code == 0, result.stderr
    assert [c["kind"] for c in result.json()["changes"]] == ["session"]
    assert [r[0] for r in rows(db, "SELECT status FROM class_sessions ORDER BY starts_at")] == [
        "scheduled",
        "cancelled",
    ]


def test_prune_refuses_what_has_future_bookings(zc, setup, tmp_path, db, client_id, fails_cleanly):
    add_booking(db, provider_id=1, client_id=client_id, service_id=1, starts_at=FUTURE)
    path = tmp_path / "setup.toml"
    path.write_text(export(zc).replace('name = "Private lesson"', 'name = "Other"'), encoding="utf-8")
    result = fails_cleanly(ExitCode.CONFLICT, "apply", str(path), "--prune", "--yes")
    assert "cannot prune service 'Private lesson'" in result.stderr


def test_a_failure_while_applying_writes_nothing(zc, setup, tmp_path, db):
    """A new session at a time its provider is busy is refused by the calendar check mid-apply."""
    path = tmp_path / "setup.toml"
    busy = '\n[[classes.sessions]]\nstart = "2099-03-01T09:15:00+01:00"\nprovider = "Dana Smith"\n'
    text = export(zc).replace("duration = 60", "duration = 90") + busy
    path.write_text(text, encoding="utf-8")
    before = dump(db)
    result = zc("apply", str(path))
    assert result.exit_code == ExitCode.CONFLICT, result.stderr
    assert "setup.toml: session" in result.stderr
    assert dump(db) == before


def test_a_mapping_is_not_checked_when_not_connected(zc, setup, tmp_path, db):
    path = tmp_path / "setup.toml"
    text = export(zc).replace('name = "Alex Kim"', 'name = "Alex Kim"\nzoom_user = "alex@example.com"')
    path.write_text(text, encoding="utf-8")
    result = zc("apply", str(path), "--json")
    assert result.exit_code == 0, result.stderr
    assert result.json()["zoom_users"] == "skipped: acme-yoga is not connected to Zoom"
    assert rows(db, "SELECT zoom_user_email, zoom_user_id FROM providers WHERE name = 'Alex Kim'")[0][:] == (
        "alex@example.com",
        None,
    )
    assert 'zoom_user = "alex@example.com"' in export(zc)


def test_a_missing_file(zc, company, fails_cleanly, tmp_path):
    result = fails_cleanly(ExitCode.NOT_FOUND, "apply", str(tmp_path / "nope.toml"))
    assert "nope.toml" in result.stderr


def test_export_to_a_file(zc, setup, tmp_path):
    target = tmp_path / "out.toml"
    result = zc("export", "--output", str(target))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert target.read_text(encoding="utf-8") == export(zc)


def test_the_corpus_is_big_enough():
    assert len(CORPUS) >= 30


def refused(zc, db, *args: str) -> list[str]:
    """Run an apply that must be refused as invalid: its `error:` lines (one per problem, then
    one `fix:` line), nothing on stdout, nothing written."""
    before = dump(db)
    result = zc(*args)
    assert result.exit_code == ExitCode.INVALID_INPUT, (result.exit_code, result.stderr)
    assert result.stdout == "" and "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert lines and lines[-1].startswith("  fix: ") and "nothing was applied" in lines[-1], result.stderr
    assert all(x.startswith("error: ") for x in lines[:-1]), result.stderr
    assert dump(db) == before, "a refused file changed the workspace"
    return lines[:-1]


@pytest.mark.parametrize("case", CORPUS, ids=lambda p: p.stem)
def test_bad_setup_file(zc, setup, case, db, tmp_path):
    expect, line = (m.split(":", 1)[1].strip() for m in case.read_text(encoding="utf-8").splitlines()[:2])
    target = tmp_path / "setup.toml"
    target.write_text(case.read_text(encoding="utf-8"), encoding="utf-8")
    errors = refused(zc, db, "apply", str(target))
    where = f"{target}:{line}: " if line != "-" else f"{target}: "
    assert errors[0].startswith(f"error: {where}") and expect in errors[0], errors


def test_every_problem_of_a_file_is_named_in_file_order(zc, setup, db, tmp_path):
    target = tmp_path / "setup.toml"
    text = export(zc).replace('timezone = "Europe/Berlin"', 'timezone = "Mars/Olympus"')
    text = text.replace("duration = 60", "duration = -1").replace("capacity = 12", 'capacity = "many"')
    target.write_text(text, encoding="utf-8")
    errors = refused(zc, db, "apply", str(target))
    assert len(errors) == 3
    assert "Mars/Olympus" in errors[0] and "'duration'" in errors[1] and "'capacity'" in errors[2]
    numbers = [int(e.removeprefix(f"error: {target}:").split(":")[0]) for e in errors]
    assert numbers == sorted(numbers)


def test_apply_as_a_process(zoomctl_exe, tmp_path, isolated):
    """The installed command: export from one workspace, apply into another, same file back."""
    text = (Path(__file__).parent / "setup_corpus" / "session-duplicate.toml").read_text(encoding="utf-8")
    good = "\n".join(text.splitlines()[2:]).split('\n\n[[classes.sessions]]\nstart = "2099-03-01T08')[0] + "\n"
    (tmp_path / "in.toml").write_text(good, encoding="utf-8")

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([zoomctl_exe, *args], capture_output=True, text=True, timeout=60)

    applied = run("--db", str(tmp_path / "a.db"), "apply", str(tmp_path / "in.toml"))
    assert applied.returncode == 0, applied.stderr
    first = run("--db", str(tmp_path / "a.db"), "--company", "acme-yoga", "export")
    assert first.returncode == 0, first.stderr
    (tmp_path / "out.toml").write_text(first.stdout, encoding="utf-8")
    run("--db", str(tmp_path / "b.db"), "apply", str(tmp_path / "out.toml"))
    second = run("--db", str(tmp_path / "b.db"), "export", "--company", "acme-yoga")
    assert second.stdout == first.stdout
    drift = run("--db", str(tmp_path / "b.db"), "apply", str(tmp_path / "in.toml"), "--dry-run", "--detailed-exitcode")
    assert drift.returncode == 0, drift.stdout + drift.stderr


@pytest.fixture
def connected(monkeypatch):
    """The CLI talks to a sandbox with its Server-to-Server app (credentials in the environment)."""
    from zoomctl.sandbox import Sandbox, SandboxOptions

    with Sandbox(SandboxOptions(users=3)) as sb:
        app = sb.apps["s2s"]
        for name, value in {
            "ZOOMCTL_ZOOM_OAUTH_URL": sb.oauth_base_url,
            "ZOOMCTL_ZOOM_API_URL": sb.api_base_url,
            "ZOOMCTL_ZOOM_ACCOUNT_ID": app["account_id"],
            "ZOOMCTL_ZOOM_CLIENT_ID": app["client_id"],
            "ZOOMCTL_ZOOM_CLIENT_SECRET": app["client_secret"],
        }.items():
            monkeypatch.setenv(name, value)
        with sb.world.lock:
            users = [dict(u) for u in sb.world.users.values() if u["status"] == "active" and u["type"] == 2]
        yield users


def test_mappings_are_checked_with_zoom_when_connected(zc, setup, tmp_path, db, connected):
    user = connected[0]
    path = tmp_path / "setup.toml"
    text = export(zc).replace('name = "Alex Kim"', f'name = "Alex Kim"\nzoom_user = "{user["email"].upper()}"')
    path.write_text(text, encoding="utf-8")
    result = zc("apply", str(path), "--json")
    assert result.exit_code == 0, result.stderr
    assert result.json()["zoom_users"] == "checked 1 Zoom user(s)"
    assert tuple(rows(db, "SELECT zoom_user_id, zoom_user_type FROM providers WHERE name = 'Alex Kim'")[0]) == (
        user["id"],
        2,
    )
    assert zc("apply", str(path), "--dry-run", "--detailed-exitcode").exit_code == 0


def test_an_unknown_zoom_user_is_refused_and_nothing_is_written(zc, setup, tmp_path, connected, fails_cleanly):
    path = tmp_path / "setup.toml"
    text = export(zc).replace('name = "Alex Kim"', 'name = "Alex Kim"\nzoom_user = "nobody@example.com"')
    path.write_text(text.replace("duration = 60", "duration = 90"), encoding="utf-8")
    result = fails_cleanly(ExitCode.CONFLICT, "apply", str(path))
    assert "no active Zoom user nobody@example.com" in result.stderr


@pytest.fixture
def overrides(zc, setup):
    """Template overrides at every level: the company's, a service's, a provider's, both; e-mail and SMS."""
    for kind, flags, text in (
        ("client-confirmation", ("--subject", "Booked: [service]"), "Hello [client_name],\nsee you."),
        ("client-confirmation", ("--subject", "Lesson", "--service", "Private lesson"), "Join [online_meeting_link]"),
        ("client-reminder", ("--channel", "sms", "--provider", "Dana"), "Soon: [online_meeting_link]"),
        (
            "client-reminder",
            ("--channel", "sms", "--provider", "Alex", "--service", "Private lesson"),
            "Alex: [client_name]",
        ),
    ):
        result = zc("templates", "set", kind, "-", *flags, input=text)
        assert result.exit_code == 0, result.stderr
    return setup


def test_export_writes_every_override_in_a_stable_order(zc, overrides):
    text = export(zc)
    blocks = text.split("\n[[templates]]\n")[1:]
    assert len(blocks) == 4
    assert blocks[0].startswith('kind = "client-confirmation"\nchannel = "email"\nsubject = "Booked: [service]"')
    assert 'body = """\nHello [client_name],\nsee you."""' in blocks[0]  # a template's lines as lines
    assert 'service = "Private lesson"' in blocks[1] and "provider" not in blocks[1]
    # a level without a service (or provider) comes before those with one
    assert blocks[2].startswith('kind = "client-reminder"\nchannel = "sms"\nprovider = "Dana Smith"\n')
    assert blocks[3].startswith('kind = "client-reminder"\nchannel = "sms"\nservice = "Private lesson"\n')
    assert 'provider = "Alex Kim"' in blocks[3] and "subject" not in blocks[3]


def test_round_trip_with_overrides_is_byte_for_byte(zc, overrides, tmp_path):
    first = export(zc)
    (tmp_path / "setup.toml").write_text(first, encoding="utf-8")
    other = tmp_path / "other.db"
    result = zc("--db", str(other), "apply", str(tmp_path / "setup.toml"), "--json")
    assert result.exit_code == 0, result.stderr
    assert [c["kind"] for c in result.json()["changes"]].count("template") == 4
    assert export(zc, "--db", str(other), "--company", "acme-yoga") == first
    again = zc("--db", str(other), "apply", str(tmp_path / "setup.toml"), "--dry-run", "--detailed-exitcode")
    assert again.exit_code == ExitCode.OK, again.stdout + again.stderr


def test_overrides_are_created_updated_and_idempotent(zc, setup, tmp_path, db):
    path = tmp_path / "setup.toml"
    body = '\n[[templates]]\nkind = "provider-confirmation"\nchannel = "sms"\nprovider = "dana smith"\nbody = "{}"\n'
    path.write_text(export(zc) + body.format("New: [client_name]"), encoding="utf-8")
    created = zc("apply", str(path), "--json")
    assert created.exit_code == 0, created.stderr
    assert created.json()["changes"] == [
        {
            "action": "create",
            "kind": "template",
            "name": "provider-confirmation sms for provider 'Dana Smith'",
            "changes": {"body": [None, "New: [client_name]"]},
        }
    ]
    shown = zc("templates", "show", "provider-confirmation", "--channel", "sms", "--provider", "Dana", "--json")
    assert shown.json()["body"] == "New: [client_name]" and shown.json()["source"] == "provider"
    before = dump(db)
    assert zc("apply", str(path), "--json").json()["changes"] == []
    assert dump(db) == before
    path.write_text(export(zc).replace("New: [client_name]", "Changed: [client_name]"), encoding="utf-8")
    drift = zc("apply", str(path), "--dry-run", "--detailed-exitcode", "--json")
    assert drift.exit_code == ExitCode.CHANGES_PENDING
    assert drift.json()["changes"][0]["changes"] == {"body": ["New: [client_name]", "Changed: [client_name]"]}
    assert dump(db) == before
    assert zc("apply", str(path)).exit_code == 0
    assert "Changed: [client_name]" in export(zc)


def test_prune_deletes_an_override_the_file_omits(zc, overrides, tmp_path, db):
    path = tmp_path / "setup.toml"
    text = export(zc)
    kept, dropped = text.rsplit("\n[[templates]]\n", 1)
    assert 'provider = "Alex Kim"' in dropped
    path.write_text(kept, encoding="utf-8")
    assert zc("apply", str(path), "--dry-run", "--detailed-exitcode").exit_code == ExitCode.OK  # not without --prune
    result = zc("apply", str(path), "--prune", "--yes", "--json")
    assert result.exit_code == 0, result.stderr
    assert result.json()["changes"] == [
        {
            "action": "delete",
            "kind": "template",
            "name": "client-reminder sms for service 'Private lesson' with provider 'Alex Kim'",
            "changes": {},
        }
    ]
    assert export(zc) == kept
    assert rows(db, "SELECT COUNT(*) FROM template_overrides")[0][0] == 3


def test_an_override_may_name_a_service_only_in_the_workspace(zc, setup, tmp_path, db, fails_cleanly):
    assert zc("services", "add", "Intro call", "--duration", "30").exit_code == 0
    path = tmp_path / "setup.toml"
    text = export(zc).replace('[[services]]\nname = "Intro call"\nduration = 30\nonline = false\nproviders = []\n', "")
    assert "Intro call" not in text
    text += '\n[[templates]]\nkind = "client-reminder"\nchannel = "sms"\nservice = "Intro call"\nbody = "Hi"\n'
    path.write_text(text, encoding="utf-8")
    result = zc("apply", str(path), "--json")
    assert result.exit_code == 0, result.stderr
    assert result.json()["changes"][0]["name"] == "client-reminder sms for service 'Intro call'"
    # pruning would remove the service, so then the file must name it
    before = dump(db)
    refused_ = fails_cleanly(ExitCode.INVALID_INPUT, "apply", str(path), "--prune", "--yes")
    line = text.splitlines().index('service = "Intro call"') + 1
    assert f"{path}:{line}: [[templates]] #1 'client-reminder': 'service': no service 'Intro call' in the file" in (
        refused_.stderr
    )
    assert dump(db) == before


def test_the_override_of_a_removed_service_is_not_exported(zc, overrides):
    assert zc("services", "remove", "Private lesson").exit_code == 0
    text = export(zc)
    assert text.count("[[templates]]") == 2 and "Private lesson" not in text


@pytest.mark.parametrize(
    "body",
    [
        "Hi [client_name],\nyour link: [online_meeting_link]\n",
        'three quotes """ inside,\nand a backslash \\ too',
        "Windows lines\r\nkept as they are\r\n",
        "\ttabbed\n\n\nblank lines",
    ],
    ids=["lines", "quotes", "crlf", "tabs"],
)
def test_a_template_body_round_trips_exactly(zc, setup, tmp_path, body):
    result = zc("templates", "set", "client-reminder", "-", "--channel", "sms", input=body)
    assert result.exit_code == 0, result.stderr
    first = export(zc)
    assert ('body = """' in first) is ("\r" not in body)  # its lines as lines, where TOML keeps them exactly
    (tmp_path / "setup.toml").write_text(first, encoding="utf-8", newline="")
    other = tmp_path / "other.db"
    applied = zc("--db", str(other), "apply", str(tmp_path / "setup.toml"), "--json")
    assert applied.exit_code == 0, applied.stderr
    assert export(zc, "--db", str(other), "--company", "acme-yoga") == first
    shown = zc(
        "--db",
        str(other),
        "--company",
        "acme-yoga",
        "templates",
        "show",
        "client-reminder",
        "--channel",
        "sms",
        "--json",
    )
    assert (
        shown.json()["body"] == zc("templates", "show", "client-reminder", "--channel", "sms", "--json").json()["body"]
    )
