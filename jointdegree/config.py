"""Settings, read from ``JOINTDEGREE_*`` environment variables.

Every setting is declared once in :data:`SETTINGS` (name, type, default, help) so that the README
table, the parser and the error messages cannot drift apart.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

PREFIX = "JOINTDEGREE_"


class ConfigError(Exception):
    """A setting is missing or malformed; the message names the setting and fits on one line."""


def _bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError("expected true or false")


def _positive_int(raw: str) -> int:
    value = int(raw)
    if value <= 0:
        raise ValueError("expected a positive whole number")
    return value


@dataclass(frozen=True)
class Setting:
    name: str
    parse: Callable[[str], Any]
    default: Any
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("DATABASE_URL", str, None,
            "SQLAlchemy URL. Default: SQLite file `jointdegree.sqlite3` in the instance folder. "
            "PostgreSQL: `postgresql+psycopg://user:pass@host/dbname`."),
    Setting("SECRET_KEY", str, None,
            "Signs sessions and CSRF tokens. Default: generated once and kept in "
            "`instance/secret_key` (mode 0600). Set it explicitly when several processes or "
            "machines serve the same site."),
    Setting("SESSION_COOKIE_SECURE", _bool, False,
            "Send session and remember-me cookies over HTTPS only (turn on behind TLS)."),
    Setting("REMEMBER_DAYS", _positive_int, 14, "How long \"remember me\" keeps a user logged in."),
    Setting("LOGIN_WINDOW_MINUTES", _positive_int, 15, "Window over which failed logins count."),
    Setting("LOGIN_MAX_FAILURES_ACCOUNT", _positive_int, 10,
            "Failed logins for one account within the window before it is throttled."),
    Setting("LOGIN_MAX_FAILURES_ADDRESS", _positive_int, 30,
            "Failed logins from one IP address within the window before it is throttled "
            "(higher than per account: a campus network shares few addresses)."),
    Setting("KEYS_DIR", str, None, "Folder of the Ed25519 keys that sign diploma records "
            "(default `instance/keys`; one key is made on first use, mode 0600). Point it at a "
            "mounted secret when several hosts serve the app."),
    Setting("SMTP_HOST", str, None, "Send notification e-mails through this SMTP server; "
            "no e-mail is sent when unset (the in-app inbox always works)."),
    Setting("SMTP_PORT", _positive_int, 587, "SMTP port."),
    Setting("SMTP_USER", str, None, "SMTP login (optional)."),
    Setting("SMTP_PASSWORD", str, None, "SMTP password (optional)."),
    Setting("SMTP_STARTTLS", _bool, True, "Use STARTTLS with the SMTP server."),
    Setting("MAIL_FROM", str, "jointdegree@localhost", "Sender address of notification e-mails."),
    Setting("BASE_URL", str, "http://127.0.0.1:5000",
            "Public address of the site, used in e-mails and verification links."),
    Setting("PROXY_FIX", _bool, False,
            "Trust one reverse proxy's X-Forwarded-For/-Proto headers (for the client address "
            "used by login throttling, and for HTTPS detection)."),
)


def read_settings(environ: Mapping[str, str]) -> dict[str, Any]:
    """Parse every declared setting from ``environ``; raise :class:`ConfigError` on bad values."""
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        raw = environ.get(PREFIX + setting.name)
        if raw is None or raw == "":
            values[setting.name] = setting.default
            continue
        try:
            values[setting.name] = setting.parse(raw)
        except ValueError as exc:
            raise ConfigError(f"{PREFIX}{setting.name}={raw!r} is not valid: {exc}") from None
    return values


def check_database_url(url: str, setting: str = PREFIX + "DATABASE_URL") -> str:
    """Refuse a malformed URL or an uninstalled driver with a one-line message."""
    try:
        parsed = make_url(url)
        parsed.get_dialect()
    except (ArgumentError, ValueError) as exc:
        raise ConfigError(f"{setting} is not a valid database URL ({exc})") from None
    except NoSuchModuleError:
        raise ConfigError(f"{setting} names an unknown database driver: {url.split(':')[0]!r}"
                          ) from None
    if parsed.get_backend_name() not in {"sqlite", "postgresql"}:
        raise ConfigError(f"{setting}: only sqlite and postgresql are supported, "
                          f"not {parsed.get_backend_name()!r}")
    return url


def instance_secret_key(instance_path: Path) -> str:
    """Return the instance's secret key, creating it once with mode 0600.

    Sessions must survive restarts, and a secret must never live in the code; a random key kept
    beside the SQLite database satisfies both for a single-machine deployment.
    """
    path = instance_path / "secret_key"
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        pass
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process won the race: use its key
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key + "\n")
    return key


def settings_table_markdown() -> str:
    """The README's configuration table, generated from :data:`SETTINGS`."""
    rows = ["| variable | default | meaning |", "| --- | --- | --- |"]
    for s in SETTINGS:
        default = "—" if s.default is None else f"`{s.default}`"
        rows.append(f"| `{PREFIX}{s.name}` | {default} | {s.help} |")
    return "\n".join(rows)
