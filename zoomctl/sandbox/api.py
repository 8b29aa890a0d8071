"""The REST API under ``/v2``: the operations zoomctl uses, with Zoom's rules.

Authorization (checked in this order):

1. A token in the query string (``access_token=``) → 401, code 124 ("… not supported as
   query parameter string"); no ``Authorization: Bearer`` header, or an unknown, revoked,
   uninstalled or expired token → 401, code 124 ("Invalid access token." / "Access
   token has expired.").
2. Per-second rate limit of the operation's category → 429.
3. Scope: the grant must hold one of the operation's classic scopes (``x-macro-scopes``)
   → otherwise 400, code 4711, "Invalid access token, does not contain scopes:[…]."
   A user-level grant authorized with shared access may also list users (``GET /users``):
   shared access lends the app the authorizing user's view of the users who share with
   them, and it is how a client finds whom it may act for.
4. The user acted on (the path's ``userId`` or the meeting's host): unknown or deleted →
   404, code 1001. A user-level grant may act for its own user; for other active users
   of the account only if it was authorized with shared access; grants with ``:admin``
   scopes (admin-managed and Server-to-Server apps) may act for any user. Otherwise
   403, code 200, "No permission." (Zoom documents 403 for "does not have permission or
   has not authorized shared access permissions"; the body code is the sandbox's choice.)
5. Operation rules (validation 400/300, missing meeting 404/3001, daily limit 429, …).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from zoomctl.sandbox import ids
from zoomctl.sandbox import meeting_rules as rules
from zoomctl.sandbox.config import RuntimeConfig
from zoomctl.sandbox.limits import RateLimiter
from zoomctl.sandbox.oauth import OAuthServer
from zoomctl.sandbox.paging import PageError, paginate
from zoomctl.sandbox.replies import BadBody, Call, Reply, api_error, empty_reply, json_reply
from zoomctl.sandbox.tokens import mint_start_token, registrant_token
from zoomctl.sandbox.world import World, iso

START_URL_LIFETIME = 2 * 3600

#: Each operation's classic scopes (``x-macro-scopes`` in the OpenAPI documents).
SCOPES: dict[str, tuple[str, ...]] = {
    "users": ("user:read:admin",),
    "user": ("user:read:admin", "user:read", "user_info:read"),
    "meetings": ("meeting:read:admin", "meeting:read"),
    "meetingCreate": ("meeting:write:admin", "meeting:write"),
    "meeting": ("meeting:read:admin", "meeting:read"),
    "meetingUpdate": ("meeting:write:admin", "meeting:write"),
    "meetingDelete": ("meeting:write:admin", "meeting:write"),
    "meetingRegistrants": ("meeting:read:admin", "meeting:read"),
    "meetingRegistrantCreate": ("meeting:write:admin", "meeting:write"),
    "meetingRegistrantStatus": ("meeting:write:admin", "meeting:write"),
    "addBatchRegistrants": ("meeting:write:admin", "meeting:write"),
}

QUERY_TOKEN_MESSAGE = "Invalid access token. Access token is not supported as query parameter string."
NO_PERMISSION = (403, 200, "No permission.")
PAID_ONLY = "Only available for paid users: {user}."
HOSTING_NOT_ALLOWED = "Meeting hosting and scheduling capabilities are not allowed for your user account."


class Refusal(Exception):
    """Stop the operation with this reply."""

    def __init__(self, reply: Reply):
        super().__init__(reply.status)
        self.reply = reply


def refuse(status: int, code: int, message: str, errors: list[dict] | None = None) -> Refusal:
    return Refusal(api_error(status, code, message, errors))


class Api:
    def __init__(self, world: World, config: RuntimeConfig, oauth: OAuthServer, limiter: RateLimiter):
        self.world = world
        self.config = config
        self.oauth = oauth
        self.limiter = limiter
        self._ops: dict[str, Callable[[Call, dict, dict], Reply]] = {
            "users": self.users,
            "user": self.user,
            "meetings": self.meetings,
            "meetingCreate": self.meeting_create,
            "meeting": self.meeting,
            "meetingUpdate": self.meeting_update,
            "meetingDelete": self.meeting_delete,
            "meetingRegistrants": self.registrants,
            "meetingRegistrantCreate": self.registrant_create,
            "meetingRegistrantStatus": self.registrant_status,
            "addBatchRegistrants": self.batch_registrants,
        }

    @property
    def base(self) -> str:
        return self.config.base_url

    # ============================================================== entry point
    def handle(self, operation: str, call: Call, params: dict[str, str]) -> Reply:
        if "access_token" in call.query:
            return api_error(401, 124, QUERY_TOKEN_MESSAGE)
        header = call.headers.get("Authorization", "")
        token = header[7:].strip() if header[:7].lower() == "bearer " else ""
        grant, message = self.oauth.authenticate(token)
        if grant is None:
            return api_error(401, 124, message or "Invalid access token.")
        decision = self.limiter.check_qps(self.world.account_of_grant(grant), operation, self.world.clock.time())
        rate_headers = decision.headers if self.config.rate_limit_headers else {}
        if not decision.allowed:
            return api_error(429, decision.body["code"], decision.body["message"], headers=rate_headers)
        try:
            self._check_scope(grant, operation)
            reply = self._ops[operation](call, params, grant)
        except Refusal as refusal:
            reply = refusal.reply
        for name, value in rate_headers.items():
            reply.headers.setdefault(name, value)
        return reply

    # ============================================================== authorization
    @staticmethod
    def _check_scope(grant: dict, operation: str) -> None:
        wanted = SCOPES[operation]
        if operation == "users" and grant.get("shared_access"):
            return
        if not set(wanted) & set(grant["scopes"]):
            raise refuse(400, 4711, f"Invalid access token, does not contain scopes:[{', '.join(wanted)}].")

    def _user(self, grant: dict, ref: str) -> dict:
        if ref == "me":
            user = self.world.users.get(grant["user_id"])
        else:
            user = self.world.find_user(ref)
        if user is None or user["account_id"] != self.world.account_of_grant(grant):
            raise refuse(404, 1001, f"User does not exist: {ref}.")  # other accounts' users are not seen
        return user

    def _may_act_for(self, grant: dict, operation: str, user: dict) -> None:
        if user["id"] == grant["user_id"]:
            return
        admin_scopes = {s for s in SCOPES[operation] if s.endswith(":admin")}
        if admin_scopes & set(grant["scopes"]):
            return
        if grant["shared_access"] and user["status"] == "active":
            return
        raise refuse(*NO_PERMISSION)

    def _meeting(self, grant: dict, operation: str, meeting_id: str) -> tuple[dict, dict]:
        meeting = self.world.find_meeting(meeting_id) if meeting_id.isdigit() else None
        if meeting is None:
            raise refuse(404, 3001, f"Meeting does not exist: {meeting_id}.")
        host = self.world.users.get(meeting["host_id"])
        if host is None or host["account_id"] != self.world.account_of_grant(grant):
            # the host was deleted (their meetings went with them), or is in another account
            raise refuse(404, 3001, f"Meeting does not exist: {meeting_id}.")
        self._may_act_for(grant, operation, host)
        return meeting, host

    @staticmethod
    def _json_body(call: Call) -> Any:
        try:
            body = call.json()
        except BadBody:
            raise refuse(400, 300, "Request Body should be a valid JSON object.") from None
        if not isinstance(body, dict):
            raise refuse(400, 300, "Request Body should be a valid JSON object.")
        return body

    def _page(self, listing: str, items: list, call: Call) -> tuple[list, dict]:
        try:
            return paginate(
                self.world.key,
                listing,
                items,
                call.arg("page_size"),
                call.arg("next_page_token"),
                call.arg("page_number"),
                self.world.clock.time(),
            )
        except PageError as exc:
            raise refuse(
                400,
                300,
                str(exc) if exc.field == "next_page_token" else "Validation Failed.",
                None if exc.field == "next_page_token" else [{"field": exc.field, "message": str(exc)}],
            ) from None

    def _daily(self, operation: str, host: dict) -> None:
        decision = self.limiter.check_daily(self.world.daily_counts(), host["id"], operation, self.world.clock.now())
        if not decision.allowed:
            headers = decision.headers if self.config.rate_limit_headers else {}
            raise Refusal(api_error(429, decision.body["code"], decision.body["message"], headers=headers))

    def _count_daily(self, host: dict) -> None:
        self.limiter.count_daily(self.world.daily_counts(), host["id"])
        self.world.changed()

    # ============================================================== users
    def users(self, call: Call, params: dict, grant: dict) -> Reply:
        status = call.arg("status") or "active"
        if status not in ("active", "inactive", "pending"):
            raise refuse(400, 300, "Validation Failed.", [{"field": "status", "message": "Invalid field."}])
        account_id = self.world.account_of_grant(grant)
        people = [u for u in self.world.users.values() if u["status"] == status and u["account_id"] == account_id]
        page, fields = self._page(f"users:{status}", people, call)
        body = dict(fields)
        body["users"] = [self._user_list_item(u) for u in page]
        return json_reply(200, body)

    def user(self, call: Call, params: dict, grant: dict) -> Reply:
        user = self._user(grant, params["userId"])
        self._may_act_for(grant, "user", user)
        return json_reply(200, self._user_view(user))

    def _user_list_item(self, user: dict) -> dict:
        return {
            "id": user["id"],
            "first_name": user["first_name"],
            "last_name": user["last_name"],
            "display_name": user["display_name"],
            "email": user["email"],
            "type": user["type"],
            "pmi": user["pmi"],
            "timezone": user["timezone"],
            "verified": user["verified"],
            "dept": user["dept"],
            "created_at": user["created_at"],
            "user_created_at": user["user_created_at"],
            "last_login_time": user["last_login_time"],
            "last_client_version": user["last_client_version"],
            "language": user["language"],
            "phone_number": user["phone_number"],
            "status": user["status"],
            "role_id": user["role_id"],
            "group_ids": list(user["group_ids"]),
            "im_group_ids": list(user["im_group_ids"]),
        }

    def _user_view(self, user: dict) -> dict:
        return {
            "id": user["id"],
            "first_name": user["first_name"],
            "last_name": user["last_name"],
            "display_name": user["display_name"],
            "email": user["email"],
            "type": user["type"],
            "role_name": user["role_name"],
            "pmi": user["pmi"],
            "use_pmi": user["use_pmi"],
            "personal_meeting_url": f"{self.base}{user['personal_meeting_url']}",
            "timezone": user["timezone"],
            "verified": user["verified"],
            "dept": user["dept"],
            "created_at": user["created_at"],
            "user_created_at": user["user_created_at"],
            "last_login_time": user["last_login_time"],
            "last_client_version": user["last_client_version"],
            "pic_url": "",
            "cms_user_id": "",
            "jid": user["jid"],
            "group_ids": list(user["group_ids"]),
            "im_group_ids": list(user["im_group_ids"]),
            "account_id": user["account_id"],
            "account_number": user["account_number"],
            "language": user["language"],
            "phone_country": "",
            "phone_number": "",
            "status": user["status"],
            "job_title": "",
            "location": "",
            "company": "",
            "login_types": list(user["login_types"]),
            "role_id": user["role_id"],
            "cluster": user["cluster"],
        }

    # ============================================================== meetings
    def meetings(self, call: Call, params: dict, grant: dict) -> Reply:
        host = self._user(grant, params["userId"])
        self._may_act_for(grant, "meetings", host)
        kind = call.arg("type") or "scheduled"
        if kind not in ("scheduled", "live", "upcoming", "upcoming_meetings", "previous_meetings"):
            raise refuse(400, 300, "Validation Failed.", [{"field": "type", "message": "Invalid field."}])
        now = self.world.clock.time()

        def wanted(m: dict) -> bool:
            if m["host_id"] != host["id"]:
                return False
            start = m["start_time"]
            end = (start or now) + 60 * m["duration"]
            if kind == "live":
                return m["status"] == "started"
            if kind in ("upcoming", "upcoming_meetings"):
                return start is None or end >= now
            if kind == "previous_meetings":
                return start is not None and end < now
            return True

        found = sorted(
            (m for m in self.world.meetings.values() if wanted(m)),
            key=lambda m: (m["start_time"] is None, m["start_time"] or 0, m["n"]),
        )
        page, fields = self._page(f"meetings:{host['id']}:{kind}", found, call)
        body = dict(fields)
        body["meetings"] = [rules.meeting_list_item(self.base, m) for m in page]
        return json_reply(200, body)

    def meeting_create(self, call: Call, params: dict, grant: dict) -> Reply:
        host = self._user(grant, params["userId"])
        self._may_act_for(grant, "meetingCreate", host)
        if host["status"] != "active":
            raise refuse(400, 3161, HOSTING_NOT_ALLOWED)
        body = self._json_body(call)
        now = self.world.clock.time()
        try:
            changes = rules.validate_meeting(body, default_tz=host["timezone"], update=False)
        except rules.Invalid as exc:
            raise refuse(400, 300, "Validation Failed.", exc.errors) from None
        self._daily("meetingCreate", host)
        seed = self.world.data["seed"]
        while True:
            n = self.world.next_number("meeting")
            meeting = rules.new_meeting(seed, n, host, changes, now)
            if str(meeting["id"]) not in self.world.meetings:
                break
        self.world.meetings[str(meeting["id"])] = meeting
        self._count_daily(host)
        return json_reply(201, rules.meeting_view(self.base, meeting, host, self._start_url(meeting, host)))

    def meeting(self, call: Call, params: dict, grant: dict) -> Reply:
        meeting, host = self._meeting(grant, "meeting", params["meetingId"])
        return json_reply(200, rules.meeting_view(self.base, meeting, host, self._start_url(meeting, host)))

    def meeting_update(self, call: Call, params: dict, grant: dict) -> Reply:
        meeting, host = self._meeting(grant, "meetingUpdate", params["meetingId"])
        body = self._json_body(call)
        try:
            changes = rules.validate_meeting(body, default_tz=meeting["timezone"], update=True)
        except rules.Invalid as exc:
            raise refuse(400, 300, "Validation Failed.", exc.errors) from None
        self._daily("meetingUpdate", host)
        rules.apply_update(meeting, changes, self.world.data["seed"])
        self._count_daily(host)
        return empty_reply(204)

    def meeting_delete(self, call: Call, params: dict, grant: dict) -> Reply:
        meeting, _host = self._meeting(grant, "meetingDelete", params["meetingId"])
        del self.world.meetings[str(meeting["id"])]
        self.world.changed()
        return empty_reply(204)

    def _start_url(self, meeting: dict, host: dict) -> str:
        now = self.world.clock.time()
        zak = mint_start_token(
            self.world.key,
            meeting_id=meeting["id"],
            user_id=host["id"],
            issued_at=now,
            expires_at=now + START_URL_LIFETIME,
        )
        url = f"{self.base}/s/{meeting['id']}?zak={zak}"
        return url

    # ============================================================== registrants
    def _registration_meeting(self, grant: dict, operation: str, meeting_id: str) -> tuple[dict, dict]:
        meeting, host = self._meeting(grant, operation, meeting_id)
        if host["type"] != 2:
            raise refuse(400, 200, PAID_ONLY.format(user=host["email"]))
        if not rules.registration_on(meeting):
            raise refuse(400, 404, f"Registration has not been enabled for this meeting: {meeting['id']}.")
        return meeting, host

    def registrants(self, call: Call, params: dict, grant: dict) -> Reply:
        meeting, _host = self._registration_meeting(grant, "meetingRegistrants", params["meetingId"])
        status = call.arg("status") or "approved"
        if status not in ("pending", "approved", "denied"):
            raise refuse(400, 300, "Validation Failed.", [{"field": "status", "message": "Invalid field."}])
        chosen = [r for r in meeting["registrants"] if r["status"] == status]
        page, fields = self._page(f"registrants:{meeting['id']}:{status}", chosen, call)
        body = dict(fields)
        body["registrants"] = [rules.registrant_view(self.base, meeting, r) for r in page]
        return json_reply(200, body)

    def _add_registrant(self, meeting: dict, person: dict, auto_approve: bool) -> dict:
        for existing in meeting["registrants"]:
            if existing["email"].lower() == person["email"].lower():
                return existing  # Zoom answers a repeated registration with the same one
        if len(meeting["registrants"]) >= rules.MAX_REGISTRANTS:
            raise refuse(400, 3043, "Meeting has reached maximum attendee capacity.")
        n = self.world.next_number("registrant")
        seed = self.world.data["seed"]
        approval = meeting["settings"].get("approval_type", 2)
        registrant = {
            "id": ids.zoom_id(seed, "registrant", n),
            "email": person["email"],
            "first_name": person["first_name"],
            "last_name": person["last_name"],
            "status": "approved" if approval == 0 or auto_approve else "pending",
            "created_at": self.world.clock.time(),
            "tk": registrant_token(),
            "pin": ids.number(seed, 100_000_000, 999_999_999, "pin", n),
        }
        meeting["registrants"].append(registrant)
        self.world.changed()
        return registrant

    def registrant_create(self, call: Call, params: dict, grant: dict) -> Reply:
        meeting, _host = self._registration_meeting(grant, "meetingRegistrantCreate", params["meetingId"])
        body = self._json_body(call)
        try:
            person = rules.validate_registrant(body)
        except rules.Invalid as exc:
            raise refuse(400, 300, "Validation Failed.", exc.errors) from None
        auto = body.get("auto_approve") is True
        registrant = self._add_registrant(meeting, person, auto)
        answer: dict[str, Any] = {"id": meeting["id"]}
        if registrant["status"] == "approved":
            answer["join_url"] = rules.registrant_join_url(self.base, meeting, registrant)
        answer.update(
            {
                "registrant_id": registrant["id"],
                "topic": meeting["topic"],
                "participant_pin_code": registrant["pin"],
            }
        )
        if meeting["start_time"] is not None:
            answer["start_time"] = iso(meeting["start_time"])
        return json_reply(201, answer)

    def batch_registrants(self, call: Call, params: dict, grant: dict) -> Reply:
        meeting, _host = self._meeting(grant, "addBatchRegistrants", params["meetingId"])
        host = self.world.users[meeting["host_id"]]
        if host["type"] != 2:
            raise refuse(400, 200, PAID_ONLY.format(user=host["email"]))
        if meeting["type"] != 2:
            raise refuse(
                400,
                303,
                "This API can only be used for scheduled meeting(meeting "
                "type: 2). Batch registration is not supported for other "
                "meeting types.",
            )
        if not rules.registration_on(meeting):
            raise refuse(400, 404, f"Registration has not been enabled for this meeting: {meeting['id']}.")
        body = self._json_body(call)
        people = body.get("registrants")
        if not isinstance(people, list) or not people:
            raise refuse(400, 300, "Validation Failed.", [{"field": "registrants", "message": "Invalid field."}])
        if len(people) > 30:
            raise refuse(
                400,
                300,
                "Validation Failed.",
                [{"field": "registrants", "message": "You can only add up to 30 registrants at a time."}],
            )
        checked, errors = [], []
        for index, person in enumerate(people):
            try:
                checked.append(rules.validate_registrant(person, f"registrants[{index}]."))
            except rules.Invalid as exc:
                errors.extend(exc.errors)
        if errors:
            raise refuse(400, 300, "Validation Failed.", errors)
        if len(meeting["registrants"]) + len(checked) > rules.MAX_REGISTRANTS:
            raise refuse(400, 3043, "Meeting has reached maximum attendee capacity.")
        auto = body.get("auto_approve") is True
        out = []
        for person in checked:
            registrant = self._add_registrant(meeting, person, auto)
            item = {
                "email": registrant["email"],
                "registrant_id": registrant["id"],
                "participant_pin_code": registrant["pin"],
            }
            if registrant["status"] == "approved":
                item["join_url"] = rules.registrant_join_url(self.base, meeting, registrant)
            out.append(item)
        return json_reply(201, {"registrants": out})

    def registrant_status(self, call: Call, params: dict, grant: dict) -> Reply:
        meeting, _host = self._registration_meeting(grant, "meetingRegistrantStatus", params["meetingId"])
        body = self._json_body(call)
        action = body.get("action")
        errors = []
        if action not in ("approve", "cancel", "deny"):
            errors.append({"field": "action", "message": "Invalid field."})
        refs = body.get("registrants")
        if (
            not isinstance(refs, list)
            or not refs
            or len(refs) > 30
            or not all(isinstance(r, dict) and (r.get("id") or r.get("email")) for r in refs)
        ):
            errors.append({"field": "registrants", "message": "Invalid field."})
        if errors:
            raise refuse(400, 300, "Validation Failed.", errors)
        for ref in refs:
            for registrant in meeting["registrants"]:
                if (ref.get("id") and ref["id"] == registrant["id"]) or (
                    ref.get("email") and ref["email"].lower() == registrant["email"].lower()
                ):
                    if action == "approve":
                        registrant["status"] = "approved"
                    elif action == "cancel" and registrant["status"] == "approved":
                        registrant["status"] = "denied"
                        registrant["tk"] = registrant_token()  # the old link stops working
                    elif action == "deny" and registrant["status"] == "pending":
                        registrant["status"] = "denied"
        self.world.changed()
        return empty_reply(204)
