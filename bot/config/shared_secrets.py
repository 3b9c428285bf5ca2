"""Secrets that several of Sedia's processes must agree on, without anyone typing them.

Each secret comes from its environment variable when set (production: from the secret
store, the same value in every replica). Otherwise it is generated on first use and kept
in the data folder with owner-only permissions, so the servers of one machine (`make run`,
`make run-prod`, plain `rasa run` beside `rasa run actions`) share it with no set-up.
"""

from __future__ import annotations

import hmac
import os
import secrets
from pathlib import Path
from typing import Mapping, Optional

from bot.config.settings import data_dir

# Variable -> file in the data folder.
ID_SALT = ("SEDIA_ID_SALT", "id_salt")
ACTION_SECRET = ("SEDIA_ACTION_SECRET", "action_secret")
WIDGET_SESSION_KEY = ("SEDIA_WIDGET_SESSION_KEY", "widget_session_key")
REST_TOKEN = ("SEDIA_REST_TOKEN", "rest_token")


def secret_file(secret: tuple) -> Path:
    """Where the generated value of `secret` is kept."""
    return Path(data_dir()) / secret[1]


def existing_secret(secret: tuple, environ: Optional[Mapping[str, str]] = None) -> Optional[str]:
    """The value of `secret` if it is set or was generated already, else None."""
    variable, _ = secret
    environ = os.environ if environ is None else environ
    from_env = (environ.get(variable) or "").strip()
    if from_env:
        return from_env
    path = secret_file(secret)
    return path.read_text(encoding="utf-8").strip() if path.exists() else None


def shared_secret(secret: tuple, environ: Optional[Mapping[str, str]] = None) -> str:
    """The value of `secret`: its variable, else the file (created on first use)."""
    found = existing_secret(secret, environ)
    if found is not None:
        return found
    _create(secret_file(secret))
    return secret_file(secret).read_text(encoding="utf-8").strip()


def same_secret(given: Optional[str], expected: str) -> bool:
    """True when `given` is the secret `expected`, compared in constant time."""
    if not given:
        return False
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def _create(path: Path) -> None:
    # Written whole to a private file, then linked into place: when two processes start
    # together, one link wins and the other reads the winner's value, never a partial one.
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_hex(32))
    try:
        os.link(draft, path)
    except FileExistsError:
        pass
    finally:
        draft.unlink()
