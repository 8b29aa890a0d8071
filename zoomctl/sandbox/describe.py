"""What a running sandbox tells its user: URLs, app credentials, seeded users.

``describe(sb)`` is JSON-able (``zoomctl sandbox serve --json`` prints it);
``describe_text(info)`` renders the same for a terminal.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from zoomctl.sandbox.server import Sandbox

TYPE_NAMES = {1: "Basic", 2: "Licensed", 4: "No meeting license", 99: "None"}


def describe(sb: Sandbox) -> dict:
    """Start-up information for a running sandbox (JSON-able)."""
    with sb.world.lock:
        accounts = [account_info(sb.world, account) for account in sb.world.accounts]
        users = [
            {
                "id": u["id"],
                "email": u["email"],
                "display_name": u["display_name"],
                "type": u["type"],
                "type_name": TYPE_NAMES.get(u["type"], str(u["type"])),
                "status": u["status"],
                "role": u["role_name"],
                "account_id": u["account_id"],
            }
            for u in sb.world.users.values()
        ]
    config = sb.config_dict()
    return {
        "base_url": sb.base_url,
        "oauth_base_url": sb.oauth_base_url,
        "api_base_url": sb.api_base_url,
        "authorize_url": f"{sb.oauth_base_url}/oauth/authorize",
        "token_url": f"{sb.oauth_base_url}/oauth/token",
        "revoke_url": f"{sb.oauth_base_url}/oauth/revoke",
        "admin_url": f"{sb.base_url}/_sandbox",
        "state_path": str(sb.world.state_path) if sb.world.state_path else None,
        "account": accounts[0],
        "accounts": accounts,
        "apps": sb.apps,
        "users": users,
        "auto_approve": config["auto_approve"],
        "auto_approve_shared_access": config["auto_approve_shared_access"],
        "access_token_ttl": config["access_token_ttl"],
        "rate_limit_headers": config["rate_limit_headers"],
        "rate_limits": config["rate_limits"],
        "daily_meeting_limit": config["daily_meeting_limit"],
    }


def account_info(world, account: dict) -> dict:
    """An account as ``describe`` shows it: id, name, owner's email, its S2S app's key."""
    owner = world.users.get(account["owner_id"], {})
    s2s = next((k for k, a in world.apps.items() if a.get("account_id") == account["id"]), None)
    return {"id": account["id"], "name": account["name"], "owner_email": owner.get("email"), "s2s_app": s2s}


def describe_text(info: dict) -> str:
    """``describe()`` output as aligned plain text."""
    lines = [
        "zoomctl sandbox (a local Zoom emulator)",
        f"  OAuth base URL : {info['oauth_base_url']}",
        f"  API base URL   : {info['api_base_url']}",
        f"  Admin endpoint : {info['admin_url']}",
        f"  State file     : {info['state_path'] or '(in memory)'}",
        *(
            f"  Account        : {a['id']} ({a['name']}, owner {a['owner_email']}, app {a['s2s_app']})"
            for a in info["accounts"]
        ),
        "",
        "Apps:",
    ]
    for key, app in info["apps"].items():
        parts = [f"client_id={app['client_id']}"]
        if app.get("client_secret"):
            parts.append(f"client_secret={app['client_secret']}")
        if app.get("account_id"):
            parts.append(f"account_id={app['account_id']}")
        lines.append(f"  {key:<13}{' '.join(parts)}")
    lines += ["", "Users:"]
    for user in info["users"]:
        lines.append(f"  {user['email']:<38} {user['type_name']:<9} {user['status']:<9} {user['role']}")
    approve = info.get("auto_approve")
    lines += [
        "",
        "Sign-in: "
        + (
            f"auto-approved as {approve}" + (" with shared access" if info.get("auto_approve_shared_access") else "")
            if approve
            else "consent page in the browser"
        ),
    ]
    return "\n".join(lines) + "\n"
