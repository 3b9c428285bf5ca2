"""The endpoints file each Rasa server runs with, from `endpoints.yml` and the topology.

`endpoints.yml` holds defaults that work with no environment (plain `rasa shell` beside
`rasa run actions`, on Rasa's default ports). A server that Sedia starts elsewhere gets a
copy that names its own action server and, when replicas share conversations, the Redis
lock store (`bot.rasa_glue.lock_store`), so two messages of one conversation are handled
one after the other whichever server receives them. The launcher writes the copies, and
containers write theirs at start (`python -m bot endpoints --out PATH`), from
`ACTION_ENDPOINT_URL` and `SEDIA_REDIS_URL`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, Mapping, Optional
from urllib.parse import urlsplit

import yaml

from bot.config import settings
from bot.config.settings import REDIS_URL, REPO_ROOT

ENDPOINTS_FILE = REPO_ROOT / "endpoints.yml"
LOCK_KEY_PREFIX = "sedia"
# Rasa's RedisLockStore, with its lock changes made atomic across replicas.
LOCK_STORE_CLASS = "bot.rasa_glue.lock_store.AtomicRedisLockStore"


def redis_lock_store(redis_url: str) -> Dict[str, Any]:
    """The Redis lock store's settings for a URL such as redis://:password@host:6379/0."""
    parts = urlsplit(redis_url)
    if parts.scheme not in ("redis", "rediss") or not parts.hostname:
        raise ValueError(f"{REDIS_URL} must look like redis://host:6379/0, not {redis_url!r}")
    database = parts.path.strip("/")
    settings: Dict[str, Any] = {
        "type": LOCK_STORE_CLASS,
        "url": parts.hostname,
        "port": parts.port or 6379,
        "db": int(database) if database else 0,
        "key_prefix": LOCK_KEY_PREFIX,
    }
    if parts.password:
        settings["password"] = parts.password
    if parts.scheme == "rediss":
        settings["use_ssl"] = True
    return settings


def endpoints_for(action_url: Optional[str] = None, redis_url: Optional[str] = None) -> Dict[str, Any]:
    """endpoints.yml with this server's action endpoint and, given Redis, its lock store."""
    endpoints = yaml.safe_load(ENDPOINTS_FILE.read_text(encoding="utf-8"))
    if action_url:
        endpoints["action_endpoint"]["url"] = action_url
    if redis_url:
        endpoints["lock_store"] = redis_lock_store(redis_url)
    return endpoints


def write_endpoints(path: Path, action_url: Optional[str] = None, redis_url: Optional[str] = None) -> Path:
    """Write the endpoints file for one server; returns its path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "# Written by Sedia from endpoints.yml; edit that file, not this one.\n"
    text += yaml.safe_dump(endpoints_for(action_url, redis_url), sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return path


def write_from_environment(path: Path, environ: Mapping[str, str]) -> Path:
    """Write the endpoints file that `ACTION_ENDPOINT_URL` and `SEDIA_REDIS_URL` describe."""
    return write_endpoints(path, settings.action_endpoint_url(environ), settings.redis_url(environ))
