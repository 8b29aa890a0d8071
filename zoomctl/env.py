"""Every ``ZOOMCTL_*`` environment variable zoomctl reads, named once.

Settings (``SETTINGS``) follow the precedence flag > environment > profile > default (see
``zoomctl.config``); Typer's ``envvar=`` shows the same names in ``--help``. The Zoom
credential variables are read by ``zoomctl.app`` when it builds the Zoom access object for
``core``; nothing else reads ``os.environ`` for a ``ZOOMCTL_*`` name.
"""

from __future__ import annotations

PROFILE = "ZOOMCTL_PROFILE"
COMPANY = "ZOOMCTL_COMPANY"
DB = "ZOOMCTL_DB"
CONFIG_DIR = "ZOOMCTL_CONFIG_DIR"
DATA_DIR = "ZOOMCTL_DATA_DIR"
KEYRING_TIMEOUT = "ZOOMCTL_KEYRING_TIMEOUT"
#: how long to wait for each answer from Zoom, in seconds (default 30): a slow link, or a test
HTTP_TIMEOUT = "ZOOMCTL_HTTP_TIMEOUT"
#: the key that opens the Zoom secrets of a shared workspace (CI; administrators keep it in the keyring)
WORKSPACE_KEY = "ZOOMCTL_WORKSPACE_KEY"

ZOOM_PREFIX = "ZOOMCTL_ZOOM_"
ZOOM_CLIENT_ID = "ZOOMCTL_ZOOM_CLIENT_ID"
ZOOM_OAUTH_URL = "ZOOMCTL_ZOOM_OAUTH_URL"
ZOOM_API_URL = "ZOOMCTL_ZOOM_API_URL"
#: an access token used as is (never refreshed, never stored)
ZOOM_TOKEN = "ZOOMCTL_ZOOM_TOKEN"
#: Server-to-Server OAuth: all three together
ZOOM_ACCOUNT_ID = "ZOOMCTL_ZOOM_ACCOUNT_ID"
ZOOM_CLIENT_SECRET = "ZOOMCTL_ZOOM_CLIENT_SECRET"
#: the Zoom app's webhook secret token, for `zoomctl webhooks listen`
WEBHOOK_SECRET = "ZOOMCTL_WEBHOOK_SECRET"

#: the setting each variable sets (``zoomctl config list`` names its source)
SETTINGS: dict[str, str] = {
    "profile": PROFILE,
    "company": COMPANY,
    "database": DB,
    "zoom_client_id": ZOOM_CLIENT_ID,
    "zoom_oauth_url": ZOOM_OAUTH_URL,
    "zoom_api_url": ZOOM_API_URL,
}
