"""The few HTML pages the sandbox serves: consent, OAuth errors, join/start landing pages.

Plain HTML with stable element names and ids, so people can click through it and tests or
a headless browser can drive it: the consent form posts ``txn``, ``user`` (an email),
``shared_access`` (checkbox, value ``1``) and ``decision`` (``allow`` or ``deny``).
"""

from __future__ import annotations

from html import escape

SHARED_ACCESS_LABEL = "Allow this app to use my shared access permissions"

_STYLE = """
body{font-family:system-ui,sans-serif;background:#f4f6fa;color:#222;margin:0}
main{max-width:34rem;margin:3rem auto;background:#fff;border-radius:12px;padding:2rem;
box-shadow:0 2px 12px rgba(0,0,0,.08)}
h1{font-size:1.3rem;margin-top:0}.muted{color:#666;font-size:.9rem}
label{display:block;margin:.8rem 0}select{width:100%;padding:.4rem}
.buttons{display:flex;gap:1rem;margin-top:1.5rem}
button{padding:.6rem 1.4rem;border-radius:8px;border:1px solid #0b5cff;font-size:1rem}
button[value=allow]{background:#0b5cff;color:#fff}button[value=deny]{background:#fff;color:#0b5cff}
.error{color:#b00020}code{background:#eef;padding:0 .2rem}
"""


def _page(title: str, content: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)} - Zoom (zoomctl sandbox)</title>"
        f"<style>{_STYLE}</style></head><body><main>{content}"
        '<p class="muted">zoomctl sandbox: a local emulator of Zoom, not zoom.us.</p>'
        "</main></body></html>\n"
    )


def consent_page(
    *, app_name: str, scopes: list[str], users: list[dict], txn: str, show_shared_access: bool, error: str | None = None
) -> str:
    options = "".join(
        f'<option value="{escape(u["email"])}">{escape(u["display_name"])} '
        f"&lt;{escape(u['email'])}&gt; ({'Licensed' if u['type'] == 2 else 'Basic'})</option>"
        for u in users
    )
    scope_items = "".join(f"<li><code>{escape(s)}</code></li>" for s in scopes)
    shared = (
        '<label><input type="checkbox" id="shared_access" name="shared_access" '
        f'value="1"> {escape(SHARED_ACCESS_LABEL)}</label>'
        if show_shared_access
        else ""
    )
    problem = f'<p class="error" id="error">{escape(error)}</p>' if error else ""
    content = (
        f"<h1>{escape(app_name)} would like to access your Zoom account</h1>{problem}"
        f'<p>It asks for these permissions:</p><ul id="scopes">{scope_items}</ul>'
        '<form method="post" action="/oauth/authorize" id="consent">'
        f'<input type="hidden" name="txn" value="{escape(txn)}">'
        '<label for="user">Sign in as</label>'
        f'<select id="user" name="user">{options}</select>{shared}'
        '<div class="buttons">'
        '<button type="submit" id="allow" name="decision" value="allow">Allow</button>'
        '<button type="submit" id="deny" name="decision" value="deny">Deny</button>'
        "</div></form>"
    )
    return _page("Authorize app", content)


def error_page(title: str, message: str, code: int | None = None) -> str:
    suffix = f" ({code:,})" if code is not None else ""
    content = f'<h1 id="title">{escape(title)}</h1><p class="error" id="error">{escape(message)}{suffix}</p>'
    return _page(title, content)


def landing_page(title: str, lines: list[str]) -> str:
    body = "".join(f"<p>{escape(line)}</p>" for line in lines)
    return _page(title, f'<h1 id="title">{escape(title)}</h1>{body}')
