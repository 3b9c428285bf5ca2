"""The id salt must stay the salt the stored data were keyed with (issue 19).

Every pseudonym Sedia stores is a keyed hash under the id salt (bot/config/identity.py).
A server that started without it would generate a new one, and every returning person
would become someone new: their answers orphaned, their conversation log deleted on
their next message (no consent on record under the new pseudonym), and "delete my data"
unable to find what is theirs. So each server checks before it serves:

- the salt is set or was generated, or nothing is stored yet;
- its fingerprint (a keyed hash of a fixed text, which does not reveal the salt) is the
  one recorded when data were first stored under it.

Either failure stops start-up with a message that says what to restore.
"""

from __future__ import annotations

import hashlib
import hmac

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from bot.config import settings
from bot.config.identity import Keyring, load_keyring
from bot.config.shared_secrets import ID_SALT, existing_secret, secret_file
from bot.storage.db import session_scope
from bot.storage.models import KeyFingerprint, Respondent

FINGERPRINT_NAME = "id_salt"


class SaltProblem(RuntimeError):
    """The id salt is missing or is not the one the stored data were keyed with."""


def fingerprint(keyring: Keyring) -> str:
    """A keyed hash of a fixed text under each salt in turn: equal for equal keyrings, and
    no help in guessing a salt."""
    found = b""
    for salt in keyring:
        found = hmac.new(salt, b"sedia id salt fingerprint" + found, hashlib.sha256).hexdigest().encode()
    return found.decode()


def check_id_salt() -> None:
    """Raise SaltProblem when the salt is missing while data are stored, or differs from
    the one they were stored under; record the fingerprint on first use."""
    with session_scope() as session:
        recorded = session.get(KeyFingerprint, FINGERPRINT_NAME)
        if existing_secret(ID_SALT) is None:
            people = session.execute(select(func.count()).select_from(Respondent)).scalar_one()
            if recorded is not None or people:
                raise SaltProblem(
                    f"{ID_SALT[0]} is not set and {secret_file(ID_SALT)} does not exist, but the database holds "
                    f"data keyed with an id salt ({people} respondent(s)). Starting would give every returning "
                    f"person a new identity. Restore {ID_SALT[0]} (or the file) from your secret store."
                )
        current = fingerprint(load_keyring())
        if recorded is None:
            try:
                with session.begin_nested():
                    session.add(KeyFingerprint(name=FINGERPRINT_NAME, fingerprint=current))
                return
            except IntegrityError:
                # Another server recorded it at the same moment: compare with theirs.
                recorded = session.get(KeyFingerprint, FINGERPRINT_NAME)
        if recorded is not None and not hmac.compare_digest(recorded.fingerprint, current):
            raise SaltProblem(
                f"The id salt ({ID_SALT[0]}) is not the one the stored data were keyed with. Starting would give "
                "every returning person a new identity. Restore the salt the data were keyed with; if you have just "
                "run `python -m bot salt rotate`, set the new keyring it wrote (see the README's privacy section)."
            )


def check_before_serving() -> None:
    """What every server checks before it starts: the settings, then the id salt."""
    settings.check()
    check_id_salt()
