"""The fault matrix: every fault Zoom (or the network) can throw at a call, on each Zoom operation
zoomctl uses, for the commands that use it. One table of operations x faults, not one test per
cell. For each cell: no traceback, a documented exit code, nothing lost (the booking is kept),
no duplicate, and `bookings sync --all` (or a rerun) finishes the job with exactly one meeting
per booking at Zoom and no orphan.

A case sets the scene (``setup``), runs the command under the fault (``act``), then, once the
sandbox has finished the faulted call (a read timeout leaves it running after zoomctl gave up),
checks that nothing was lost and reruns what needs it (``after``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from faults import CLIENT_TIMEOUT, FAULTS, NO_ANSWER, under_fault
from support import s2s_login, sandbox_meetings

from zoomctl.exit_codes import ExitCode
from zoomctl.sandbox import SandboxOptions

pytestmark = pytest.mark.timeout(120)


CLASS = ("bookings", "create", "--class", "Morning yoga", "--start", "2031-03-03T09:30", "--json")


def book(zc, start="2031-01-10T09:00"):
    return zc(
        "bookings", "create", "--service", "Private lesson", "--provider", "Dana Smith",
        "--client", "pat@example.com", "--start", start, "--json",
    )  # fmt: skip


def attend(zc, *clients: str):
    return zc(*CLASS, *(arg for email in clients for arg in ("--client", email)))


def created(res) -> Any:
    assert res.exit_code == 0, res.stderr
    return res.json()


def booked_ids(zc) -> list[int]:
    listed = zc("bookings", "list", "--json")
    assert listed.exit_code == 0, listed.stderr
    return [b["id"] for b in listed.json() if b["status"] == "booked"]


def registrant_status(sb, email: str) -> list[str]:
    return [r["status"] for m in sandbox_meetings(sb) for r in m.get("registrants", []) if r["email"] == email]


def rerun_until_ok(zc, *args: str, ok=(ExitCode.OK,)) -> None:
    """A rerun finishes the job (a second one if the first met the fault's aftermath, e.g. a 429)."""
    for _ in range(2):
        again = zc(*args)
        assert "Traceback" not in again.stderr, again.stderr
        if again.exit_code in ok:
            return
    raise AssertionError((again.exit_code, again.stderr))


def converged(zc, sb, session_kept: bool = False) -> None:
    """Every booked booking has exactly one meeting at Zoom; no meeting at Zoom lacks a booking
    (``session_kept``: but a class session's, which stays while the session does)."""
    rerun_until_ok(zc, "bookings", "sync", "--all", "--json")
    listed = [b for b in zc("bookings", "list", "--json").json() if b["status"] == "booked"]
    ours = [b["meeting"]["zoom_meeting_id"] for b in listed]
    own = [b["meeting"]["zoom_meeting_id"] for b in listed if b["kind"] == "service"]
    assert all(ours) and len(own) == len(set(own))
    at_zoom = sandbox_meetings(sb)
    if session_kept:
        sessions = [m for m in at_zoom if (m.get("agenda") or "").startswith("zoomctl-session:")]
        assert len(sessions) == 1
        ours.append(sessions[0]["id"])
    assert sorted(set(ours)) == sorted(m["id"] for m in at_zoom), "an orphan meeting at Zoom, or a duplicate"
    for meeting in at_zoom:  # a class attendee is registered once
        emails = [r["email"] for r in meeting.get("registrants", [])]
        assert len(emails) == len(set(emails))
    attendees = [b for b in listed if b["kind"] == "class"]
    assert all(b["registrant"]["status"] == "created" for b in attendees)


@dataclass(frozen=True)
class Case:
    """One Zoom operation as one command uses it."""

    operation: str  # the sandbox's name for the Zoom call the fault hits
    setup: Callable[[Any, Any, Any], Any]  # (zc, sb, studio) -> what act and after need
    act: Callable[[Any, Any], Any]  # (zc, scene) -> the command's result
    after: Callable[[Any, Any, Any, Any], None]  # (zc, sb, scene, result): nothing lost; rerun if needed
    #: zoomctl sends the call again after a 5xx or no answer (it is harmless twice: GET, PATCH,
    #: DELETE, PUT, a Server-to-Server token), so the command succeeds
    resends: bool = True
    #: after a lost answer, zoomctl finds at Zoom what the call did (a meeting, by its marker)
    adopts: bool = False
    #: a 429 saying a daily limit is final (the REST API); the OAuth server has no daily limit,
    #: so its 429 is waited for like any other
    daily: bool = True
    #: the command's exit code on a daily limit (`auth status`: 7, its live check did not work)
    daily_exit: ExitCode = ExitCode.RATE_LIMITED
    #: the class session's meeting stays at Zoom with no booking left in it (its session goes on)
    session_kept: bool = False

    def exit_code(self, fault: str) -> ExitCode:
        """The documented exit code (README: exit codes) of this command under ``fault``."""
        if fault == "429-daily" and self.daily:
            return self.daily_exit
        if fault == "429-second" or self.resends:  # waited for, or sent again
            return ExitCode.OK
        if fault not in NO_ANSWER:
            return ExitCode.ZOOM_ERROR  # Zoom said it failed, and it may have done it: not sent again
        return ExitCode.OK if fault == "reset-after" and self.adopts else ExitCode.NETWORK


def nothing(zc, sb, studio):
    return None


def one_booking(zc, sb, studio):
    return created(book(zc))


# --- meetingCreate: a service booking; the booking is kept whatever happens
def create_after(zc, sb, scene, res):
    if res.exit_code == 0:
        assert booked_ids(zc) == [res.json()["id"]]
    else:
        assert len(booked_ids(zc)) <= 1


# --- meetingDelete: cancelling a booking; a rerun of the cancel finishes it
def cancel_after(zc, sb, made, res):
    if res.exit_code != 0:
        rerun_until_ok(zc, "bookings", "cancel", str(made["id"]), "--json", ok=(ExitCode.OK, ExitCode.CONFLICT))
    assert booked_ids(zc) == []


# --- meetingUpdate: rescheduling; the booking keeps its meeting, a sync moves it
def reschedule_after(zc, sb, made, res):
    assert booked_ids(zc) == [made["id"]]


# --- meetingRegistrantCreate: a second attendee of a class whose meeting exists
def second_attendee_after(zc, sb, scene, res):
    # the first attendee is kept; the second is booked, or (refused whole) not at all
    assert len(booked_ids(zc)) == 2 if res.exit_code == 0 else len(booked_ids(zc)) in (1, 2)


# --- addBatchRegistrants: two attendees booked at once into a class
def batch_after(zc, sb, scene, res):
    assert len(booked_ids(zc)) in ((2,) if res.exit_code == 0 else (0, 2))


# --- meetingRegistrantStatus: cancelling a class attendee; a rerun cancels them at Zoom too
def class_cancel_setup(zc, sb, studio):
    kept = created(attend(zc, "a@example.com"))
    gone = created(attend(zc, "b@example.com"))
    return kept, gone


def class_cancel_after(zc, sb, scene, res):
    kept, gone = scene
    if res.exit_code != 0:
        rerun_until_ok(zc, "bookings", "cancel", str(gone["id"]), "--json", ok=(ExitCode.OK, ExitCode.CONFLICT))
    assert booked_ids(zc) == [kept["id"]]
    assert registrant_status(sb, "b@example.com") == ["denied"], "the cancelled attendee still has a place at Zoom"
    assert registrant_status(sb, "a@example.com") == ["approved"]


# --- meeting (GET): the provider's fresh start link, and a sync that checks a meeting is there
def open_after(zc, sb, made, res):
    if res.exit_code != 0:
        rerun_until_ok(zc, "bookings", "open", str(made["id"]), "--as", "provider", "--print")
    assert booked_ids(zc) == [made["id"]]


def sync_one_after(zc, sb, made, res):
    if res.exit_code != 0:
        rerun_until_ok(zc, "bookings", "sync", str(made["id"]), "--json")
    assert booked_ids(zc) == [made["id"]]


# --- meetings (list): a sync adopting a meeting whose create was never answered
def unanswered_setup(zc, sb, studio):
    sb.faults.add_spec("meetingCreate:1:drop=after;meetings:*:status=400")  # made at Zoom, not found at once
    res = book(zc)
    assert res.exit_code == ExitCode.NETWORK, res.stderr
    sb.faults.clear()
    assert len(sandbox_meetings(sb)) == 1
    return booked_ids(zc)


def adopt_after(zc, sb, ids, res):
    assert booked_ids(zc) == ids


# --- users (list) and user (GET): who hosts; a rerun lists or maps them
def users_after(zc, sb, scene, res):
    if res.exit_code != 0:
        rerun_until_ok(zc, "zoom", "users", "--json")


def assign_after(zc, sb, studio_sam, res):
    if res.exit_code != 0:
        rerun_until_ok(zc, "providers", "assign", "Sam Lee", "--zoom-user", studio_sam, "--json")
    shown = zc("providers", "show", "Sam Lee", "--json")
    assert shown.exit_code == 0 and shown.json()["zoom_user_email"] == studio_sam, shown.stdout


# --- the same operations through the other commands that make them
def bulk_after(zc, sb, scene, res):
    """Three test bookings at once, the first create hit: all three are kept whatever happens."""
    listed = zc("bookings", "list", "--test", "--json")
    assert listed.exit_code == 0 and len(listed.json()) == 3, listed.stdout


def failed_create_setup(zc, sb, studio):
    """A booking whose meeting Zoom refused (a 400: not sent again): `bookings sync` retries it."""
    sb.faults.add_spec("meetingCreate:1:status=400,code=300,message=Refused")
    res = book(zc)
    assert res.exit_code == ExitCode.ZOOM_ERROR, res.stderr
    sb.faults.clear()
    assert sandbox_meetings(sb) == []
    return booked_ids(zc)


def purge_setup(zc, sb, studio):
    made = zc("bookings", "create", "--test", "--count", "2", "--service", "Private lesson", "--json")
    assert made.exit_code == 0, made.stderr
    return made.json()


def purge_after(zc, sb, scene, res):
    """Every test booking is gone, with nothing left of it at Zoom: no meeting of its own, no
    place in a class (whose session's meeting stays); a rerun of the purge finishes the job."""
    if res.exit_code != 0:
        rerun_until_ok(zc, "bookings", "purge", "--test", "--yes", "--json")
    assert zc("bookings", "list", "--test", "--json").json() == []
    at_zoom = sandbox_meetings(sb)
    assert all((m.get("agenda") or "").startswith("zoomctl-session:") for m in at_zoom)
    assert all(r["status"] == "denied" for m in at_zoom for r in m.get("registrants", []))


def session_setup(zc, sb, studio):
    return created(attend(zc, "a@example.com", "b@example.com"))


def session_cancel_after(zc, sb, scene, res):
    """The session and its bookings are cancelled (or, refused whole, kept); a rerun finishes it."""
    if res.exit_code != 0:
        rerun_until_ok(zc, "classes", "sessions", "cancel", "1", "--json", ok=(ExitCode.OK, ExitCode.CONFLICT))
    assert booked_ids(zc) == []
    assert sandbox_meetings(sb) == []


def class_reschedule_after(zc, sb, scene, res):
    assert len(booked_ids(zc)) == 2  # both attendees keep their booking and their link


def remove_after(zc, sb, made, res):
    """Refused, or done; a rerun removes the provider and their booking, and Zoom keeps no meeting."""
    if res.exit_code != 0:
        rerun_until_ok(
            zc, "providers", "remove", "Dana Smith", "--force", "--json", ok=(ExitCode.OK, ExitCode.NOT_FOUND)
        )
    assert booked_ids(zc) == []
    assert sandbox_meetings(sb) == []


def stored_login_setup(zc, sb, studio):
    """A stored Server-to-Server connection in place of the environment's (logout forgets stored ones)."""
    import os

    for name in ("ZOOMCTL_ZOOM_ACCOUNT_ID", "ZOOMCTL_ZOOM_CLIENT_ID", "ZOOMCTL_ZOOM_CLIENT_SECRET"):
        os.environ.pop(name)  # set by the s2s_env fixture's monkeypatch, which restores them afterwards
    s2s_login(zc, sb)
    return created(book(zc))


def logout_after(zc, sb, made, res):
    """Refused whole (still connected, a rerun finishes it) or done; then a new login and a sync
    give the booking a meeting again."""
    if res.exit_code != 0:
        rerun_until_ok(zc, "auth", "logout", "--delete-future-meetings", "--yes", "--json")
    assert sandbox_meetings(sb) == []
    assert zc("auth", "status", "--offline").exit_code == ExitCode.AUTH_REQUIRED
    s2s_login(zc, sb)
    assert booked_ids(zc) == [made["id"]]


def failed_registration_setup(zc, sb, studio):
    """A second attendee whose registration Zoom refused (a 400): `bookings sync ID` registers them."""
    created(attend(zc, "a@example.com"))
    sb.faults.add_spec("meetingRegistrantCreate:1:status=400,code=300,message=Refused")
    res = attend(zc, "b@example.com")
    assert res.exit_code == ExitCode.ZOOM_ERROR, res.stderr
    sb.faults.clear()
    assert registrant_status(sb, "b@example.com") == []
    return max(booked_ids(zc))


def register_after(zc, sb, booking_id, res):
    if res.exit_code != 0:
        rerun_until_ok(zc, "bookings", "sync", str(booking_id), "--json")
    assert registrant_status(sb, "b@example.com") == ["approved"]


def class_test_bookings_setup(zc, sb, studio):
    res = zc(*CLASS, "--client", "a@example.com", "--client", "b@example.com", "--test")
    assert res.exit_code == 0, res.stderr
    return res.json()


def unmapped_setup(zc, sb, studio):
    """Sam Lee without a Zoom user: `providers assign --all --by-email` lists Zoom's users to find his."""
    res = zc("providers", "assign", "Sam Lee", "--none", "--json")
    assert res.exit_code == 0, res.stderr
    return studio.sam["email"]


def assign_all_after(zc, sb, email, res):
    if res.exit_code != 0:
        rerun_until_ok(zc, "providers", "assign", "--all", "--by-email", "--json")
    shown = zc("providers", "show", "Sam Lee", "--json")
    assert shown.exit_code == 0 and shown.json()["zoom_user_email"] == email, shown.stdout


def status_after(zc, sb, scene, res):
    """The live check's result is in the JSON either way; the next status is connected."""
    assert res.json()["live_check"]["ok"] is (res.exit_code == 0), res.stdout
    rerun_until_ok(zc, "auth", "status", "--json")


def setup_file_setup(zc, sb, studio):
    """The studio's own setup file: `apply` checks its three mapped Zoom users with Zoom."""
    import tempfile
    from pathlib import Path

    exported = zc("export")
    assert exported.exit_code == 0, exported.stderr
    path = Path(tempfile.mkdtemp()) / "setup.toml"
    path.write_text(exported.stdout)
    return path


def apply_after(zc, sb, path, res):
    """Refused whole or applied whole; a rerun applies it; every provider keeps their Zoom user."""
    if res.exit_code != 0:
        rerun_until_ok(zc, "apply", str(path), "--json")
    listed = zc("providers", "list", "--json")
    assert listed.exit_code == 0 and all(p["zoom_user_id"] for p in listed.json()), listed.stdout


def doctor_after(zc, sb, made, res):
    """The doctor reports, it does not fail: a passing fault is a skip or a warning, never a failed check."""
    assert [c["id"] for c in res.json()["checks"] if c["status"] == "fail"] == [], res.stdout
    again = zc("doctor", "--json")
    assert again.exit_code == 0, again.stdout
    assert {c["status"] for c in again.json()["checks"]} <= {"ok", "warn"}  # Lee Basic's license warns


#: Zoom operation / the command that uses it -> its case (the Server-to-Server token is asked for by
#: the first Zoom call of a command, here a booking's meeting create)
CASES = {
    "meetingCreate/bookings-create": Case(
        "meetingCreate", nothing, lambda zc, s: book(zc), create_after, resends=False, adopts=True
    ),
    "meetingDelete/bookings-cancel": Case(
        "meetingDelete",
        one_booking,
        lambda zc, made: zc("bookings", "cancel", str(made["id"]), "--json"),
        cancel_after,
    ),
    "meetingUpdate/bookings-reschedule": Case(
        "meetingUpdate",
        one_booking,
        lambda zc, made: zc("bookings", "reschedule", str(made["id"]), "--start", "2031-01-11T09:00", "--json"),
        reschedule_after,
    ),
    "meetingRegistrantCreate/bookings-create-class": Case(
        "meetingRegistrantCreate",
        lambda zc, sb, studio: created(attend(zc, "a@example.com")),
        lambda zc, s: attend(zc, "b@example.com"),
        second_attendee_after,
        resends=False,
    ),
    "addBatchRegistrants/bookings-create-class": Case(
        "addBatchRegistrants",
        nothing,
        lambda zc, s: attend(zc, "a@example.com", "b@example.com"),
        batch_after,
        resends=False,
    ),
    "meetingRegistrantStatus/bookings-cancel-class": Case(
        "meetingRegistrantStatus",
        class_cancel_setup,
        lambda zc, scene: zc("bookings", "cancel", str(scene[1]["id"]), "--json"),
        class_cancel_after,
    ),
    "meeting/bookings-open": Case(
        "meeting",
        one_booking,
        lambda zc, made: zc("bookings", "open", str(made["id"]), "--as", "provider", "--print"),
        open_after,
    ),
    "meeting/bookings-sync": Case(
        "meeting",
        one_booking,
        lambda zc, made: zc("bookings", "sync", str(made["id"]), "--json"),
        sync_one_after,
    ),
    "meetings/bookings-sync-all": Case(
        "meetings", unanswered_setup, lambda zc, ids: zc("bookings", "sync", "--all", "--json"), adopt_after
    ),
    "users/zoom-users": Case("users", nothing, lambda zc, s: zc("zoom", "users", "--json"), users_after),
    "user/providers-assign": Case(
        "user",
        lambda zc, sb, studio: studio.sam["email"],
        lambda zc, email: zc("providers", "assign", "Sam Lee", "--zoom-user", email, "--json"),
        assign_after,
    ),
    "meetingCreate/bookings-create-test": Case(
        "meetingCreate",
        nothing,
        lambda zc, s: zc("bookings", "create", "--test", "--count", "3", "--service", "Private lesson", "--json"),
        bulk_after,
        resends=False,
        adopts=True,
    ),
    "meetingCreate/bookings-sync-all": Case(
        "meetingCreate",
        failed_create_setup,
        lambda zc, ids: zc("bookings", "sync", "--all", "--json"),
        adopt_after,
        resends=False,
        adopts=True,
    ),
    "meetingDelete/bookings-purge": Case(
        "meetingDelete", purge_setup, lambda zc, s: zc("bookings", "purge", "--test", "--yes", "--json"), purge_after
    ),
    "meetingDelete/classes-sessions-cancel": Case(
        "meetingDelete",
        session_setup,
        lambda zc, s: zc("classes", "sessions", "cancel", "1", "--json"),
        session_cancel_after,
    ),
    "meetingUpdate/bookings-reschedule-class": Case(
        "meetingUpdate",
        session_setup,
        lambda zc, made: zc("bookings", "reschedule", str(made[0]["id"]), "--start", "2031-03-04T09:30", "--json"),
        class_reschedule_after,
    ),
    # the doctor's live check (a Server-to-Server token lists one user), its mapped users, its upcoming meetings;
    # a daily limit makes it skip or warn, not fail
    **{
        f"{operation}/doctor": Case(
            operation, one_booking, lambda zc, made: zc("doctor", "--json"), doctor_after, daily=False
        )
        for operation in ("users", "user", "meeting")
    },
    "meetingRegistrantCreate/bookings-sync": Case(
        "meetingRegistrantCreate",
        failed_registration_setup,
        lambda zc, booking_id: zc("bookings", "sync", str(booking_id), "--json"),
        register_after,
        resends=False,
    ),
    "meetingRegistrantStatus/bookings-purge-class": Case(
        "meetingRegistrantStatus",
        class_test_bookings_setup,
        lambda zc, s: zc("bookings", "purge", "--test", "--yes", "--json"),
        purge_after,
        session_kept=True,
    ),
    "meetingDelete/providers-remove-force": Case(
        "meetingDelete",
        one_booking,
        lambda zc, made: zc("providers", "remove", "Dana Smith", "--force", "--json"),
        remove_after,
    ),
    "meetingDelete/auth-logout-delete-future-meetings": Case(
        "meetingDelete",
        stored_login_setup,
        lambda zc, scene: zc("auth", "logout", "--delete-future-meetings", "--yes", "--json"),
        logout_after,
    ),
    "users/providers-assign-all": Case(
        "users",
        unmapped_setup,
        lambda zc, email: zc("providers", "assign", "--all", "--by-email", "--json"),
        assign_all_after,
    ),
    "users/auth-status": Case(
        "users",
        nothing,
        lambda zc, s: zc("auth", "status", "--json"),
        status_after,
        daily_exit=ExitCode.AUTH_REQUIRED,
    ),
    "user/apply": Case("user", setup_file_setup, lambda zc, path: zc("apply", str(path), "--json"), apply_after),
    "token/bookings-create": Case(
        "token.account_credentials", nothing, lambda zc, s: book(zc), create_after, daily=False
    ),
}
CELLS = [(case, fault) for case in CASES for fault in FAULTS]


@pytest.fixture
def sandbox_options() -> SandboxOptions:
    return SandboxOptions(users=5)


@pytest.mark.parametrize(("case", "fault"), CELLS, ids=[f"{c}-{f}" for c, f in CELLS])
def test_fault_matrix(zc, studio, sb, monkeypatch, case, fault):
    case = CASES[case]
    scene = case.setup(zc, sb, studio)
    if fault.startswith("timeout"):
        monkeypatch.setenv("ZOOMCTL_HTTP_TIMEOUT", str(CLIENT_TIMEOUT))
    res = under_fault(sb, case.operation, fault, lambda: case.act(zc, scene))
    assert "Traceback" not in res.stderr, res.stderr
    assert res.exit_code == case.exit_code(fault), (res.exit_code, res.stderr)
    if res.exit_code != 0:
        lines = res.stderr.splitlines()
        assert any(line.startswith("error: ") for line in lines), res.stderr
    case.after(zc, sb, scene, res)
    converged(zc, sb, case.session_kept)
