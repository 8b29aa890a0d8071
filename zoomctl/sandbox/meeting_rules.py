"""Meetings and registrants: request validation, stored records and response views.

Validation failures become Zoom's ``400 {"code": 300, "message": "Validation Failed.",
"errors": [{"field": …, "message": "Invalid field."}]}``. Views follow the response
schemas of ``meetings-openapi.json`` (``meetingCreate`` 201, ``meeting`` 200, the
``meetings`` list items, registrant objects). URLs are rendered with the server's current
base URL at response time, so a restarted sandbox on another port still gives working
links.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from zoomctl.sandbox import ids
from zoomctl.sandbox.world import iso

MEETING_TYPES = (1, 2, 3, 8, 10)
MAX_REGISTRANTS = 4999

_START_TIME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$")
_PASSWORD = re.compile(r"^[A-Za-z0-9@_*\-]{1,10}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

DEFAULT_SETTINGS: dict[str, Any] = {
    "host_video": False,
    "participant_video": False,
    "cn_meeting": False,
    "in_meeting": False,
    "join_before_host": False,
    "jbh_time": 0,
    "mute_upon_entry": False,
    "watermark": False,
    "use_pmi": False,
    "approval_type": 2,
    "registration_type": 1,
    "audio": "voip",
    "auto_recording": "none",
    "enforce_login": False,
    "enforce_login_domains": "",
    "alternative_hosts": "",
    "alternative_hosts_email_notification": True,
    "close_registration": False,
    "show_share_button": False,
    "allow_multiple_devices": False,
    "registrants_confirmation_email": True,
    "registrants_email_notification": True,
    "waiting_room": False,
    "meeting_authentication": False,
    "encryption_type": "enhanced_encryption",
    "email_notification": True,
    "device_testing": False,
    "focus_mode": False,
    "private_meeting": False,
    "show_join_info": False,
    "host_save_video_order": False,
    "internal_meeting": False,
    "participant_focused_meeting": False,
    "push_change_to_calendar": False,
    "request_permission_to_unmute_participants": False,
    "email_in_attendee_report": False,
    "contact_name": "",
    "contact_email": "",
}
_SETTING_ENUMS: dict[str, tuple] = {
    "approval_type": (0, 1, 2),
    "registration_type": (1, 2, 3),
    "jbh_time": (0, 5, 10, 15),
    "audio": ("both", "telephony", "voip", "thirdParty"),
    "auto_recording": ("local", "cloud", "none"),
    "encryption_type": ("enhanced_encryption", "e2ee"),
}


class Invalid(ValueError):
    """Validation errors: a list of ``{"field", "message"}``."""

    def __init__(self, errors: list[dict]):
        super().__init__("Validation Failed.")
        self.errors = errors


def _field_error(name: str, message: str = "Invalid field.") -> dict:
    return {"field": name, "message": message}


# --------------------------------------------------------------------------- parsing


def parse_start_time(value: Any, tz_name: str | None) -> float:
    """``yyyy-MM-ddTHH:mm:ssZ`` (UTC), an explicit offset, or local time in ``tz_name``."""
    if not isinstance(value, str):
        raise ValueError("start_time")
    match = _START_TIME.match(value.strip())
    if not match:
        raise ValueError("start_time")
    year, month, day, hour, minute, second = (int(match.group(i)) for i in range(1, 7))
    suffix = match.group(8)
    try:
        naive = datetime(year, month, day, hour, minute, second)
    except ValueError:
        raise ValueError("start_time") from None
    if suffix == "Z":
        return naive.replace(tzinfo=UTC).timestamp()
    if suffix:
        sign = 1 if suffix[0] == "+" else -1
        digits = suffix[1:].replace(":", "")
        offset = sign * (int(digits[:2]) * 3600 + int(digits[2:]) * 60)
        return naive.replace(tzinfo=UTC).timestamp() - offset
    zone = zone_for(tz_name) if tz_name else UTC
    if zone is None:
        raise ValueError("timezone")
    return naive.replace(tzinfo=zone).timestamp()


def zone_for(name: str):
    """The tzinfo for an IANA name; None if unknown (UTC works without tz data too)."""
    if name in ("UTC", "GMT", "Etc/UTC", "Etc/GMT"):
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def validate_meeting(body: Any, *, default_tz: str | None, update: bool) -> dict:
    """The changes a create (``update=False``) or update body asks for; Invalid if bad."""
    if not isinstance(body, dict):
        raise Invalid([])  # the caller turns this into "Request Body should be…"
    errors: list[dict] = []
    out: dict[str, Any] = {}

    if "type" in body or not update:
        meeting_type = _as_int(body.get("type", 2))
        if meeting_type not in MEETING_TYPES:
            errors.append(_field_error("type"))
        else:
            out["type"] = meeting_type
    for name, limit in (("topic", 200), ("agenda", 2000)):
        if name in body:
            value = body[name]
            if not isinstance(value, str) or len(value) > limit:
                errors.append(_field_error(name))
            else:
                out[name] = value
    if "timezone" in body:
        tz = body["timezone"]
        if not isinstance(tz, str) or (tz and zone_for(tz) is None):
            errors.append(_field_error("timezone"))
        else:
            out["timezone"] = tz
    if "duration" in body:
        duration = _as_int(body["duration"])
        if duration is None or not 1 <= duration <= 1440:
            errors.append(_field_error("duration", "Duration must be between 1 and 1440."))
        else:
            out["duration"] = duration
    if "start_time" in body and body["start_time"] not in (None, ""):
        try:
            out["start_time"] = parse_start_time(body["start_time"], out.get("timezone") or default_tz or None)
        except ValueError as exc:
            errors.append(_field_error(str(exc)))
    if "password" in body:
        password = body["password"]
        if not isinstance(password, str) or (password and not _PASSWORD.match(password)):
            errors.append(
                _field_error("password", "Passcode may only contain up to 10 characters: a-z A-Z 0-9 @ - _ *")
            )
        else:
            out["password"] = password
    if "settings" in body:
        settings = body["settings"]
        if not isinstance(settings, dict):
            errors.append(_field_error("settings"))
        else:
            out["settings"] = _validate_settings(settings, errors)
    if "recurrence" in body and isinstance(body["recurrence"], dict):
        out["recurrence"] = body["recurrence"]
    if errors:
        raise Invalid(errors)
    return out


def _validate_settings(settings: dict, errors: list[dict]) -> dict:
    accepted: dict[str, Any] = {}
    for name, value in settings.items():
        if name not in DEFAULT_SETTINGS:
            continue  # Zoom ignores what it does not know (and this sandbox does too)
        default = DEFAULT_SETTINGS[name]
        if isinstance(default, bool):
            ok = isinstance(value, bool)
        elif isinstance(default, int):
            value = _as_int(value)
            ok = value is not None
        else:
            ok = isinstance(value, str)
        if ok and name in _SETTING_ENUMS and value not in _SETTING_ENUMS[name]:
            ok = False
        if not ok:
            errors.append(_field_error(f"settings.{name}"))
        else:
            accepted[name] = value
    return accepted


def validate_registrant(body: Any, prefix: str = "") -> dict:
    """``first_name`` and ``email`` are required (Zoom's registrant schema)."""
    if not isinstance(body, dict):
        raise Invalid([_field_error(prefix.rstrip(".") or "body")])
    errors = []
    email = body.get("email")
    if not isinstance(email, str) or not _EMAIL.match(email) or len(email) > 128:
        errors.append(_field_error(f"{prefix}email"))
    first = body.get("first_name")
    if not isinstance(first, str) or not first.strip() or len(first) > 64:
        errors.append(_field_error(f"{prefix}first_name"))
    last = body.get("last_name", "")
    if last is None:
        last = ""
    if not isinstance(last, str) or len(last) > 64:
        errors.append(_field_error(f"{prefix}last_name"))
    if errors:
        raise Invalid(errors)
    return {"email": email.strip(), "first_name": first.strip(), "last_name": last.strip()}


# --------------------------------------------------------------------------- records


def new_meeting(seed: str, n: int, host: dict, changes: dict, now: float) -> dict:
    meeting_type = changes.get("type", 2)
    settings = dict(DEFAULT_SETTINGS)
    settings.update(changes.get("settings", {}))
    if "password" in changes:
        password = changes["password"]
    else:
        password = ids.alnum(seed, 6, "passcode", n)
    start = changes.get("start_time")
    if start is None and meeting_type in (1, 2, 8, 10):
        start = now
    return {
        "id": ids.meeting_id(seed, n),
        "uuid": ids.meeting_uuid(seed, n),
        "n": n,
        "host_id": host["id"],
        "topic": changes.get("topic", "Zoom Meeting"),
        "type": meeting_type,
        "status": "waiting",
        "start_time": start if meeting_type != 3 else None,
        "duration": changes.get("duration", 60),
        "timezone": changes.get("timezone") or host.get("timezone") or "UTC",
        "agenda": changes.get("agenda", ""),
        "created_at": now,
        "password": password,
        "encrypted_password": ids.b64url(ids.digest(seed, "pwd", n, password)[:24]),
        "h323_password": _digits(seed, "h323", n, password),
        "pstn_password": _digits(seed, "pstn", n, password),
        "settings": settings,
        "recurrence": changes.get("recurrence"),
        "registration_token": ids.b64url(ids.digest(seed, "registration", n)[:21]),
        "registrants": [],
    }


def apply_update(meeting: dict, changes: dict, seed: str) -> None:
    for name in ("topic", "agenda", "duration", "timezone", "type", "recurrence"):
        if name in changes:
            meeting[name] = changes[name]
    if "start_time" in changes:
        meeting["start_time"] = changes["start_time"]
    if "password" in changes and changes["password"] != meeting["password"]:
        n = meeting["n"]
        password = changes["password"]
        meeting["password"] = password
        meeting["encrypted_password"] = ids.b64url(ids.digest(seed, "pwd", n, password)[:24])
        meeting["h323_password"] = _digits(seed, "h323", n, password)
        meeting["pstn_password"] = _digits(seed, "pstn", n, password)
    if "settings" in changes:
        meeting["settings"].update(changes["settings"])


def _digits(seed: str, kind: str, n: int, password: str) -> str:
    if not password:
        return ""
    return str(ids.number(seed, 100_000, 999_999, kind, n, password))


def registration_on(meeting: dict) -> bool:
    return meeting["settings"].get("approval_type", 2) in (0, 1)


# --------------------------------------------------------------------------- views


def join_url(base: str, meeting: dict) -> str:
    url = f"{base}/j/{meeting['id']}"
    if meeting["password"]:
        url += f"?pwd={meeting['encrypted_password']}"
    return url


def registration_url(base: str, meeting: dict) -> str:
    return f"{base}/meeting/register/{meeting['registration_token']}"


def registrant_join_url(base: str, meeting: dict, registrant: dict) -> str:
    url = f"{base}/w/{meeting['id']}?tk={registrant['tk']}"
    if meeting["password"]:
        url += f"&pwd={meeting['encrypted_password']}"
    return url


def meeting_view(base: str, meeting: dict, host: dict, start_url: str) -> dict:
    """The full meeting object (``meetingCreate`` 201 and ``meeting`` 200)."""
    view: dict[str, Any] = {
        "uuid": meeting["uuid"],
        "id": meeting["id"],
        "host_id": meeting["host_id"],
        "host_email": host["email"],
        "assistant_id": "",
        "topic": meeting["topic"],
        "type": meeting["type"],
        "status": meeting["status"],
        **_schedule(meeting),
    }
    view.update(
        {
            "created_at": iso(meeting["created_at"]),
            "start_url": start_url,
            "join_url": join_url(base, meeting),
        }
    )
    if registration_on(meeting):
        view["registration_url"] = registration_url(base, meeting)
    if meeting["password"]:
        view.update(
            {
                "password": meeting["password"],
                "h323_password": meeting["h323_password"],
                "pstn_password": meeting["pstn_password"],
                "encrypted_password": meeting["encrypted_password"],
            }
        )
    view["settings"] = dict(meeting["settings"])
    view["pre_schedule"] = False
    view["creation_source"] = "open_api"
    return view


def _schedule(meeting: dict) -> dict:
    """start_time (when set), duration, timezone and agenda (when set), as Zoom shows them."""
    fields: dict[str, Any] = {}
    if meeting["start_time"] is not None:
        fields["start_time"] = iso(meeting["start_time"])
    fields["duration"] = meeting["duration"]
    fields["timezone"] = meeting["timezone"]
    if meeting["agenda"]:
        fields["agenda"] = meeting["agenda"]
    return fields


def meeting_list_item(base: str, meeting: dict) -> dict:
    """One entry of ``GET /users/{userId}/meetings``."""
    item: dict[str, Any] = {
        "uuid": meeting["uuid"],
        "id": meeting["id"],
        "host_id": meeting["host_id"],
        "topic": meeting["topic"],
        "type": meeting["type"],
        **_schedule(meeting),
    }
    item["created_at"] = iso(meeting["created_at"])
    item["join_url"] = join_url(base, meeting)
    return item


def registrant_view(base: str, meeting: dict, registrant: dict) -> dict:
    """One entry of ``GET /meetings/{meetingId}/registrants``."""
    view: dict[str, Any] = {
        "id": registrant["id"],
        "email": registrant["email"],
        "first_name": registrant["first_name"],
        "last_name": registrant["last_name"],
        "address": "",
        "city": "",
        "country": "",
        "zip": "",
        "state": "",
        "phone": "",
        "industry": "",
        "org": "",
        "job_title": "",
        "purchasing_time_frame": "",
        "role_in_purchase_process": "",
        "no_of_employees": "",
        "comments": "",
        "custom_questions": [],
        "status": registrant["status"],
        "create_time": iso(registrant["created_at"]),
        "join_url": registrant_join_url(base, meeting, registrant),
        "participant_pin_code": registrant["pin"],
    }
    return view
