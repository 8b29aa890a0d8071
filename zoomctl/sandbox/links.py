"""Landing pages behind the links the API hands out: ``/j`` (join), ``/w`` (registrant
join), ``/s`` (host start) and ``/meeting/register``.

They let a person (or an end-to-end test) check that a link leads into the right meeting:
``/j/{id}?pwd=`` needs the meeting's encoded passcode; ``/w/{id}?tk=`` needs the token of
an approved registrant of that meeting; ``/s/{id}?zak=`` needs a start token issued for
that meeting that has not expired (two hours of the sandbox clock).
"""

from __future__ import annotations

from zoomctl.sandbox import pages
from zoomctl.sandbox.replies import Call, Reply, html_reply
from zoomctl.sandbox.tokens import read_start_token
from zoomctl.sandbox.world import World


def _missing(meeting_id: str) -> Reply:
    return html_reply(404, pages.error_page("Invalid meeting ID", f"This meeting link is invalid: {meeting_id}", 3001))


def join(world: World, call: Call, meeting_id: str) -> Reply:
    meeting = world.find_meeting(meeting_id)
    if meeting is None:
        return _missing(meeting_id)
    if meeting["password"] and call.arg("pwd") != meeting["encrypted_password"]:
        return html_reply(403, pages.error_page("Passcode required", "This meeting requires a passcode.", 3004))
    return html_reply(
        200, pages.landing_page("Joining meeting", [f"Meeting ID: {meeting['id']}", f"Topic: {meeting['topic']}"])
    )


def registrant_join(world: World, call: Call, meeting_id: str) -> Reply:
    meeting = world.find_meeting(meeting_id)
    if meeting is None:
        return _missing(meeting_id)
    tk = call.arg("tk")
    for registrant in meeting["registrants"]:
        if tk and registrant["tk"] == tk:
            if registrant["status"] != "approved":
                return html_reply(
                    403,
                    pages.error_page(
                        "Registration not approved",
                        f"The registration of {registrant['email']} is {registrant['status']}.",
                    ),
                )
            return html_reply(
                200,
                pages.landing_page(
                    "Joining meeting",
                    [
                        f"Meeting ID: {meeting['id']}",
                        f"Topic: {meeting['topic']}",
                        f"Registrant: {registrant['first_name']} {registrant['last_name']}".strip(),
                        f"Email: {registrant['email']}",
                    ],
                ),
            )
    return html_reply(403, pages.error_page("Invalid registration link", "This registration link is not valid."))


def start(world: World, call: Call, meeting_id: str) -> Reply:
    meeting = world.find_meeting(meeting_id)
    if meeting is None:
        return _missing(meeting_id)
    payload = read_start_token(world.key, call.arg("zak") or "")
    if payload is None or payload.get("mnum") != str(meeting["id"]):
        return html_reply(403, pages.error_page("Invalid start link", "This start link is not valid for this meeting."))
    if world.clock.time() >= payload.get("exp", 0):
        return html_reply(
            403,
            pages.error_page(
                "Start link expired", "This start link has expired. Get a fresh one from the meeting's details.", 3010
            ),
        )
    host = world.users.get(meeting["host_id"])
    return html_reply(
        200,
        pages.landing_page(
            "Starting meeting",
            [
                f"Meeting ID: {meeting['id']}",
                f"Topic: {meeting['topic']}",
                f"Host: {host['email'] if host else meeting['host_id']}",
            ],
        ),
    )


def register(world: World, call: Call, registration_token: str) -> Reply:
    for meeting in world.meetings.values():
        if meeting["registration_token"] == registration_token and meeting["settings"].get("approval_type", 2) in (
            0,
            1,
        ):
            return html_reply(
                200,
                pages.landing_page(
                    "Meeting registration",
                    [
                        f"Meeting ID: {meeting['id']}",
                        f"Topic: {meeting['topic']}",
                        "Registration is open (register through the API in this sandbox).",
                    ],
                ),
            )
    return html_reply(404, pages.error_page("Registration not found", "This registration link is not valid.", 3001))
