"""config.toml: profiles and settings, never a secret.

Precedence for every setting: command-line flag > environment variable > profile > default.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zoomctl import env
from zoomctl.errors import ConfigError, InvalidInput, NotFound

APP_NAME = "zoomctl"
DEFAULT_PROFILE = "default"
DEFAULT_OAUTH_URL = "https://zoom.us"
DEFAULT_API_URL = "https://api.zoom.us/v2"

# Keys a profile may hold, with what each means (shown by `config list`).
PROFILE_KEYS: dict[str, str] = {
    "company": "the company commands act on (slug)",
    "database": "path of the workspace database",
    "zoom_client_id": "OAuth client id of your Zoom app",
    "zoom_oauth_url": "Zoom OAuth server base URL",
    "zoom_api_url": "Zoom REST API base URL",
}
TOP_LEVEL_KEYS: dict[str, str] = {"profile": "the profile used when none is named"}


def config_dir() -> Path:
    override = os.environ.get(env.CONFIG_DIR)
    if override:
        return Path(override)
    from platformdirs import user_config_path

    return user_config_path(APP_NAME, appauthor=False)


def data_dir() -> Path:
    override = os.environ.get(env.DATA_DIR)
    if override:
        return Path(override)
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False)


def config_path() -> Path:
    return config_dir() / "config.toml"


@dataclass
class ConfigFile:
    """The parsed config.toml (an empty one when the file does not exist)."""

    path: Path
    data: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path | None = None) -> ConfigFile:
        path = path or config_path()
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return cls(path)
        except OSError as exc:
            raise ConfigError(f"cannot read {path}: {exc.strerror}", hint="check the file's permissions") from None
        except UnicodeDecodeError as exc:
            raise ConfigError(
                f"{path} is not UTF-8 text (at byte {exc.start + 1})",
                hint="save it as UTF-8, or move it away and run `zoomctl config set`",
            ) from None
        import tomllib  # only when there is a file to read: most runs have none

        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(
                f"{path} is not valid TOML: {exc}",
                hint="fix the line it names, or move the file away and run `zoomctl config set`",
            ) from exc
        cfg = cls(path, data)
        cfg.validate()
        return cfg

    def validate(self) -> None:
        for key, value in self.data.items():
            if key == "profiles":
                if not isinstance(value, dict):
                    raise self._bad("profiles", "must be a table of [profiles.NAME] sections")
                for name, profile in value.items():
                    if not isinstance(profile, dict):
                        raise self._bad(f"profiles.{name}", "must be a table")
                    for pkey, pvalue in profile.items():
                        if pkey not in PROFILE_KEYS:
                            raise self._bad(
                                f"profiles.{name}.{pkey}",
                                f"is not a known key (known: {', '.join(PROFILE_KEYS)})",
                            )
                        if not isinstance(pvalue, str):
                            raise self._bad(f"profiles.{name}.{pkey}", "must be a string")
            elif key in TOP_LEVEL_KEYS:
                if not isinstance(value, str):
                    raise self._bad(key, "must be a string")
            else:
                raise self._bad(key, f"is not a known key (known: {', '.join([*TOP_LEVEL_KEYS, 'profiles'])})")

    def _bad(self, keypath: str, why: str) -> ConfigError:
        return ConfigError(f"{self.path}: `{keypath}` {why}", hint=f"edit {self.path} or remove that key")

    def profile(self, name: str) -> dict[str, str]:
        return dict(self.data.get("profiles", {}).get(name, {}))

    def profile_names(self) -> list[str]:
        return sorted(self.data.get("profiles", {}))

    def set_value(self, profile: str, key: str, value: str | None) -> None:
        """Set (or with None, remove) a key: a profile key or a top-level one."""
        if key in TOP_LEVEL_KEYS:
            target = self.data
        elif key in PROFILE_KEYS:
            target = self.data.setdefault("profiles", {}).setdefault(profile, {})
        else:
            raise InvalidInput(
                f"unknown setting `{key}`",
                hint=f"known settings: {', '.join([*TOP_LEVEL_KEYS, *PROFILE_KEYS])}",
            )
        if value is None:
            target.pop(key, None)
            return
        value = check_value(key, value)
        if key == "profile" and value != DEFAULT_PROFILE and value not in self.profile_names():
            from zoomctl.textcheck import shown

            known = ", ".join(self.profile_names()) or "none yet"
            raise NotFound(
                f"no profile {shown(value)} in {self.path} (profiles: {known})",
                hint=f"create it first with `zoomctl --profile {value} config set company SLUG`",
            )
        target[key] = value

    def save(self) -> None:
        """Write atomically, mode 0600."""
        import tempfile

        import tomli_w

        self.path.parent.mkdir(parents=True, exist_ok=True)
        payload = tomli_w.dumps(self.data).encode("utf-8")
        fd, tmp = tempfile.mkstemp(prefix=".config-", suffix=".toml", dir=self.path.parent)
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(payload)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        except BaseException as exc:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            if isinstance(exc, OSError):  # disk full, file too large, read-only: the old file is intact
                raise ConfigError(
                    f"cannot write {self.path}: {exc.strerror or exc} (it was left as it was)",
                    hint="free some disk space (or raise the file size limit), then run the command again",
                ) from exc
            raise


def check_value(key: str, value: str) -> str:
    """A setting's value, refused now rather than failing later."""
    from zoomctl import textcheck

    if key.endswith("_url"):
        example = f"zoomctl config set {key} {DEFAULT_API_URL if 'api' in key else DEFAULT_OAUTH_URL}"
        return textcheck.url(value, f"`{key}`", example=example)
    return textcheck.line(value, f"`{key}`", limit=textcheck.MAX_PATH)


@dataclass(frozen=True)
class Setting:
    value: str | None
    source: str  # "flag", "env ZOOMCTL_…", "profile NAME", "default"


@dataclass(frozen=True)
class Settings:
    """Every setting, resolved, with where each value came from."""

    profile: Setting
    company: Setting
    database: Setting
    zoom_client_id: Setting
    zoom_oauth_url: Setting
    zoom_api_url: Setting

    def as_dict(self) -> dict[str, Setting]:
        return {name: getattr(self, name) for name in ("profile", *PROFILE_KEYS)}


def resolve_settings(cfg: ConfigFile, flags: dict[str, str | None], environ: dict[str, str] | None = None) -> Settings:
    environ = os.environ if environ is None else environ

    def pick(name: str, profile_values: dict[str, str], default: str | None) -> Setting:
        if flags.get(name):
            return Setting(flags[name], "flag")
        env_name = env.SETTINGS[name]
        if environ.get(env_name):
            return Setting(environ[env_name], f"env {env_name}")
        if name in profile_values:
            return Setting(profile_values[name], f"profile {profile_values['__name__']}")
        return Setting(default, "default")

    top = {"__name__": "(top level)"}
    if "profile" in cfg.data:
        top["profile"] = cfg.data["profile"]
    profile = pick("profile", top, DEFAULT_PROFILE)
    if profile.source == "profile (top level)":
        profile = Setting(profile.value, "config")
    values = {"__name__": profile.value, **cfg.profile(profile.value or DEFAULT_PROFILE)}
    default_db = str(
        data_dir() / ("workspace.db" if profile.value == DEFAULT_PROFILE else f"workspace-{profile.value}.db")
    )
    return Settings(
        profile=profile,
        company=pick("company", values, None),
        database=pick("database", values, default_db),
        zoom_client_id=pick("zoom_client_id", values, None),
        zoom_oauth_url=pick("zoom_oauth_url", values, DEFAULT_OAUTH_URL),
        zoom_api_url=pick("zoom_api_url", values, DEFAULT_API_URL),
    )
