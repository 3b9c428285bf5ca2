"""Rotating the id salt: a new salt, and every stored pseudonym re-keyed to it (issue 19).

Run with every server stopped (`python -m bot salt rotate`). The command

1. checks that the salt in use is the one the data were keyed with (the salt guard);
2. writes the new keyring (the old salts and a new one) to a private draft file;
3. re-keys the conversation store, then the answers database and the salt fingerprint,
   and puts the conversation store back if the answers could not be re-keyed;
4. puts the new keyring in place: the data folder's salt file, or, when the salt comes
   from `SEDIA_ID_SALT`, the file named by `--keyring-out`, whose text the operator copies
   into the secret store for every server.

Servers started with the old salt afterwards refuse to start (the fingerprint differs),
so no one is split in two by a server that missed the change.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Tuple

from bot.config.identity import Keyring, forget_loaded_keyring, load_keyring
from bot.config.settings import tracker_url
from bot.config.shared_secrets import ID_SALT, secret_file
from bot.service.salt_guard import FINGERPRINT_NAME, check_id_salt, fingerprint
from bot.storage import audit
from bot.storage.conversations import tracker_engine
from bot.storage.db import session_scope
from bot.storage.models import KeyFingerprint, utcnow
from bot.storage.rekeying import (
    AnswersRekeying,
    ConversationRekeying,
    rekey_answers,
    rekey_conversation_store,
    restore_conversation_senders,
)


class RotationRefused(RuntimeError):
    """The rotation cannot start as asked (nothing was changed)."""


@dataclass
class RotationReport:
    """What a rotation re-keyed, and where the new keyring is."""

    conversations: int
    senders: int
    respondents: int
    unlinked: int
    keyring_file: Path
    from_environment: bool

    def lines(self) -> str:
        """The report for the command line."""
        lines = [
            f"conversations re-keyed: {self.conversations} ({self.senders} Telegram or portal sender(s))",
            f"respondents re-keyed: {self.respondents}",
        ]
        if self.unlinked:
            lines.append(
                f"respondents with no stored conversation: {self.unlinked}. Their answers keep counting, "
                "but nothing links them to a person any more, so they cannot be resumed or erased by them."
            )
        if self.from_environment:
            lines.append(
                f"The new keyring is in {self.keyring_file}. Put its text in {ID_SALT[0]} in your secret store "
                "for every server before starting them, then delete the file."
            )
        else:
            lines.append(f"The new keyring is in {self.keyring_file}. Back it up with the database.")
        return "\n".join(lines)


def rotate_id_salt(keyring_out: Optional[Path] = None, new_salt: Optional[str] = None) -> RotationReport:
    """Add a new salt to the keyring and re-key every stored pseudonym to it."""
    from_environment = bool(os.environ.get(ID_SALT[0], "").strip())
    if from_environment and keyring_out is None:
        raise RotationRefused(
            f"The salt comes from {ID_SALT[0]}, which this command cannot change: name a file for the new "
            "keyring with --keyring-out."
        )
    target = Path(keyring_out) if keyring_out is not None else secret_file(ID_SALT)
    salt = (new_salt or secrets.token_hex(32)).strip()
    if not salt or any(c.isspace() for c in salt):
        raise RotationRefused("A salt is one word with no spaces.")
    check_id_salt()
    old = load_keyring()
    new: Keyring = (*old, salt.encode("utf-8"))
    draft = _write_draft(target, new)
    try:
        conversations, answers = _rekey(old, new)
    except BaseException:
        draft.unlink(missing_ok=True)
        raise
    os.replace(draft, target)
    forget_loaded_keyring()
    return RotationReport(
        conversations=conversations.conversations,
        senders=len(conversations.senders),
        respondents=answers.respondents,
        unlinked=answers.unlinked,
        keyring_file=target,
        from_environment=from_environment,
    )


def _rekey(old: Keyring, new: Keyring) -> Tuple[ConversationRekeying, AnswersRekeying]:
    engine = tracker_engine(tracker_url())
    conversations = rekey_conversation_store(engine, old, new)
    try:
        with session_scope() as session:
            answers = rekey_answers(session, conversations.respondents)
            recorded = session.get(KeyFingerprint, FINGERPRINT_NAME)
            if recorded is None:
                session.add(KeyFingerprint(name=FINGERPRINT_NAME, fingerprint=fingerprint(new)))
            else:
                recorded.fingerprint = fingerprint(new)
                recorded.created_at = utcnow()
            audit.record(
                session,
                who="command line",
                role="admin",
                action="rotate id salt",
                target=f"{answers.respondents} respondents, {conversations.conversations} conversations",
            )
    except BaseException:
        restore_conversation_senders(engine, old, conversations)
        raise
    return conversations, answers


def _write_draft(target: Path, keyring: Keyring) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    draft = target.with_name(f".{target.name}.rotating")
    draft.unlink(missing_ok=True)
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(" ".join(salt.decode("utf-8") for salt in keyring) + "\n")
    return draft
