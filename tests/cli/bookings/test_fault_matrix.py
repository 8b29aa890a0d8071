"""The fault matrix: every fault Zoom (or the network) can throw at a call, on each Zoom operation
zoomctl uses, for the commands that use it. One table of operations x faults, not one test per
cell. For each cell: no traceback, a documented exit code, nothing lost (the booking is kept),
no duplicate, and `bookings sync --all` (or a rerun) finishes the job with exactly one meeting
per booking at Zoom and no orphan."""

from __future__ import annotations

import pytest
from support import sandbox_meetings

from zoomctl.exit_codes import ExitCode
from zoomctl.sandbox import SandboxOptions

pytestmark = pytest.mark.timeout(120)

DAILY = "message=You have exceeded the daily rate limit (100) of Meeting Create/Update API requests,code=429"
#: fault name -> the sandbox's effect (read timeouts are covered in tests/zoom with a short client timeout)
FAULTS = {
    "500": "status=500",
    "502": "status=502",
    "503": "status=503",
    "reset-before": "drop=before",
    "reset-after": "drop=after",
    "non-json": "status=500,body=html",
    "429-second": "status=429,retry_after=1",
    "429-daily": f"status=429,{DAILY}",
}
#: the exit codes a failed Zoom call may end with (README: exit codes)
ZOOM_EXITS = {ExitCode.OK, ExitCode.ZOOM_ERROR, ExitCode.RATE_LIMITED, ExitCode.NETWORK}


def book(zc, start="2031-01-10T09:00"):
    return zc(
        "bookings", "create", "--service", "Private lesson", "--provider", "Dana Smith",
        "--client", "pat@example.com", "--start", start, "--json",
    )  # fmt: skip


def booked_ids(zc) -> list[int]:
    listed = zc("bookings", "list", "--json")
    assert listed.exit_code == 0, listed.stderr
    return [b["id"] for b in listed.json() if b["status"] == "booked"]


def converged(zc, sb) -> None:
    """Every booked booking has exactly one meeting at Zoom; no meeting at Zoom lacks a booking."""
    for _ in range(2):  # a run that met a 429 or a daily limit may leave work for one more
        done = zc("bookings", "sync", "--all", "--json")
        assert "Traceback" not in done.stderr
        if done.exit_code == 0:
            break
    assert done.exit_code == 0, done.stderr
    listed = [b for b in zc("bookings", "list", "--json").json() if b["status"] == "booked"]
    ours = [b["meeting"]["zoom_meeting_id"] for b in listed]
    own = [b["meeting"]["zoom_meeting_id"] for b in listed if b["kind"] == "service"]
    assert all(ours) and len(own) == len(set(own))
    at_zoom = sandbox_meetings(sb)
    assert sorted(set(ours)) == sorted(m["id"] for m in at_zoom), "an orphan meeting at Zoom, or a duplicate"
    for meeting in at_zoom:  # a class attendee is registered once
        emails = [r["email"] for r in meeting.get("registrants", [])]
        assert len(emails) == len(set(emails))
    attendees = [b for b in listed if b["kind"] == "class"]
    assert all(b["registrant"]["status"] == "created" for b in attendees)


def create_case(zc, sb, fault):
    sb.faults.add_spec(f"meetingCreate:1:{fault}")
    res = book(zc)
    return res, lambda: booked_ids(zc) == [res.json()["id"]] if res.exit_code == 0 else len(booked_ids(zc)) <= 1


def cancel_case(zc, sb, fault):
    made = book(zc).json()
    sb.faults.add_spec(f"meetingDelete:1:{fault}")
    res = zc("bookings", "cancel", str(made["id"]), "--json")
    if res.exit_code != 0:  # the rerun finishes the job
        again = zc("bookings", "cancel", str(made["id"]), "--json")
        assert again.exit_code in (ExitCode.OK, ExitCode.CONFLICT), again.stderr
    return res, lambda: True


def reschedule_case(zc, sb, fault):
    made = book(zc).json()
    sb.faults.add_spec(f"meetingUpdate:1:{fault}")
    res = zc("bookings", "reschedule", str(made["id"]), "--start", "2031-01-11T09:00", "--json")
    return res, lambda: booked_ids(zc) == [made["id"]]


CLASS = ("bookings", "create", "--class", "Morning yoga", "--start", "2031-03-03T09:30", "--json")


def class_case(zc, sb, fault):
    first = zc(*CLASS, "--client", "a@example.com")
    assert first.exit_code == 0, first.stderr
    sb.faults.add_spec(f"meetingRegistrantCreate:1:{fault}")
    res = zc(*CLASS, "--client", "b@example.com")
    # the first attendee is kept; the second is booked, or (refused whole) not at all
    return res, lambda: len(booked_ids(zc)) == 2 if res.exit_code == 0 else len(booked_ids(zc)) in (1, 2)


def users_case(zc, sb, fault):
    sb.faults.add_spec(f"users:1:{fault}")
    res = zc("zoom", "users", "--json")
    if res.exit_code != 0:
        assert zc("zoom", "users", "--json").exit_code == 0  # a rerun lists them
    return res, lambda: True


#: Zoom operation, the command that uses it (its case)
OPERATIONS = {
    "meetingCreate/bookings-create": create_case,
    "meetingDelete/bookings-cancel": cancel_case,
    "meetingUpdate/bookings-reschedule": reschedule_case,
    "meetingRegistrantCreate/bookings-create-class": class_case,
    "users/zoom-users": users_case,
}
CELLS = [(op, fault) for op in OPERATIONS for fault in FAULTS]


@pytest.fixture
def sandbox_options() -> SandboxOptions:
    return SandboxOptions(users=5)


@pytest.mark.parametrize(("operation", "fault"), CELLS, ids=[f"{o}-{f}" for o, f in CELLS])
def test_fault_matrix(zc, studio, sb, operation, fault):
    res, nothing_lost = OPERATIONS[operation](zc, sb, FAULTS[fault])
    assert [f["fired"] for f in sb.faults.list()] == [1], "the fault never fired: the cell tests nothing"
    assert "Traceback" not in res.stderr, res.stderr
    assert res.exit_code in ZOOM_EXITS, (res.exit_code, res.stderr)
    if res.exit_code != 0:
        lines = res.stderr.splitlines()
        assert any(line.startswith("error: ") for line in lines), res.stderr
    assert nothing_lost()
    sb.faults.clear()
    converged(zc, sb)
