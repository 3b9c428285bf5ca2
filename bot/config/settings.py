"""Sedia's settings: every environment variable the servers read, with its default and its
check, in one place (the README's Configuration table lists the same).

Each setting is read when it is asked for, so a test or the launcher may set it for one
process. `problems()` reads them all: the servers call `check()` as they start, so a
wrong value stops them with a message that names it, instead of failing on first use.
Telegram's settings have their own module (`bot/channels/telegram_settings.py`), and the
generated secrets theirs (`bot/config/shared_secrets.py`).
"""

from __future__ import annotations

import os
from functools import partial
from pathlib import Path
from typing import Callable, Dict, List, Mapping, Optional
from urllib.parse import urlsplit

REPO_ROOT = Path(__file__).resolve().parents[2]
# Runtime files live apart from data/, which holds Rasa training data.
DEFAULT_DATA_DIR = REPO_ROOT / "var"
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"
DEFAULT_RASA_URL = "http://127.0.0.1:5005"
DEFAULT_MIN_GROUP_SIZE = 5
DEFAULT_PLAN_LINK_DAYS = 30.0
DEFAULT_RETENTION_DAYS = 730

DATA_DIR = "SEDIA_DATA_DIR"
DATABASE_URL = "DATABASE_URL"
TRACKER_URL = "SEDIA_TRACKER_URL"
REDIS_URL = "SEDIA_REDIS_URL"
RATE_LIMITS_URL = "SEDIA_RATE_LIMITS_URL"
RATE_LIMITS = "SEDIA_RATE_LIMITS"
PUBLIC_URL = "SEDIA_PUBLIC_URL"
RASA_URL = "SEDIA_RASA_URL"
MIN_GROUP_SIZE = "SEDIA_MIN_GROUP_SIZE"
PLAN_LINK_DAYS = "SEDIA_PLAN_LINK_DAYS"
RETENTION_DAYS = "SEDIA_RETENTION_DAYS"
REST_TOKEN = "SEDIA_REST_TOKEN"
WIDGET_JWT_KEY = "SEDIA_WIDGET_JWT_KEY"
WIDGET_ORIGINS = "SEDIA_WIDGET_ORIGINS"
ACTION_ENDPOINT_URL = "ACTION_ENDPOINT_URL"
# The ports `make run` and `make run-prod` use on a developer's machine.
PORTS = {"RASA_PORT": 5005, "ACTIONS_PORT": 5055, "WEB_PORT": 8000, "REPLICA_PORT": 5006}

Environ = Optional[Mapping[str, str]]


class SettingError(ValueError):
    """A setting with a value Sedia cannot use; the message names the variable."""


def _env(environ: Environ) -> Mapping[str, str]:
    return os.environ if environ is None else environ


def _text(name: str, environ: Environ) -> str:
    return (_env(environ).get(name) or "").strip()


def data_dir(environ: Environ = None) -> Path:
    """The folder for Sedia's local files (SQLite databases, generated secrets, logs),
    created on first use."""
    folder = Path(_text(DATA_DIR, environ) or DEFAULT_DATA_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def database_url(environ: Environ = None) -> str:
    """The answers database: DATABASE_URL, or a SQLite file in the data folder."""
    return _text(DATABASE_URL, environ) or f"sqlite:///{data_dir(environ) / 'sedia.db'}"


def tracker_url(environ: Environ = None) -> str:
    """Rasa's conversations: SEDIA_TRACKER_URL, or a SQLite file in the data folder."""
    return _text(TRACKER_URL, environ) or f"sqlite:///{data_dir(environ) / 'conversations.db'}"


def redis_url(environ: Environ = None) -> Optional[str]:
    """Redis for replicas (lock store, polling lease, conversations without consent), if any."""
    return _text(REDIS_URL, environ) or None


def rate_limits_url(environ: Environ = None) -> str:
    """Where rate-limit counts live: SEDIA_RATE_LIMITS_URL, else Redis when SEDIA_REDIS_URL
    is set (replicas share their counts), else this process's memory."""
    return _text(RATE_LIMITS_URL, environ) or redis_url(environ) or "memory://"


def rate_limit_overrides(environ: Environ = None) -> Dict[str, str]:
    """Rules of bot/service/rate_limits.py set otherwise: SEDIA_RATE_LIMITS, as
    `rule=limit` pairs separated by commas ("api_address=600/minute,plan_link=10/hour")."""
    overrides: Dict[str, str] = {}
    for pair in filter(None, (p.strip() for p in (_text(RATE_LIMITS, environ) or "").split(","))):
        rule, equals, spec = pair.partition("=")
        if not equals or not rule.strip() or not spec.strip():
            raise SettingError(f"{RATE_LIMITS} takes rule=limit pairs separated by commas, not {pair!r}")
        overrides[rule.strip()] = spec.strip()
    return overrides


def public_url(environ: Environ = None) -> str:
    """The web app's address without a trailing slash: plan links start with it, the
    widget's socket accepts its origin, and the dashboard's cookie and form rules use it."""
    return (_text(PUBLIC_URL, environ) or DEFAULT_PUBLIC_URL).rstrip("/")


def rasa_url(environ: Environ = None) -> str:
    """Where the web widget reaches the Rasa server, without a trailing slash."""
    return (_text(RASA_URL, environ) or DEFAULT_RASA_URL).rstrip("/")


def _number(name: str, parse: Callable[[str], float], default: float, kind: str, environ: Environ) -> float:
    raw = _text(name, environ)
    try:
        return parse(raw) if raw else default
    except ValueError as error:
        raise SettingError(f"{name} must be {kind}, not {raw!r}") from error


def min_group_size(environ: Environ = None) -> int:
    """The smallest group whose numbers may be shown: SEDIA_MIN_GROUP_SIZE, 5 by default."""
    value = int(_number(MIN_GROUP_SIZE, int, DEFAULT_MIN_GROUP_SIZE, "a whole number", environ))
    if value < 2:
        raise SettingError(f"{MIN_GROUP_SIZE} must be at least 2: a group of one is a person")
    return value


def retention_days(environ: Environ = None) -> int:
    """How long a person's answers and conversations are kept after their last activity:
    SEDIA_RETENTION_DAYS, 730 (two years) by default."""
    days = int(_number(RETENTION_DAYS, int, DEFAULT_RETENTION_DAYS, "a whole number of days", environ))
    if days < 1:
        raise SettingError(f"{RETENTION_DAYS} must be at least 1")
    return days


def plan_link_days(environ: Environ = None) -> float:
    """How many days a plan link works: SEDIA_PLAN_LINK_DAYS, 30 by default."""
    days = _number(PLAN_LINK_DAYS, float, DEFAULT_PLAN_LINK_DAYS, "a number of days", environ)
    if not days > 0:
        raise SettingError(f"{PLAN_LINK_DAYS} must be more than 0")
    return days


def rest_token(environ: Environ = None) -> str:
    """The REST channel's bearer token; empty leaves REST open to this machine."""
    return _text(REST_TOKEN, environ)


def widget_jwt_key(environ: Environ = None) -> Optional[str]:
    """The key of a portal's signed widget tokens, if the widget takes them."""
    return _text(WIDGET_JWT_KEY, environ) or None


def widget_origins(environ: Environ = None) -> List[str]:
    """The origins allowed to open the widget's socket: SEDIA_WIDGET_ORIGINS (comma-separated,
    or "*"), else the origin of SEDIA_PUBLIC_URL (the web app that serves the demo page)."""
    configured = _text(WIDGET_ORIGINS, environ)
    if configured:
        return [origin.strip().rstrip("/") for origin in configured.split(",") if origin.strip()]
    parts = urlsplit(public_url(environ))
    return [f"{parts.scheme}://{parts.netloc}"]


def action_endpoint_url(environ: Environ = None) -> Optional[str]:
    """Where a Rasa server finds the action server, when not at endpoints.yml's address."""
    return _text(ACTION_ENDPOINT_URL, environ) or None


def port(name: str, environ: Environ = None) -> int:
    """One of the launcher's ports (`PORTS`): its variable, else its default."""
    value = int(_number(name, int, PORTS[name], "a port number", environ))
    if not 0 < value < 65536:
        raise SettingError(f"{name} must be a port number from 1 to 65535, not {value}")
    return value


_CHECKED: List[Callable[[Environ], object]] = [
    data_dir,
    database_url,
    tracker_url,
    public_url,
    rasa_url,
    min_group_size,
    rate_limit_overrides,
    plan_link_days,
    retention_days,
    *(partial(port, name) for name in PORTS),
]


def problems(environ: Environ = None) -> List[str]:
    """What is wrong with the settings, one message each (empty when all are usable)."""
    found = []
    for read in _CHECKED:
        try:
            read(environ)
        except (SettingError, OSError) as error:
            found.append(str(error))
    return found


def check(environ: Environ = None) -> None:
    """Raise SettingError naming every unusable setting, before a server starts."""
    found = problems(environ)
    if found:
        raise SettingError("; ".join(found))
