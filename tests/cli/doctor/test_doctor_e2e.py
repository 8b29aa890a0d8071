"""`zoomctl doctor` end to end: the installed zoomctl against the sandbox over loopback. Every check is
driven into its failing state through the sandbox (its admin endpoint: events, faults, clock) or the
workspace, and back to ok by running the fix the doctor printed."""

from __future__ import annotations

import json
import re

import pytest
from support import default_db, execute, rows

from zoomctl.exit_codes import ExitCode

from ..auth.authkit import FILE, Browser, member
from .conftest import admin, book, s2s_login

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]

CHECK_IDS = [
    "feature",
    "connection",
    "token-storage",
    "token-live",
    "reconnect",
    "scopes",
    "zoom-users",
    "licenses",
    "unmapped-providers",
    "nothing-online",
    "meetings-pending",
    "meetings-missing",
    "zoom-events",
    "daily-limit",
    "clock-skew",
]
ZOOM_NEEDED = {"token-live", "reconnect", "scopes", "zoom-users", "licenses", "meetings-missing", "clock-skew"}


def doctor(zx, *extra: str):
    """`zoomctl doctor --json …`: (exit code, {id: check}, the whole answer)."""
    run = zx("doctor", "--json", *extra)
    answer = json.loads(run.stdout)
    return run.exit_code, {c["id"]: c for c in answer["checks"]}, answer


def status(zx, check_id: str, *extra: str) -> str:
    return doctor(zx, *extra)[1][check_id]["status"]


# ------------------------------------------------------------------------------ the whole picture
def test_a_healthy_setup_passes_every_check(zx, studio):
    code, checks, answer = doctor(zx)
    assert set(answer) == {"ok", "company", "checks"}
    assert answer["company"] == "acme-yoga"
    assert [c["id"] for c in answer["checks"]] == CHECK_IDS
    for check in answer["checks"]:
        assert set(check) == {"id", "title", "status", "detail", "fix"}
        assert isinstance(check["title"], str) and check["title"] and isinstance(check["detail"], str)
    # the tokens are in the 0600 file (no keyring in these processes): the one warning
    assert checks["token-storage"]["status"] == "warn" and "zoomctl auth login" in checks["token-storage"]["fix"]
    assert {i: c["status"] for i, c in checks.items() if i != "token-storage"} == dict.fromkeys(
        [i for i in CHECK_IDS if i != "token-storage"], "ok"
    )
    assert code == ExitCode.OK and answer["ok"] is True
    assert "2 upcoming meeting(s)" in checks["meetings-missing"]["detail"]
    assert "classic" in checks["scopes"]["detail"] and "add registrants" in checks["scopes"]["detail"]
    # a warning fails only with --strict, which keeps the shape
    strict_code, _, strict = doctor(zx, "--strict")
    assert strict_code == ExitCode.DOCTOR_FAILED and strict["ok"] is False


def test_text_output_one_line_per_check_and_the_fix_under_it(zx, studio):
    run = zx("doctor")
    assert run.exit_code == ExitCode.OK, run.stderr
    lines = run.stdout.splitlines()
    assert re.match(r"^zoomctl \S+ · Python \d+\.\d+\.\d+ · .+ · keyring: .+$", lines[0])
    assert lines[1] == "company: acme-yoga"
    marks = [line.split()[0] for line in lines[2:] if not line.startswith(" ")][:-1]
    assert marks.count("ok") == 14 and marks.count("warn") == 1 and len(marks) == len(CHECK_IDS)
    warn = next(i for i, line in enumerate(lines) if line.startswith("warn "))
    assert lines[warn + 1].startswith("     fix: zoomctl auth logout")
    assert lines[-1] == "1 warn, 14 ok"
    assert "✓" not in run.stdout  # no terminal: plain words


def test_the_output_never_holds_a_token_or_secret(zx, studio, sb, isolated):
    # the workspace holds real links (a registrant's tk= link), the token file a live access token
    links = [r[0] for r in rows(default_db(isolated), "SELECT join_url FROM registrants WHERE join_url IS NOT NULL")]
    assert links and all("tk=" in link for link in links)
    tokens = json.loads((isolated / "config" / "tokens-insecure.json").read_text())
    secrets = {sb.apps["s2s"]["client_secret"]}
    for entry in tokens.get("tokens", {}).values():
        secrets |= {v for v in entry.values() if isinstance(v, str) and len(v) > 20}
    assert len(secrets) >= 2
    for extra in ((), ("--json",), ("--deep", "--strict")):
        run = zx("doctor", *extra)
        out = run.stdout + run.stderr
        assert "tk=" not in out and "zak=" not in out and "start_url" not in out
        assert not [s for s in secrets if s in out]


# ------------------------------------------------------------------------------ without Zoom
def test_without_a_connection_the_zoom_checks_skip_and_the_rest_run(zx, sb):
    zx("company", "create", "Beta", "--timezone", "UTC", "--use").ok()
    zx("feature", "enable").ok()
    code, checks, answer = doctor(zx)
    assert code == ExitCode.DOCTOR_FAILED and answer["ok"] is False
    assert checks["connection"]["status"] == "fail" and checks["connection"]["fix"] == "zoomctl auth login"
    for check_id in ZOOM_NEEDED:
        assert checks[check_id]["status"] == "skip" and checks[check_id]["detail"] == "no Zoom connection"
    assert checks["nothing-online"]["status"] == "warn"  # the workspace's checks still ran
    assert checks["daily-limit"]["status"] == "ok"
    s2s_login(zx, sb)  # the fix
    code, checks, _ = doctor(zx)
    assert checks["connection"]["status"] == "ok" and checks["token-live"]["status"] == "ok"
    assert code == ExitCode.OK


def test_with_zoom_unreachable_the_zoom_checks_skip(zx, studio, sb):
    sb.stop()
    code, checks, _ = doctor(zx)
    for check_id in ZOOM_NEEDED:
        assert checks[check_id]["status"] == "skip", checks[check_id]
        assert checks[check_id]["detail"].startswith("Zoom could not be reached")
    assert checks["connection"]["status"] == "ok" and checks["meetings-pending"]["status"] == "ok"
    assert code == ExitCode.OK  # nothing failed: skipped is not failed


def test_with_zoom_failing_every_answer_the_zoom_checks_skip(zx, studio, sb):
    """A 5xx on every try says nothing of the token: the checks skip, the doctor does not fail."""
    sb.faults.add_spec("users:*:status=503")
    code, checks, _ = doctor(zx)
    for check_id in ZOOM_NEEDED:
        assert checks[check_id]["status"] == "skip", checks[check_id]
        assert checks[check_id]["detail"].startswith("Zoom did not answer")
    assert code == ExitCode.OK


# ------------------------------------------------------------------------------ each check, broken and fixed
def test_feature_off_fails_and_its_fix_works(zx, studio):
    zx("feature", "disable").ok()
    code, checks, _ = doctor(zx)
    assert code == ExitCode.DOCTOR_FAILED
    assert checks["feature"]["status"] == "fail" and checks["nothing-online"]["status"] == "skip"
    zx(*checks["feature"]["fix"].split()[1:]).ok()
    assert status(zx, "feature") == "ok"


def test_nothing_online_warns(zx, studio):
    zx("services", "online", "Private lesson", "--off").ok()
    zx("classes", "online", "Morning yoga", "--off").ok()
    code, checks, _ = doctor(zx)
    assert checks["nothing-online"]["status"] == "warn" and "services online" in checks["nothing-online"]["fix"]
    assert code == ExitCode.OK  # a warning
    zx("services", "online", "Private lesson", "--on").ok()
    assert status(zx, "nothing-online") == "ok"


def test_an_app_removed_in_zoom_shows_as_needing_a_reconnect(zx, sb, browser):
    zx("company", "create", "Acme Yoga", "--timezone", "Europe/Berlin", "--use").ok()
    zx("feature", "enable").ok()

    def login() -> None:
        proc = zx.login("--client-id", sb.apps["public"]["client_id"], "--public", *FILE)
        browser.login(proc.url(), user=member(sb, index=1))
        proc.finish().ok()

    login()
    assert status(zx, "reconnect") == "ok"
    admin(sb, "events", {"type": "app_uninstalled", "app": "public"})
    code, checks, _ = doctor(zx)
    assert code == ExitCode.DOCTOR_FAILED
    assert checks["token-live"]["status"] == "fail" and checks["reconnect"]["status"] == "fail"
    assert checks["reconnect"]["fix"] == "zoomctl auth login"
    assert checks["scopes"]["status"] == "skip" and "reconnect" in checks["scopes"]["detail"]
    # remembered: the next run says so without asking Zoom
    sb.reset_stats()
    code, checks, _ = doctor(zx)
    assert code == ExitCode.DOCTOR_FAILED and checks["reconnect"]["status"] == "fail"
    assert "needs a reconnect" in checks["reconnect"]["detail"]
    assert checks["token-live"]["status"] == "skip" and sb.stats() == {}
    login()  # the fix: log in again
    assert status(zx, "reconnect") == "ok" and status(zx, "token-live") == "ok"


def test_scopes_missing_fail_and_logging_in_with_them_fixes_it(zx, studio, sb):
    grant_scopes(sb, ["meeting:read:admin", "user:read:admin"])
    s2s_login(zx, sb)  # the new grant has only what the app now asks for
    code, checks, _ = doctor(zx)
    assert code == ExitCode.DOCTOR_FAILED
    scopes = checks["scopes"]
    assert scopes["status"] == "fail" and "create meetings" in scopes["detail"] and "meeting:write" in scopes["detail"]
    assert "list users" not in scopes["detail"]
    assert "zoomctl auth login" in scopes["fix"]
    grant_scopes(sb, ["meeting:read:admin", "meeting:write:admin", "user:read:admin"])
    s2s_login(zx, sb)
    assert status(zx, "scopes") == "ok"


def test_a_zoom_user_deleted_or_deactivated_fails(zx, studio, sb):
    admin(sb, "events", {"type": "user_deactivated", "user": studio.sam["email"]})
    _, checks, _ = doctor(zx)
    assert checks["zoom-users"]["status"] == "fail" and "Sam Lee" in checks["zoom-users"]["detail"]
    admin(sb, "events", {"type": "user_activated", "user": studio.sam["email"]})
    assert status(zx, "zoom-users") == "ok"

    admin(sb, "events", {"type": "user_deleted", "user": studio.sam["email"]})
    code, checks, _ = doctor(zx)
    assert code == ExitCode.DOCTOR_FAILED
    users = checks["zoom-users"]
    assert users["status"] == "fail" and "deleted in Zoom" in users["detail"] and "Sam Lee" in users["detail"]
    assert users["fix"].startswith('zoomctl providers assign "Sam Lee" --zoom-user')
    zx("providers", "assign", "Sam Lee", "--zoom-user", studio.dana["email"]).ok()
    assert status(zx, "zoom-users") == "ok"


def test_a_basic_host_warns_and_fails_for_a_class(zx, studio, sb):
    admin(sb, "events", {"type": "user_downgraded", "user": studio.sam["email"]})  # Sam: the service only
    code, checks, _ = doctor(zx)
    assert checks["licenses"]["status"] == "warn" and "40 minutes" in checks["licenses"]["detail"]
    assert code == ExitCode.OK and doctor(zx, "--strict")[0] == ExitCode.DOCTOR_FAILED
    admin(sb, "events", {"type": "user_downgraded", "user": studio.dana["email"]})  # Dana teaches the class
    code, checks, _ = doctor(zx)
    assert code == ExitCode.DOCTOR_FAILED
    assert checks["licenses"]["status"] == "fail" and "Dana Smith" in checks["licenses"]["detail"]
    for who in (studio.sam, studio.dana):
        admin(sb, "events", {"type": "user_upgraded", "user": who["email"]})
    assert status(zx, "licenses") == "ok"


def test_an_online_provider_without_a_zoom_user_fails(zx, studio):
    zx("providers", "assign", "Sam Lee", "--none").ok()
    code, checks, _ = doctor(zx)
    assert code == ExitCode.DOCTOR_FAILED
    unmapped = checks["unmapped-providers"]
    assert unmapped["status"] == "fail" and "Sam Lee (Private lesson)" in unmapped["detail"]
    zx(
        *unmapped["fix"].split(" (or ")[0].replace('"', "").replace("Sam Lee", "Sam").split()[1:-1], studio.sam["email"]
    ).ok()
    assert status(zx, "unmapped-providers") == "ok"


def test_pending_and_failed_meetings_and_the_sync_that_fixes_them(zx, studio, sb):
    admin(sb, "faults", {"spec": "meetingCreate:*:status=400,code=300,message=Invalid field."})
    booked = book(zx, "Dana", "lou@example.com", "2031-04-01T09:30")
    assert booked.exit_code != 0
    code, checks, _ = doctor(zx)
    pending = checks["meetings-pending"]
    assert code == ExitCode.DOCTOR_FAILED and pending["status"] == "fail" and "1 failed" in pending["detail"]
    assert pending["fix"] == "zoomctl bookings sync --all"
    httpx_delete(sb, "faults")
    zx(*pending["fix"].split()[1:]).ok()
    assert status(zx, "meetings-pending") == "ok"

    admin(sb, "config", {"daily_meeting_limit": 1})  # Dana's one create today used it up: the next waits
    assert book(zx, "Dana", "max@example.com", "2031-04-02T09:30").exit_code == ExitCode.RATE_LIMITED
    code, checks, _ = doctor(zx)
    pending = checks["meetings-pending"]
    assert pending["status"] == "warn" and "1 pending" in pending["detail"] and code == ExitCode.OK
    admin(sb, "config", {"daily_meeting_limit": 100})
    zx(*pending["fix"].split()[1:]).ok()
    assert status(zx, "meetings-pending") == "ok"


def test_a_meeting_zoom_no_longer_has_fails_until_synced(zx, studio, sb):
    meeting_id = studio.booking["meeting"]["zoom_meeting_id"]
    admin(sb, "events", {"type": "meeting_deleted", "meeting_id": meeting_id})
    code, checks, _ = doctor(zx)
    missing = checks["meetings-missing"]
    assert code == ExitCode.DOCTOR_FAILED and missing["status"] == "fail"
    assert f"booking(s) {studio.booking['id']}" in missing["detail"]
    assert missing["fix"] == f"zoomctl bookings sync {studio.booking['id']}"
    zx(*missing["fix"].split()[1:]).ok()
    assert status(zx, "meetings-missing") == "ok"
    assert "all 2" in doctor(zx, "--deep")[1]["meetings-missing"]["detail"]


def test_the_daily_limit_counts_todays_creates_and_updates_per_host(zx, studio, sb, isolated):
    _, checks, _ = doctor(zx)
    # the studio's two bookings made two meetings, one per host
    assert checks["daily-limit"]["status"] == "ok"
    assert f"{studio.sam['email']} 1/100" in checks["daily-limit"]["detail"]
    zx("bookings", "reschedule", str(studio.booking["id"]), "--start", "2031-03-01T11:00").ok()  # an update counts too
    assert f"{studio.sam['email']} 2/100" in doctor(zx)[1]["daily-limit"]["detail"]

    db = default_db(isolated)
    details = json.dumps({"host": studio.dana["email"]})
    execute(
        db,
        "INSERT INTO events (company_id, at, os_user, action, subject, details) VALUES"
        " (1, '2001-01-01T00:00:00Z', 'x', 'meeting.create', '1', ?)",
        (details,),
    )  # long ago: not today
    for _ in range(79):
        execute(
            db,
            "INSERT INTO events (company_id, at, os_user, action, subject, details) VALUES"
            " (1, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), 'x', 'meeting.create', '1', ?)",
            (details,),
        )
    code, checks, _ = doctor(zx)
    assert (
        checks["daily-limit"]["status"] == "warn"
        and f"{studio.dana['email']} 80/100" in checks["daily-limit"]["detail"]
    )
    for _ in range(20):
        execute(
            db,
            "INSERT INTO events (company_id, at, os_user, action, subject, details) VALUES"
            " (1, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), 'x', 'meeting.update', '1', ?)",
            (details,),
        )
    code, checks, _ = doctor(zx)
    assert code == ExitCode.DOCTOR_FAILED and checks["daily-limit"]["status"] == "fail"
    assert "00:00 UTC" in checks["daily-limit"]["fix"]


def test_clock_skew_warns_past_a_minute(zx, studio, sb):
    admin(sb, "clock", {"advance": 30})
    assert status(zx, "clock-skew") == "ok"
    admin(sb, "clock", {"advance": 90})  # Zoom's clock is now 2 minutes ahead of this machine's
    code, checks, _ = doctor(zx)
    skew = checks["clock-skew"]
    assert skew["status"] == "warn" and re.search(r"1[12]\d s behind Zoom", skew["detail"]), skew
    assert code == ExitCode.OK and doctor(zx, "--strict")[0] == ExitCode.DOCTOR_FAILED
    admin(sb, "clock", {"advance": -120})
    assert status(zx, "clock-skew") == "ok"


def grant_scopes(sb, scopes: list[str]) -> None:
    """The Server-to-Server app (and its grant) now hold only ``scopes``, as if changed in the Marketplace."""
    with sb.world.lock:
        sb.world.apps["s2s"]["scopes"] = list(scopes)
        for grant in sb.world.grants.values():
            if grant["app"] == "s2s":
                grant["scopes"] = list(scopes)


@pytest.fixture
def browser():
    b = Browser()
    yield b
    b.close()


def httpx_delete(sb, path: str) -> None:
    import httpx

    assert httpx.delete(f"{sb.base_url}/_sandbox/{path}", trust_env=False, timeout=10).status_code == 200


def test_credentials_from_the_environment(zx, sb):
    zx("company", "create", "Acme Yoga", "--timezone", "Europe/Berlin", "--use").ok()
    zx("feature", "enable").ok()
    app = sb.apps["s2s"]
    env = zx.with_env(
        ZOOMCTL_ZOOM_ACCOUNT_ID=app["account_id"],
        ZOOMCTL_ZOOM_CLIENT_ID=app["client_id"],
        ZOOMCTL_ZOOM_CLIENT_SECRET=app["client_secret"],
    )
    code, checks, _ = doctor(env)
    assert checks["connection"]["status"] == "ok" and "environment" in checks["connection"]["detail"]
    assert checks["token-storage"]["status"] == "ok" and "memory" in checks["token-storage"]["detail"]
    assert checks["token-live"]["status"] == "ok" and checks["scopes"]["status"] == "ok"
    run = env("doctor")
    assert app["client_secret"] not in run.stdout + run.stderr
    assert code == ExitCode.OK  # only the warning that nothing is online
    assert checks["nothing-online"]["status"] == "warn"
